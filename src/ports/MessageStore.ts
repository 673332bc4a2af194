/**
 * The per-dialog message cache of one Telegram account: the messages, their
 * media records, and the time intervals the cache is known to hold
 * completely. A page of messages and the interval it proves are committed
 * together, so the cache never claims what it does not hold. The store
 * also keeps the account's full-text index (ports/SearchIndex.ts) in step
 * with every commit.
 */
import { Context, Data, type Effect } from "effect"
import type { Interval, IntervalSet } from "../domain/Intervals.js"
import type { MediaStatus, StoredMedia } from "../domain/MediaRecord.js"
import type { MessageRecord } from "../domain/Message.js"
import type { AccountId, DialogId, MessageId } from "../domain/Ids.js"

export class MessageStoreError extends Data.TaggedError("MessageStoreError")<{
  readonly operation: string
  readonly cause: unknown
}> {
  override get message() {
    return `message cache: ${this.operation} failed: ${this.cause instanceof Error ? this.cause.message : String(this.cause)}`
  }
}

/** One dialog's cache, as seen by one account (private chats differ per account). */
export interface DialogKey {
  readonly accountId: AccountId
  readonly dialogId: DialogId
}

/** A message's media record (domain/MediaRecord.ts): what the cache keeps of its file and its download. */
export type { MediaStatus, StoredMedia }

export interface StoredMessage {
  readonly message: MessageRecord
  readonly media: StoredMedia | null
}

export interface PageCommit {
  /** Upserted; media records keep their uuid and status while the file stays the same. */
  readonly messages: ReadonlyArray<MessageRecord>
  /** The interval these messages prove complete, if any; added to the covered set. */
  readonly covers: Interval | null
  /**
   * Replace this interval exactly: cached messages dated inside it that are
   * not among `messages` are deleted (Telegram no longer has them).
   */
  readonly replace: Interval | null
  /**
   * The read the caller is about to make (its limit aside): when the cache
   * holds nothing in it but this page's messages, the commit answers it
   * (`CommitResult.window`), so what was just written need not be read back.
   */
  readonly window?: Omit<ReadRequest, "limit"> | undefined
  /**
   * A topic's or thread's page (its id: domain/Thread.ts threadOf): `covers`
   * is added to that thread's intervals, not the dialog's, and `replace` and
   * `window` concern that thread's messages only.
   */
  readonly thread?: number | null
  /** These messages are deleted (Telegram deleted them); ids not cached are ignored. */
  readonly delete?: ReadonlyArray<MessageId> | undefined
}

export interface CommitResult {
  readonly covered: IntervalSet
  /** Media records dropped (message deleted, media removed, file changed): their files are stale. */
  readonly droppedMedia: ReadonlyArray<StoredMedia>
  /**
   * All of `PageCommit.window`, in its order, exactly as `read` would answer
   * it after the commit; null when not asked for, or when the cache holds
   * other messages in it (then read it).
   */
  readonly window: ReadonlyArray<StoredMessage> | null
}

/**
 * A change the live updates make to a dialog's cache (app/LiveUpdates.ts):
 * a new message, written with what the follow rule lets the cache record
 * as complete (domain/LiveUpdates.ts followStep, `chain` the sequence it
 * came from); an edit, written only over a message the cache holds; a
 * deletion.
 */
export type LiveWrite =
  | { readonly _tag: "New"; readonly message: MessageRecord; readonly chain: string }
  | { readonly _tag: "Edit"; readonly message: MessageRecord }
  | { readonly _tag: "Delete"; readonly ids: ReadonlyArray<MessageId> }

export interface LiveWriteResult {
  /** The message as now stored (New, and an Edit of a cached one); null otherwise. */
  readonly stored: StoredMessage | null
  /** Delete: the ids the cache held, now gone (also when this deletion had removed them before, and is applied again). */
  readonly deleted: ReadonlyArray<MessageId>
  readonly droppedMedia: ReadonlyArray<StoredMedia>
}

/** A position in (date, id) order; `id` 0 is before every message of that second. */
export interface MessageCursor {
  readonly date: number
  readonly id: number
}

export interface ReadRequest {
  /** Exclusive: ascending reads start after it, descending reads before it. */
  readonly after: MessageCursor
  /** Ascending: only dates < bound; descending: only dates >= bound. */
  readonly bound: number
  readonly order: "asc" | "desc"
  readonly limit: number
  /** Only this topic's or thread's messages (domain/Thread.ts threadOf). */
  readonly thread?: number | null
}

export interface IdsAround {
  readonly before: number | null
  readonly after: number | null
}

export interface MediaUpdate {
  readonly status: MediaStatus
  readonly reason: string | null
  readonly storedName: string | null
}

