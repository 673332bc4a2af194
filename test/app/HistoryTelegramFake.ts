/**
 * A port-level fake of TelegramGateway for history tests: dialogs held in
 * memory and paged exactly as Telegram's messages.getHistory pages them
 * (newest-first list, position from offset_id or offset_date, the window
 * [position + add_offset, position + add_offset + limit) clipped, then the
 * exclusive min_id/max_id bounds, at most 100 a page). It records every
 * call so tests can count what was fetched, and lets tests hold a call,
 * report a rate-limit wait, or fail a download.
 */
import { Effect, FiberRef, Layer, Stream } from "effect"
import type { MessageRecord } from "../../src/domain/Message.js"
import type { DialogRecord } from "../../src/domain/Dialog.js"
import {
  type HistoryPageRequest,
  NoThreads,
  PeerNotFound,
  FloodWaitListener,
  TakeoutDelayed,
  type TakeoutScope,
  ThreadNotFound,
  TelegramGateway,
  type TelegramError,
  TelegramRpcError,
  TelegramUnavailable
} from "../../src/ports/TelegramGateway.js"
import { AccountId, DialogId } from "../../src/domain/Ids.js"
import { type HistoryScope, threadOf } from "../../src/domain/Thread.js"
import { dialogRecord } from "../support/DialogRecords.js"

export interface HistoryCall {
  readonly dialogId: number
  readonly request: HistoryPageRequest
  /** messages.getReplies' root, for a thread's page. */
  readonly rootId?: number
  readonly returned: ReadonlyArray<MessageRecord>
}

/** The bytes the fake serves for a locator: deterministic, of the size the locator announces. */
export const bytesOf = (locator: string): Uint8Array => {
  const { file, size } = JSON.parse(locator) as { file: string; size: number }
  let seed = 0
  for (const c of file) seed = (seed * 31 + c.charCodeAt(0)) % 251
  return Uint8Array.from({ length: size }, (_, i) => (seed + i * 7) % 256)
}

/** A dialog's record as this fake lists it: its kind from the id's range, a title naming the id. */
export const recordOf = (id: number): DialogRecord =>
  dialogRecord(id, { kind: id < -1_000_000_000_000 ? "channel" : id < 0 ? "group" : "user" })

export class TelegramFake {
  readonly dialogs = new Map<number, Array<MessageRecord>>()
  readonly calls: Array<HistoryCall> = []
  readonly downloads: Array<string> = []
  /** Runs before each history call answers (after it was recorded as started), with the call's request. */
  beforeHistory: (call: number, request: HistoryPageRequest) => Effect.Effect<void> = () => Effect.void
  /** Rate-limit waits to report (as the adapter's retry would) before the next history calls. */
  floodWaits: Array<number> = []
  /** Downloads that fail once, by file id in the locator, with this RPC error message. */
  readonly failDownloadOnce = new Map<string, string>()
  historyStarted = 0
  /** Every messagesByIds call's ids, in order. */
  readonly byIdCalls: Array<ReadonlyArray<number>> = []
  /** Fails the next messagesByIds calls with these errors, one per call. */
  byIdFailures: Array<TelegramError | PeerNotFound> = []

  /** Which account each session is logged in to. */
  readonly accounts = new Map<string, number>([["alice", 1001]])
  /** How far "Telegram's" clock is ahead of the test clock (milliseconds, negative: behind). */
  clockOffsetMillis = 0
  /** Fails the next history calls with these errors (after `beforeHistory`), one per call. */
  historyFailures: Array<TelegramError> = []
  /**
   * Messages that take their place in a page's window but are not returned
   * as messages, as Telegram's pages come back short mid-history: `empty`
   * ones come back as a MessageEmpty (their id only), `hidden` ones not at
   * all (restricted for the account, or an id gap). By dialog, then id.
   */
  readonly slots = new Map<number, Map<number, "empty" | "hidden">>()
  /** Takeout sessions held now (use_takeout), and what was asked of them, in order: `start <scope>`, `end`. */
  takeoutsHeld = 0
  readonly takeoutLog: Array<string> = []
  /** While set, a takeout does not start: TAKEOUT_INIT_DELAY_n. */
  takeoutDelay: number | null = null
  /** Whether a takeout was held during each history call, in order. */
  readonly historyInTakeout: Array<boolean> = []
  /** Forums: dialog id -> its topic ids. */
  readonly forums = new Map<number, ReadonlySet<number>>()
  /** Channel posts with comments: "dialog:post" -> the discussion group and the root there. */
  readonly discussions = new Map<string, { readonly dialogId: number; readonly rootId: number }>()
  /** Every `thread` call's scope, in order. */
  readonly threadCalls: Array<HistoryScope> = []

