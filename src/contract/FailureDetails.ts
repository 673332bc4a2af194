/**
 * What a failure says to the client: the contract's `detail` sentences,
 * written once for every way in. The HTTP API answers them as
 * `{"detail"}` with a status (src/http), the MCP server as tool errors
 * (src/mcp); `kind` names the class of failure each maps to its own terms.
 * What the client can do about a failure names a way in (an HTTP route, an
 * MCP tool): those hints are each transport's (`WayIn`), the rest is shared.
 */
import { String as Str } from "effect"
import type { FolderNotFound } from "../domain/FolderMembership.js"
import type {
  NoThreads,
  PeerNotFound,
  SessionRevoked,
  TakeoutDelayed,
  TelegramError,
  ThreadNotFound,
  UserNotFound
} from "../ports/TelegramGateway.js"

export type FailureKind = "BadRequest" | "Unauthorized" | "NotFound" | "RateLimited" | "BadGateway"

export interface FailureDetail {
  readonly kind: FailureKind
  readonly detail: string
  /** Seconds to wait before trying again (rate limits only). */
  readonly retryAfter?: number
}

/** The hints that name what a client of one transport calls: an HTTP route, an MCP tool. */
export interface WayIn {
  /** How to log the session in again (it ends the sentence). */
  readonly logInAgain: (session: string) => string
  /** Where the folders are listed. */
  readonly folders: string
  /** Where a forum's topics are listed (it ends the sentence). */
  readonly topics: (dialogId: number) => string
  /** How to allow and fetch a media file that settings skip (it ends the sentence). */
  readonly allowMedia: string
  /** How to sync without a takeout session (it ends the sentence). */
  readonly takeoutOff: string
}

export const HTTP_WAY_IN: WayIn = {
  logInAgain: (session) => `log in again with POST /api/v3/auth/qr {"username": "${session}", "force": true}`,
  folders: "GET /api/v3/folders",
  topics: (dialogId) => `see GET /api/v3/dialogs/${dialogId}/topics`,
  allowMedia: "Allow it with PATCH /api/v3/settings, then request the dialog's history again (repair_media fetches it)",
  takeoutOff: "turn use_takeout off with PATCH /api/v3/settings {\"use_takeout\": false} to sync without it"
}

/** An MCP client cannot log in nor change settings: the person running the server does. */
export const MCP_WAY_IN: WayIn = {
  logInAgain: (session) => `the account's owner must log in again (tgsc-auth ${session} --force, or the server's login page)`,
  folders: "the list_folders tool",
  topics: () => "a topic's id is the id of its topic_create service message (read_history shows them)",
  allowMedia: "The person running the server can allow it in the settings and have the file fetched again",
  takeoutOff: "the person running the server can turn use_takeout off to sync without it"
}

/** A login Telegram no longer accepts: what happened and how to log in again. */
export const revokedDetail = (error: SessionRevoked, way: WayIn) =>
  `Session '${error.session}' is no longer authorised by Telegram (${error.reason}): ${way.logInAgain(error.session)}`

/** Telegram waits for the owner to confirm a takeout (data export) session: what to do, in a sentence. */
export const takeoutDelayDetail = (seconds: number, way: WayIn) =>
  `Telegram has asked the account's owner to confirm the data export that use_takeout starts: ` +
  `confirm it in another Telegram app logged into this account (Telegram sends the request there as a message ` +
  `from Telegram), then retry; or wait ${seconds} seconds, after which Telegram allows it by itself; or ${way.takeoutOff}.`

export const rateLimitDetail = (seconds: number) => `Telegram rate limit exceeded. Retry after ${seconds} seconds.`

export const telegramFailure = (
  error: TelegramError | PeerNotFound | UserNotFound | NoThreads | ThreadNotFound | TakeoutDelayed,
  way: WayIn
): FailureDetail => {
  switch (error._tag) {
    case "TakeoutDelayed":
      return { kind: "RateLimited", detail: takeoutDelayDetail(error.seconds, way), retryAfter: error.seconds }
    case "NoThreads":
      return {
        kind: "BadRequest",
        detail: `Invalid parameter '${error.asked === "Topic" ? "topic_id" : "thread"}': ${error.reason}`
      }
    case "ThreadNotFound":
      return {
        kind: "NotFound",
        detail: error.scope._tag === "Topic"
          ? `Topic ${error.scope.topicId} not found in dialog ${error.dialogId}: ${way.topics(error.dialogId)}`
          : `Message ${error.scope.messageId} not found in dialog ${error.dialogId}`
      }
    case "FloodWait":
      return { kind: "RateLimited", detail: rateLimitDetail(error.seconds), retryAfter: error.seconds }
    case "SessionRevoked":
      return { kind: "Unauthorized", detail: revokedDetail(error, way) }
    case "PeerNotFound":
      return { kind: "NotFound", detail: error.message }
    case "UserNotFound":
      return { kind: "BadRequest", detail: `Invalid parameter 'from_user': ${Str.uncapitalize(error.message)}` }
    case "TelegramUnavailable":
      return { kind: "BadGateway", detail: error.message }
    case "TelegramRpcError":
      return error.code === 400
        ? { kind: "BadRequest", detail: `Telegram rejected the request: ${error.message}` }
        : { kind: "BadGateway", detail: `Telegram answered ${error.code} ${error.message} to ${error.method}` }
  }
}

export const folderNotFoundDetail = (error: FolderNotFound, way: WayIn) =>
  `Folder '${error.folder}' not found: give a folder id or title from ${way.folders} (0 is All Chats)`

/** MediaLookup's MediaNotFound and MediaNotDownloaded, as far as their wording needs them. */
export type MediaUnavailable =
  | { readonly _tag: "MediaNotFound"; readonly uuid: string }
  | {
    readonly _tag: "MediaNotDownloaded"
    readonly uuid: string
    readonly status: "skipped" | "pending" | "failed" | "missing"
    readonly reason: string | null
    readonly path: string | null
  }

/** A media file that cannot be served: what became of it, and what the client can do about it. */
export const mediaNotAvailableDetail = (error: MediaUnavailable, way: WayIn): string => {
  if (error._tag === "MediaNotFound") return `No media file with id '${error.uuid}' for this account`
  const { path, reason, status, uuid } = error
  switch (status) {
    case "skipped":
      return `Media ${uuid} was not downloaded: skipped by settings (${reason ?? "unknown reason"}). ` +
        way.allowMedia
    case "pending":
      return `Media ${uuid} has not been downloaded yet: request the dialog's history again to fetch it`
    case "failed":
      return `Media ${uuid} could not be downloaded (${reason ?? "unknown reason"}): ` +
        "request the dialog's history again to retry"
    case "missing":
      // Never the path: no absolute paths in error messages (metadata_only gives it to whoever asks).
      return path === null
        ? `Media ${uuid} has no stored file`
        : `Media file ${uuid} is missing on disk: request the dialog's history again to download it again`
  }
}

/** An empty or reversed history range, in the contract's parameter names. */
export const historyRangeDetail = (endDate: number | null) =>
  endDate === null
    ? "start_date must be earlier than end_date (which defaults to now)"
    : "start_date must be earlier than end_date (the range is [start_date, end_date))"

/** Message search's date bounds the wrong way round (start_date is the upper bound there). */
export const SEARCH_RANGE_DETAIL =
  "end_date must be earlier than start_date: start_date is the upper bound (messages before it), end_date the lower bound (messages after it)"
