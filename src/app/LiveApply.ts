/**
 * What one live change does: to the caches (a new message written under the
 * follow rule, an edit and a deletion applied to what they hold, the search
 * index following each), and the events clients are told, in the contract's
 * shapes. Cache writes are idempotent, so a change applied again after a
 * crash (its events were not committed: UpdateLog) leaves the caches as
 * they were and is told once.
 *
 * The media of a message written to a cache is resolved before its event is
 * told, as a history request resolves a chunk's (HistoryMedia, shared with
 * HistorySync: the same settings, downloaded once): downloaded, skipped or
 * failed, the event carries the media fields history shows, and the media
 * index knows the uuid. The wait is bounded (LIVE_MEDIA_WAIT from when the
 * change was applied): past it, or when the resolution itself fails (the
 * media index cannot be written), the event is told with media null (its
 * media_type stays), a download under way goes on in the background, and
 * the next history request serving the message resolves it.
 *
 * The messages of a batch of changes are resolved side by side, each
 * against its own deadline, so an album of slow files holds the batch's
 * events back by one wait, not one per file: `apply` gives a message's
 * event as a PendingEvent, which `settleEvents` waits for, in order, before
 * the batch is committed. A resolution holds one of LIVE_MEDIA_CONCURRENCY
 * permits until it ends or its deadline passes (then it goes on without, as
 * a download past its deadline did before), and one that gets a permit only
 * after its deadline does not start, so a few large files never hold back
 * the media of the changes after them. A change to a message
 * whose media is still being resolved waits for that first (up to its
 * deadline), so it finds the record as the resolution left it: an edit
 * bringing another file replaces the one just downloaded, a deletion
 * forgets it. Media a change replaces or deletes is forgotten, as history
 * forgets it; a deleted message's download that outlasted its deadline is
 * forgotten again once it ends, with what it wrote.
 */
import { Clock, Duration, Effect, Fiber, Option, type Scope } from "effect"
import { historyMessageView } from "../contract/Messages.js"
import { spacedJson } from "../contract/SseFraming.js"
import { type AccountId, DialogId, type MessageId } from "../domain/Ids.js"
import { eventKindOf, type LiveChange } from "../domain/LiveUpdates.js"
import { type DialogKey, MessageStore, type MessageStoreError, type StoredMedia, type StoredMessage } from "../ports/MessageStore.js"
import type { NewEvent } from "../ports/UpdateLog.js"
import type { SessionName } from "../domain/SessionName.js"
import type { HistoryMedia, HistoryMediaError } from "./HistoryMedia.js"

/** Channels' and supergroups' marked ids are below this; users' and basic groups' above. */
const CHANNEL_BELOW = -1_000_000_000_000

const isCommonBoxDialog = (id: DialogId) => id > CHANNEL_BELOW

/** How long a live event waits for its message's media, from when its change was applied (the following events wait with it). */
export const LIVE_MEDIA_WAIT = Duration.seconds(30)

/** Live messages whose media is resolved at once (each a download at most). */
export const LIVE_MEDIA_CONCURRENCY = 3

/** An event to tell, or, run, the event of a message once its media is resolved or its deadline has passed. */
export type PendingEvent = NewEvent | Effect.Effect<NewEvent>

/** The events in order, each message's once its media is resolved or its deadline has passed. */
export const settleEvents = (events: ReadonlyArray<PendingEvent>): Effect.Effect<ReadonlyArray<NewEvent>> =>
  Effect.forEach(events, (event) => (Effect.isEffect(event) ? event : Effect.succeed(event)))

/** A message event's data: the contract's history message with its dialog's id first. */
export const messageEventData = (dialogId: DialogId, stored: StoredMessage): string =>
  spacedJson({ dialog_id: dialogId, ...historyMessageView(stored) })

export const deleteEventData = (dialogId: DialogId | null, ids: ReadonlyArray<MessageId>): string =>
  spacedJson({ dialog_id: dialogId, message_ids: ids })