  /** A thread's place, as Telegram resolves it (see TelegramGateway.thread). */
  locate(dialogId: number, scope: HistoryScope): Effect.Effect<{ dialogId: DialogId; rootId: number }, NoThreads | ThreadNotFound | PeerNotFound> {
    this.threadCalls.push(scope)
    if (!this.dialogs.has(dialogId)) return Effect.fail(new PeerNotFound({ dialogId: DialogId(dialogId) }))
    const topics = this.forums.get(dialogId)
    if (scope._tag === "Topic") {
      if (topics === undefined) return Effect.fail(new NoThreads({ dialogId, asked: "Topic", reason: `dialog ${dialogId} is not a forum` }))
      return topics.has(scope.topicId)
        ? Effect.succeed({ dialogId: DialogId(dialogId), rootId: scope.topicId })
        : Effect.fail(new ThreadNotFound({ dialogId, scope }))
    }
    const discussion = this.discussions.get(`${dialogId}:${scope.messageId}`)
    if (discussion !== undefined) return Effect.succeed({ dialogId: DialogId(discussion.dialogId), rootId: discussion.rootId })
    return this.dialogs.get(dialogId)!.some((m) => m.id === scope.messageId)
      ? Effect.succeed({ dialogId: DialogId(dialogId), rootId: scope.messageId })
      : Effect.fail(new ThreadNotFound({ dialogId, scope }))
  }

  set(dialogId: number, messages: ReadonlyArray<MessageRecord>) {
    this.dialogs.set(dialogId, [...messages].sort((a, b) => b.id - a.id))
  }

  edit(dialogId: number, id: number, change: Partial<MessageRecord>) {
    const list = this.dialogs.get(dialogId)!
    const k = list.findIndex((m) => m.id === id)
    list[k] = { ...list[k]!, ...change }
  }

  remove(dialogId: number, id: number) {
    this.set(dialogId, this.dialogs.get(dialogId)!.filter((m) => m.id !== id))
  }

  /** Makes these messages of a dialog come back as `empty` or `hidden` slots (see `slots`). */
  hide(dialogId: number, ids: ReadonlyArray<number>, kind: "empty" | "hidden") {
    const slots = this.slots.get(dialogId) ?? new Map<number, "empty" | "hidden">()
    for (const id of ids) slots.set(id, kind)
    this.slots.set(dialogId, slots)
  }

  /** The messages a complete history shows: all but the hidden and empty slots. */
  visible(dialogId: number): Array<MessageRecord> {
    const slots = this.slots.get(dialogId)
    return (this.dialogs.get(dialogId) ?? []).filter((m) => slots?.get(m.id) === undefined)
  }

  resetCalls() {
    this.calls.length = 0
    this.downloads.length = 0
  }

  /** Every message any history call returned, in call order. */
  returnedIds(): Array<number> {
    return this.calls.flatMap((c) => c.returned.map((m) => m.id))
  }

  page(dialogId: number, r: HistoryPageRequest, rootId?: number): Array<MessageRecord> {
    const all = this.dialogs.get(dialogId) ?? []
    const list = rootId === undefined ? all : all.filter((m) => threadOf(m) === rootId)
    const firstOlder = (test: (m: MessageRecord) => boolean) => {
      const k = list.findIndex(test)
      return k === -1 ? list.length : k
    }
    const position = r.offsetId > 0
      ? firstOlder((m) => m.id < r.offsetId)
      : r.offsetDate > 0
      ? firstOlder((m) => m.date < r.offsetDate)
      : 0
    const limit = Math.min(r.limit, 100)
    const start = Math.max(0, position + r.addOffset)
    const end = Math.min(list.length, Math.max(0, position + r.addOffset + limit))
    return list.slice(start, Math.max(start, end)).filter((m) => m.id > r.minId && (r.maxId <= 0 || m.id < r.maxId))
  }

