/**
 * Everything the use cases ask of Telegram, in domain values: no GramJS
 * class crosses this port. Each call names the session it acts for; the
 * adapter keeps one client per session.
 */
import { Context, Data, Effect, FiberRef, type Scope, type Stream } from "effect"
import type { DialogRecord, FolderRule } from "../domain/Dialog.js"
import type { HistoryPageRequest } from "../domain/HistoryWalk.js"
import type { ForumTopic, HistoryScope } from "../domain/Thread.js"
import type { MessageRecord } from "../domain/Message.js"
import type { SessionName } from "../domain/SessionName.js"
import type { AccountId, DialogId, MessageId } from "../domain/Ids.js"

/** Telegram asked us to wait (FLOOD_WAIT_n) longer than we are willing to wait in place. */
export class FloodWait extends Data.TaggedError("FloodWait")<{
  readonly seconds: number
  readonly method: string
}> {
  override get message() {
    return `Telegram rate limit on ${this.method}: retry after ${this.seconds} s`
  }
}

/**
 * Telegram will not start a takeout (data export) session yet
 * (TAKEOUT_INIT_DELAY_n): it asked the account's owner to confirm the export
 * in another of their Telegram apps, and starts it once they do, or by
 * itself after `seconds`.
 */
export class TakeoutDelayed extends Data.TaggedError("TakeoutDelayed")<{
  readonly seconds: number
}> {
  override get message() {
    return `Telegram waits for the data export (use_takeout) to be confirmed: retry after ${this.seconds} s`
  }
}

/** What a takeout session is asked for (account.initTakeoutSession): every kind of chat's messages, and files up to a size. */
export interface TakeoutScope {
  /** Media files too (upload.getFile), up to `fileMaxSize` bytes (null: no limit). */
  readonly files: boolean
  readonly fileMaxSize: number | null
}

/** The saved login no longer works (AUTH_KEY_UNREGISTERED, SESSION_REVOKED, USER_DEACTIVATED). */
export class SessionRevoked extends Data.TaggedError("SessionRevoked")<{
  readonly session: string
  readonly reason: string
}> {
  override get message() {
    return `Telegram no longer accepts the login (${this.reason})`
  }
}

/** The account cannot see that dialog. */
export class PeerNotFound extends Data.TaggedError("PeerNotFound")<{
  readonly dialogId: DialogId
  /** Telegram's word for it, when Telegram refused (e.g. CHANNEL_PRIVATE: the account was removed from the channel). */
  readonly reason?: string
}> {
  override get message() {
    return `Dialog ${this.dialogId} not found: this account cannot see it` + (this.reason === "CHANNEL_PRIVATE"
      ? " (Telegram answered CHANNEL_PRIVATE: the account was removed from this channel, or it became private; " +
        "what was fetched before stays cached, and a request after re-joining resumes from it)"
      : "")
  }
}

/** A user id given as a filter (search `from_user`) that the account cannot name: not in its dialogs, chats or results. */
export class UserNotFound extends Data.TaggedError("UserNotFound")<{
  readonly userId: number
}> {
  override get message() {
    return `User ${this.userId} is not known to this account (not in its dialogs, nor among this chat's members or recent senders)`
  }
}

/** A topic or thread asked of a dialog that has none (not a forum; a private chat; a post without comments). */
export class NoThreads extends Data.TaggedError("NoThreads")<{
  readonly dialogId: number
  /** What was asked for: a topic, or a thread. */
  readonly asked: HistoryScope["_tag"]
  readonly reason: string
}> {
  override get message() {
    return this.reason
  }
}

/** The topic, or the message a thread was asked for, does not exist in the dialog. */
export class ThreadNotFound extends Data.TaggedError("ThreadNotFound")<{
  readonly dialogId: number
  readonly scope: HistoryScope
}> {
  override get message() {
    return this.scope._tag === "Topic"
      ? `topic ${this.scope.topicId} not found in dialog ${this.dialogId}`
      : `message ${this.scope.messageId} not found in dialog ${this.dialogId}`
  }
}