/** `media`: history's (HistorySync.media), so a file a history request is fetching too is fetched once. */
export const makeLiveApply = (media: HistoryMedia, wait: Duration.DurationInput = LIVE_MEDIA_WAIT) => Effect.gen(function*() {
  const store = yield* MessageStore
  // Downloads that outlast the wait go on here, until the server stops.
  const background: Scope.Scope = yield* Effect.scope

  const downloads = yield* Effect.makeSemaphore(LIVE_MEDIA_CONCURRENCY)
  const waitMillis = Duration.toMillis(wait)

  /** A message's media being resolved: the resolution, and when its event stops waiting for it. */
  interface Resolution {
    readonly account: AccountId
    readonly dialogId: DialogId
    readonly messageId: number
    readonly uuid: string
    readonly fiber: Fiber.Fiber<ReadonlyArray<StoredMessage>, HistoryMediaError>
    readonly deadline: number
  }
  /** The resolutions under way (a later change of the same batch may concern their messages). */
  const resolving = new Set<Resolution>()

  /**
   * Before a change to these messages (`dialogId` null: any private chat or basic group of the account) is
   * applied, the resolutions of their media still under way are waited for, up to their deadlines: a change then
   * finds the media record as the resolution left it (an edit replacing the file downloads the new one, a
   * deletion forgets the file), as when each message's media was resolved before the next change was applied.
   */
  const settleFirst = (account: AccountId, dialogId: DialogId | null, ids: ReadonlyArray<number>) =>
    Effect.gen(function*() {
      if (resolving.size === 0) return
      const wanted = new Set(ids)
      const earlier = [...resolving].filter((r) =>
        r.account === account && wanted.has(r.messageId) && (dialogId === null ? isCommonBoxDialog(r.dialogId) : r.dialogId === dialogId)
      )
      for (const r of earlier) {
        const remaining = r.deadline - (yield* Clock.currentTimeMillis)
        if (remaining > 0) yield* Fiber.await(r.fiber).pipe(Effect.timeoutOption(Duration.millis(remaining)))
      }
    })

  /**
   * Forgets the media of deleted messages (history's way), and again once a resolution of it that outlasted its
   * deadline has ended: what that download wrote (its file, its index entry) is forgotten too.
   */
  const forgetDeleted = (key: DialogKey, dropped: ReadonlyArray<StoredMedia>) =>
    Effect.gen(function*() {
      if (dropped.length === 0) return
      yield* media.discard(key, dropped)
      const uuids = new Set(dropped.map((m) => m.uuid))
      for (const r of resolving) {
        if (r.account !== key.accountId || r.dialogId !== key.dialogId || !uuids.has(r.uuid)) continue
        yield* Effect.forkIn(
          Effect.flatMap(Fiber.await(r.fiber), (exit) => {
            const written = (exit._tag === "Success" ? exit.value : []).flatMap((m) =>
              m.media !== null && uuids.has(m.media.uuid) ? [m.media] : []
            )
            return media.discard(key, written)
          }),
          background
        )
      }
    })

  /**
   * Starts resolving the stored message's media as history would (see the header); the effect giving the message
   * with it resolved, or with media null once the deadline has passed or the resolution failed.
   */
  const resolveMedia = (session: SessionName, key: DialogKey, stored: StoredMessage) =>
    Effect.gen(function*() {
      if (stored.media === null) return Effect.succeed(stored)
      const uuid = stored.media.uuid
      const deadline = (yield* Clock.currentTimeMillis) + waitMillis
      // The permit is held until the resolution ends or its deadline passes (its event has gone out by then); one
      // that only gets a permit after its deadline does not start: the next history request resolves the media.
      const run = downloads.withPermits(1)(Effect.gen(function*() {
        const remaining = deadline - (yield* Clock.currentTimeMillis)
        if (remaining <= 0) return null
        const download = yield* Effect.forkIn(media.prepare(session, key, [stored]), background)
        yield* Fiber.await(download).pipe(Effect.timeoutOption(Duration.millis(remaining)))
        return download
      })).pipe(Effect.flatMap((download) => download === null ? Effect.succeed([]) : Fiber.join(download)))
      const fiber = yield* Effect.forkIn(run, background)
      const resolution: Resolution = {
        account: key.accountId,
        dialogId: key.dialogId,
        messageId: stored.message.id,
        uuid,
        fiber,
        deadline
      }
      resolving.add(resolution)
      fiber.addObserver(() => resolving.delete(resolution))
      return Effect.gen(function*() {
        const remaining = deadline - (yield* Clock.currentTimeMillis)
        const done = yield* (remaining > 0
          ? Fiber.join(fiber).pipe(Effect.timeoutOption(Duration.millis(remaining)))
          // Past the deadline, only a resolution already done counts.
          : Effect.flatMap(Fiber.poll(fiber), Option.match({ onNone: () => Effect.succeedNone, onSome: Effect.asSome }))
        ).pipe(
          Effect.catchAll((error) =>
            Effect.as(Effect.logWarning(`media ${uuid} of message ${stored.message.id}: ${error.message}`), Option.some([])))
        )
        const resolved = Option.getOrUndefined(done)?.[0]
        if (resolved !== undefined) return resolved
        if (Option.isNone(done)) {
          yield* Effect.logInfo(`media ${uuid} of message ${stored.message.id} not resolved within ${Duration.format(wait)}: told without it`)
        }
        return { ...stored, media: null }
      })
    })

  /**
   * A common-box deletion names no dialog: the ids are found among the caches of the account's private chats and
   * basic groups (message ids are unique there). Those no cache holds are told with a null dialog id.
   */
  const deleteCommon = (account: AccountId, ids: ReadonlyArray<MessageId>) =>
    Effect.gen(function*() {
      const events: Array<NewEvent> = []
      let left = new Set(ids)
      yield* settleFirst(account, null, ids)
      for (const dialogId of yield* store.dialogs(account)) {
        if (left.size === 0) break
        if (!isCommonBoxDialog(dialogId)) continue
        const key: DialogKey = { accountId: account, dialogId }
        const result = yield* store.applyLive(key, { _tag: "Delete", ids: [...left] })
        yield* forgetDeleted(key, result.droppedMedia)
        if (result.deleted.length === 0) continue
        const gone = new Set<number>(result.deleted)
        left = new Set([...left].filter((id) => !gone.has(id)))
        events.push({ kind: "delete_messages", dialogId, data: deleteEventData(dialogId, result.deleted) })
      }
      if (left.size > 0) events.push({ kind: "delete_messages", dialogId: null, data: deleteEventData(null, [...left]) })
      return events
    })

  /**
   * Applies `change` to the account's caches; the events to tell, in order. `chain`: the sequence it came from.
   * Media is downloaded as `session`.
   */
  const apply = (
    session: SessionName,
    account: AccountId,
    change: LiveChange,
    chain: string
  ): Effect.Effect<ReadonlyArray<PendingEvent>, MessageStoreError> =>
    Effect.gen(function*() {
      if (change._tag === "DeleteMessages" && change.dialogId === null) return yield* deleteCommon(account, change.ids)
      const dialogId = DialogId(change.dialogId!)
      const key: DialogKey = { accountId: account, dialogId }
      const cached = yield* store.exists(key)
      if (cached) yield* settleFirst(account, dialogId, change._tag === "DeleteMessages" ? change.ids : [change.message.id])
      switch (change._tag) {
        case "NewMessage":
        case "EditMessage": {
          const written = cached
            ? yield* store.applyLive(key, change._tag === "NewMessage"
              ? { _tag: "New", message: change.message, chain }
              : { _tag: "Edit", message: change.message })
            : null
          if (written !== null) yield* media.discard(key, written.droppedMedia)
          const held = written?.stored ?? null
          const kind = eventKindOf(change)
          if (held === null) return [{ kind, dialogId, data: messageEventData(dialogId, { message: change.message, media: null }) }]
          const resolved = yield* resolveMedia(session, key, held)
          return [Effect.map(resolved, (stored): NewEvent => ({ kind, dialogId, data: messageEventData(dialogId, stored) }))]
        }
        case "DeleteMessages": {
          if (cached) yield* forgetDeleted(key, (yield* store.applyLive(key, { _tag: "Delete", ids: change.ids })).droppedMedia)
          return [{ kind: "delete_messages", dialogId, data: deleteEventData(dialogId, change.ids) }]
        }
      }
    })

  return {
    /** The changes of the account of `session`, its media downloaded as `session`. */
    forSession: (session: SessionName) => ({
      apply: (account: AccountId, change: LiveChange, chain: string) => apply(session, account, change, chain)
    })
  }
})

/** What the updates loop applies its changes with (one session's). */
export type LiveApply = ReturnType<Effect.Effect.Success<ReturnType<typeof makeLiveApply>>["forSession"]>