/** How much a dialog's cache holds. */
export interface CacheSummary {
  readonly messages: number
  /** Epoch seconds of the oldest and newest cached message; null when none is cached. */
  readonly oldestDate: number | null
  readonly newestDate: number | null
}

/** One step of keeping a dialog's search index complete (see `indexStep`). */
export interface IndexStep {
  /** Messages written to the index by this step. */
  readonly indexed: number
  /** The index holds every message of the dialog's cache. */
  readonly done: boolean
}

export interface MessageStoreService {
  /** Whether a cache exists for the dialog (without creating one). */
  readonly exists: (key: DialogKey) => Effect.Effect<boolean, MessageStoreError>
  /**
   * The intervals the cache holds completely; with `thread`, that thread's:
   * its own united with the dialog's (a dialog's history holds every thread's).
   */
  readonly covered: (key: DialogKey, thread?: number | null) => Effect.Effect<IntervalSet, MessageStoreError>
  /** The number of cached messages and their date span (call only when `exists`: it creates the cache). */
  readonly summary: (key: DialogKey) => Effect.Effect<CacheSummary, MessageStoreError>
  /** A live update's change (see LiveWrite); call only when `exists`. The search index follows. */
  readonly applyLive: (key: DialogKey, write: LiveWrite) => Effect.Effect<LiveWriteResult, MessageStoreError>
  /** One transaction: the messages, their media records and the covered interval. */
  readonly commitPage: (key: DialogKey, page: PageCommit) => Effect.Effect<CommitResult, MessageStoreError>
  /**
   * Ids of the cached messages nearest an interval: the newest dated before
   * it and the oldest dated at or after its end (null when none), so a fetch
   * of the interval can be bounded to the ids between them.
   */
  readonly idsAround: (key: DialogKey, interval: Interval, thread?: number | null) => Effect.Effect<IdsAround, MessageStoreError>
  /** How many messages the cache holds of each thread or forum topic (domain/Thread.ts threadOf), by its id. */
  readonly threadSizes: (key: DialogKey) => Effect.Effect<ReadonlyMap<number, number>, MessageStoreError>
  /** Keyset-paged read in (date, id) order. */
  readonly read: (key: DialogKey, request: ReadRequest) => Effect.Effect<ReadonlyArray<StoredMessage>, MessageStoreError>
  /** The cached messages with these ids, in no particular order; ids not cached are left out. */
  readonly messagesById: (
    key: DialogKey,
    ids: ReadonlyArray<MessageId>
  ) => Effect.Effect<ReadonlyArray<StoredMessage>, MessageStoreError>
  /** The accounts with caches on disk. */
  /**
   * Up to `limit` cached messages in `interval` stored before tgsc knew
   * their details (MessageRecord.details null), the earliest first (`asc`)
   * or the latest first (`desc`).
   */
  readonly withoutDetails: (
    key: DialogKey,
    interval: Interval,
    order: "asc" | "desc",
    limit: number
  ) => Effect.Effect<ReadonlyArray<MessageCursor>, MessageStoreError>
  /** These were asked of Telegram, which no longer has them: their details stay unknown, and are not asked for again. */
  readonly detailsUnavailable: (key: DialogKey, ids: ReadonlyArray<MessageId>) => Effect.Effect<void, MessageStoreError>
  readonly accounts: () => Effect.Effect<ReadonlyArray<AccountId>, MessageStoreError>
  /** The dialogs of the account with a cache on disk. */
  readonly dialogs: (accountId: AccountId) => Effect.Effect<ReadonlyArray<DialogId>, MessageStoreError>
  /**
   * The account's search index (ports/SearchIndex.ts) is kept by the store:
   * every commit writes it. This is the next step for a dialog cached before
   * the index existed, or left with writes to repair: one batch of its
   * backfill. A store without an index is always done.
   */
  readonly indexStep: (key: DialogKey) => Effect.Effect<IndexStep, MessageStoreError>
  /** Drops from the account's search index every dialog whose cache is gone (deleted by hand); how many. */
  readonly pruneIndex: (accountId: AccountId) => Effect.Effect<number, MessageStoreError>
  readonly updateMedia: (key: DialogKey, messageId: MessageId, update: MediaUpdate) => Effect.Effect<void, MessageStoreError>
  /** A fresh locator (Telegram's file references expire) for the same file. */
  readonly updateMediaLocator: (
    key: DialogKey,
    messageId: MessageId,
    locator: string
  ) => Effect.Effect<void, MessageStoreError>
}

export class MessageStore extends Context.Tag("ports/MessageStore")<MessageStore, MessageStoreService>() {}