/** Where a topic's or thread's messages are: the dialog they are in (a post's comments are in its discussion group) and the thread's root. */
export interface ThreadLocation {
  readonly dialogId: DialogId
  /** messages.getReplies' msg_id: the topic's id, or the thread's root message. */
  readonly rootId: number
}

/** Telegram could not be reached (network, timeouts, no session file). */
export class TelegramUnavailable extends Data.TaggedError("TelegramUnavailable")<{
  readonly reason: string
  readonly cause?: unknown
}> {
  override get message() {
    return `Telegram could not be reached: ${this.reason}`
  }
}

/**
 * Any other error Telegram answered with. Its `message` is Telegram's own
 * word (e.g. PHONE_NUMBER_INVALID), which callers match on; `describe`
 * gives the sentence.
 */
export class TelegramRpcError extends Data.TaggedError("TelegramRpcError")<{
  readonly code: number
  readonly message: string
  readonly method: string
}> {
  get describe() {
    return `Telegram answered ${this.code} ${this.message}`
  }
}

/**
 * Told each time the adapter waits out a rate limit in place, so a caller
 * can report it (e.g. SSE progress events). Set with `Effect.locallyWith`.
 */
export const FloodWaitListener: FiberRef.FiberRef<(seconds: number, method: string) => Effect.Effect<void>> =
  FiberRef.unsafeMake<(seconds: number, method: string) => Effect.Effect<void>>(() => Effect.void)

export type TelegramError = FloodWait | SessionRevoked | TelegramUnavailable | TelegramRpcError

/**
 * A Telegram failure in words, the same wherever it is told (a media
 * record's reason, a login's error, a logout not confirmed, the terminal);
 * driving adapters add what their user can do about it (an HTTP status,
 * the route that logs in again).
 */
export const describeTelegramError = (e: TelegramError): string => e._tag === "TelegramRpcError" ? e.describe : e.message

export interface AccountInfo {
  readonly userId: AccountId
  readonly firstName: string | null
  readonly lastName: string | null
  readonly username: string | null
}

/** messages.getHistory's paging (defined with the walk that asks for pages). */
export type { HistoryPageRequest }

export interface MessagePage {
  /** Newest first, as Telegram returns them. */
  readonly messages: ReadonlyArray<MessageRecord>
  /** Telegram's total for the query (the dialog's message count for plain history). */
  readonly count: number
  /**
   * The id of every entry Telegram returned, newest first, `MessageEmpty`
   * ones included (they are not messages, but they take a place in the
   * page): paging offsets move on these, and only a page without any entry
   * shows that there is nothing more (see domain/HistoryWalk.ts).
   */
  readonly ids: ReadonlyArray<number>
}

export interface SearchRequest {
  readonly query: string
  /** Epoch seconds, exclusive bounds as Telegram applies them; null for none. */
  readonly minDate: number | null
  readonly maxDate: number | null
  readonly fromUserId: number | null
  readonly limit: number
  readonly offsetId: number
  /** Only the messages of this forum topic (top_msg_id); null for all. */
  readonly topicId?: number | null
}

export interface GlobalSearchCursor {
  readonly offsetRate: number
  readonly offsetPeer: number
  readonly offsetId: number
}

export interface GlobalSearchRequest {
  readonly query: string
  readonly minDate: number | null
  readonly maxDate: number | null
  readonly limit: number
  readonly cursor: GlobalSearchCursor | null
}

export interface FoundMessage {
  readonly dialogId: DialogId
  readonly dialogTitle: string | null
  readonly message: MessageRecord
}

export interface GlobalSearchPage {
  readonly results: ReadonlyArray<FoundMessage>
  readonly count: number
  /** Where the next page starts; null when this was the last. */
  readonly next: GlobalSearchCursor | null
}