  layer(): Layer.Layer<TelegramGateway> {
    const fake = this
    const unsupported = () => Effect.fail(new TelegramUnavailable({ reason: "not in this fake" }))
    return Layer.succeed(
      TelegramGateway,
      TelegramGateway.of({
        account: (session) =>
          Effect.succeed({ userId: AccountId(fake.accounts.get(session) ?? 1001), firstName: session, lastName: null, username: session }),
        clockOffset: () => Effect.sync(() => fake.clockOffsetMillis),
        // The dialogs holding messages, as minimal records (live updates tell a new one by them).
        dialogs: () => Effect.sync(() => [...fake.dialogs.keys()].map(recordOf)),
        forget: () => Effect.void,
        takeout: (_session, scope: TakeoutScope) =>
          Effect.acquireRelease(
            Effect.suspend(() => {
              if (fake.takeoutDelay !== null) return Effect.fail(new TakeoutDelayed({ seconds: fake.takeoutDelay }))
              fake.takeoutsHeld++
              fake.takeoutLog.push(`start files=${scope.files} max=${scope.fileMaxSize}`)
              return Effect.void
            }),
            () =>
              Effect.sync(() => {
                fake.takeoutsHeld--
                fake.takeoutLog.push("end")
              })
          ),
        folders: unsupported,
        messageCount: unsupported,
        messagesByIds: (_session, dialogId, ids) =>
          Effect.suspend(() => {
            fake.byIdCalls.push(ids)
            const failure = fake.byIdFailures.shift()
            if (failure !== undefined) return Effect.fail(failure)
            if (!fake.dialogs.has(dialogId)) return Effect.fail(new PeerNotFound({ dialogId }))
            const wanted = new Set<number>(ids)
            return Effect.succeed(fake.visible(dialogId).filter((m) => wanted.has(m.id)))
          }),
        participantsCount: unsupported,
        search: unsupported,
        searchGlobal: unsupported,
        thread: (_session, dialogId, scope) => Effect.suspend(() => fake.locate(dialogId, scope)),
        topics: unsupported,
        replies: (_session, dialogId, rootId, request) =>
          Effect.suspend(() => {
            if (!fake.dialogs.has(dialogId)) return Effect.fail(new PeerNotFound({ dialogId }))
            fake.historyStarted++
            const window = fake.page(dialogId, request, rootId)
            fake.calls.push({ dialogId, request, rootId, returned: window })
            return Effect.succeed({ messages: window, count: window.length, ids: window.map((m) => m.id) })
          }),
        history: (_session, dialogId, request) =>
          Effect.gen(function*() {
            if (!fake.dialogs.has(dialogId)) return yield* new PeerNotFound({ dialogId })
            const n = fake.historyStarted++
            const wait = fake.floodWaits.shift()
            if (wait !== undefined) {
              const listen = yield* FiberRef.get(FloodWaitListener)
              yield* listen(wait, "messages.GetHistory")
            }
            yield* fake.beforeHistory(n, request)
            const failure = fake.historyFailures.shift()
            if (failure !== undefined) return yield* Effect.fail(failure)
            fake.historyInTakeout.push(fake.takeoutsHeld > 0)
            const window = fake.page(dialogId, request)
            const slots = fake.slots.get(dialogId)
            const returned = window.filter((m) => slots?.get(m.id) === undefined)
            fake.calls.push({ dialogId, request, returned })
            return {
              messages: returned,
              count: fake.dialogs.get(dialogId)!.length,
              ids: window.filter((m) => slots?.get(m.id) !== "hidden").map((m) => m.id)
            }
          }),
        download: (_session, locator) =>
          Stream.suspend(() => {
            fake.downloads.push(locator)
            const { file } = JSON.parse(locator) as { file: string }
            const failure = fake.failDownloadOnce.get(file)
            if (failure !== undefined) {
              fake.failDownloadOnce.delete(file)
              return Stream.fail(new TelegramRpcError({ code: 400, message: failure, method: "upload.GetFile" }))
            }
            const data = bytesOf(locator)
            return Stream.fromIterable(
              Array.from({ length: Math.ceil(data.length / 4096) }, (_, i) => data.subarray(i * 4096, (i + 1) * 4096))
            )
          })
      })
    )
  }
}
