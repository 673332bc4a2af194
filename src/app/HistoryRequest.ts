/**
 * A history request, and what it must satisfy before any work starts.
 * HistorySync checks it itself, so a program calling the use case directly
 * gets the same answer as an HTTP client (whose handler only renames the
 * fields).
 */
import { Data, type Duration } from "effect"
import type { Interval } from "../domain/Intervals.js"
import type { SessionName } from "../domain/SessionName.js"
import type { MessageStoreError, StoredMessage } from "../ports/MessageStore.js"
import type { HistoryScope } from "../domain/Thread.js"
import type { NoThreads, PeerNotFound, TakeoutDelayed, TelegramError, ThreadNotFound } from "../ports/TelegramGateway.js"
import type { HistoryMediaError } from "./HistoryMedia.js"

export interface HistoryRequest {
  readonly session: SessionName
  /** A marked dialog id as the API writes it (library callers pass plain numbers); checked, then branded by the use case. */
  readonly dialogId: number
  /** Inclusive, epoch seconds; null for the dialog's beginning. */
  readonly startDate: number | null
  /** Exclusive, epoch seconds; null for now. */
  readonly endDate: number | null
  readonly chunkSize: number
  readonly forceRefresh: boolean
  readonly reverse: boolean
  /**
   * Only a forum topic's messages, or a thread's (a broadcast post's
   * comments, which are in its discussion group; a supergroup message's
   * replies). Its pages come from messages.getReplies; the cache keeps its
   * coverage apart from the dialog's.
   */
  readonly scope?: HistoryScope | undefined
  /**
   * When given, a Heartbeat event goes out whenever nothing else did for this
   * long (a slow Telegram call, a rate-limit wait, a large download), so a
   * connection carrying the stream can be kept alive.
   */
  readonly heartbeat?: Duration.DurationInput
}

export class InvalidHistoryRequest extends Data.TaggedError("InvalidHistoryRequest")<{
  /** The HistoryRequest field at fault. */
  readonly field: "dialogId" | "startDate" | "endDate" | "chunkSize" | "scope"
  readonly reason: string
}> {
  override get message() {
    return `invalid history request: ${this.reason}`
  }
}

const isDate = (value: number | null) => value === null || Number.isFinite(value)

/** The first problem with `request` at `nowSeconds` (epoch), or null when it can run. */
export const checkHistoryRequest = (request: HistoryRequest, nowSeconds: number): InvalidHistoryRequest | null => {
  if (!Number.isSafeInteger(request.dialogId) || request.dialogId === 0) {
    return new InvalidHistoryRequest({ field: "dialogId", reason: `dialogId must be a non-zero marked dialog id, got ${request.dialogId}` })
  }
  const scopeId = request.scope === undefined ? null : request.scope._tag === "Topic" ? request.scope.topicId : request.scope.messageId
  if (scopeId !== null && (!Number.isSafeInteger(scopeId) || scopeId < 1)) {
    return new InvalidHistoryRequest({ field: "scope", reason: `a topic or thread id must be an integer >= 1, got ${scopeId}` })
  }
  if (!Number.isSafeInteger(request.chunkSize) || request.chunkSize < 1) {
    return new InvalidHistoryRequest({ field: "chunkSize", reason: `chunkSize must be an integer >= 1, got ${request.chunkSize}` })
  }
  if (!isDate(request.startDate)) {
    return new InvalidHistoryRequest({ field: "startDate", reason: "startDate must be epoch seconds or null" })
  }
  if (!isDate(request.endDate)) {
    return new InvalidHistoryRequest({ field: "endDate", reason: "endDate must be epoch seconds or null" })
  }
  // An empty or reversed range is a mistake worth saying, not an empty answer.
  if (request.startDate !== null && request.startDate >= (request.endDate ?? nowSeconds)) {
    return new InvalidHistoryRequest({
      field: "startDate",
      reason: request.endDate === null
        ? "startDate must be earlier than endDate (which defaults to now)"
        : "startDate must be earlier than endDate (the range is [startDate, endDate))"
    })
  }
  return null
}

export type HistoryEvent =
  | { readonly _tag: "Chunk"; readonly messages: ReadonlyArray<StoredMessage> }
  | {
    readonly _tag: "Progress"
    /** Messages fetched from Telegram so far by this request. */
    readonly fetched: number
    /** The missing range being fetched, if any. */
    readonly fetching: Interval | null
    /** Seconds of the rate-limit wait starting now (0 when this is not a wait). */
    readonly rateLimitWait: number
  }
  /** Nothing else for `heartbeat`; only with that option. */
  | { readonly _tag: "Heartbeat" }

export type HistoryError =
  | TelegramError
  | TakeoutDelayed
  | PeerNotFound
  | MessageStoreError
  | HistoryMediaError
  | InvalidHistoryRequest
  | NoThreads
  | ThreadNotFound