export interface TelegramGatewayService {
  readonly account: (session: SessionName) => Effect.Effect<AccountInfo, TelegramError>
  /**
   * How far Telegram's clock is ahead of ours, in milliseconds (negative:
   * behind), to the second. Message dates are in Telegram's time, so what
   * "now" means for a history is Telegram's now.
   */
  readonly clockOffset: (session: SessionName) => Effect.Effect<number, TelegramError>
  /** Every dialog of the account, archived ones included, with their entities' data. */
  readonly dialogs: (session: SessionName) => Effect.Effect<ReadonlyArray<DialogRecord>, TelegramError>
  /** Custom folders (All Chats is implicit). */
  readonly folders: (session: SessionName) => Effect.Effect<ReadonlyArray<FolderRule>, TelegramError>
  /** The real number of messages in a dialog. */
  readonly messageCount: (session: SessionName, dialogId: DialogId) => Effect.Effect<number, TelegramError | PeerNotFound>
  /** Participants from the full chat info, for entities that omit the count. */
  readonly participantsCount: (
    session: SessionName,
    dialogId: DialogId
  ) => Effect.Effect<number | null, TelegramError | PeerNotFound>
  /**
   * The messages with these ids (at most 100) as Telegram has them now;
   * ids it no longer has are left out.
   */
  readonly messagesByIds: (
    session: SessionName,
    dialogId: DialogId,
    ids: ReadonlyArray<MessageId>
  ) => Effect.Effect<ReadonlyArray<MessageRecord>, TelegramError | PeerNotFound>
  readonly history: (
    session: SessionName,
    dialogId: DialogId,
    request: HistoryPageRequest
  ) => Effect.Effect<MessagePage, TelegramError | PeerNotFound>
  /** Where a topic's or thread's messages are; checks that the dialog has it. */
  readonly thread: (
    session: SessionName,
    dialogId: DialogId,
    scope: HistoryScope
  ) => Effect.Effect<ThreadLocation, TelegramError | PeerNotFound | NoThreads | ThreadNotFound>
  /** messages.getReplies: a page of the thread rooted at `rootId` (a ThreadLocation), paged as `history`. */
  readonly replies: (
    session: SessionName,
    dialogId: DialogId,
    rootId: number,
    request: HistoryPageRequest
  ) => Effect.Effect<MessagePage, TelegramError | PeerNotFound>
  /** A forum's topics, all of them. */
  readonly topics: (
    session: SessionName,
    dialogId: DialogId
  ) => Effect.Effect<ReadonlyArray<ForumTopic>, TelegramError | PeerNotFound | NoThreads>
  readonly search: (
    session: SessionName,
    dialogId: DialogId,
    request: SearchRequest
  ) => Effect.Effect<MessagePage, TelegramError | PeerNotFound | UserNotFound>
  readonly searchGlobal: (
    session: SessionName,
    request: GlobalSearchRequest
  ) => Effect.Effect<GlobalSearchPage, TelegramError>
  /** The bytes of a media file, in order, fetched in chunks (crossing DCs as needed). */
  readonly download: (
    session: SessionName,
    locator: string
  ) => Stream.Stream<Uint8Array, TelegramError>
  /**
   * Runs the session's history requests within a takeout (data export)
   * session for as long as the scope is open: account.initTakeoutSession
   * when none is active, messages.getHistory wrapped in invokeWithTakeout
   * meanwhile, account.finishTakeoutSession when the last scope holding it
   * closes (however it closes). One takeout per session is shared by every
   * scope that holds it. Fails with TakeoutDelayed while Telegram waits for
   * the owner's confirmation. Optional: a gateway without it never uses one.
   */
  readonly takeout?: (session: SessionName, scope: TakeoutScope) => Effect.Effect<void, TelegramError | TakeoutDelayed, Scope.Scope>
  /** Closes the session's client and forgets what it learnt (a deleted or replaced login); the next call starts afresh. */
  readonly forget: (session: SessionName) => Effect.Effect<void>
}

export class TelegramGateway extends Context.Tag("ports/TelegramGateway")<TelegramGateway, TelegramGatewayService>() {}
