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
 * index knows the uuid. The wait is bounded (LIVE_MEDIA_WAIT): past it, or
 * when the resolution itself fails (the media index cannot be written), the
 * event is told with media null (its media_type stays), a download under
 * way goes on in the background, and the next history request serving the
 * message resolves it. Media a change replaces or deletes is forgotten, as
 * history forgets it.
 */
import { Duration, Effect, Fiber, Option, type Scope } from "effect"
import { historyMessageView } from "../contract/Messages.js"
import { spacedJson } from "../contract/SseFraming.js"
import { type AccountId, DialogId, type MessageId } from "../domain/Ids.js"
import { eventKindOf, type LiveChange } from "../domain/LiveUpdates.js"
import { type DialogKey, MessageStore, type MessageStoreError, type StoredMessage } from "../ports/MessageStore.js"
import type { NewEvent } from "../ports/UpdateLog.js"
import type { SessionName } from "../domain/SessionName.js"
import type { HistoryMedia } from "./HistoryMedia.js"

/** Channels' and supergroups' marked ids are below this; users' and basic groups' above. */
const CHANNEL_BELOW = -1_000_000_000_000

const isCommonBoxDialog = (id: DialogId) => id > CHANNEL_BELOW

/** How long a live event waits for its message's media (the following events wait with it). */
export const LIVE_MEDIA_WAIT = Duration.seconds(30)

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

  /** The stored message with its media resolved as history would (see the header), or with media null. */
  const resolveMedia = (session: SessionName, key: DialogKey, stored: StoredMessage) =>
    Effect.gen(function*() {
      if (stored.media === null) return stored
      const uuid = stored.media.uuid
      const fiber = yield* Effect.forkIn(media.prepare(session, key, [stored]), background)
      const done = yield* Fiber.join(fiber).pipe(
        Effect.timeoutOption(wait),
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

  /**
   * A common-box deletion names no dialog: the ids are found among the caches of the account's private chats and
   * basic groups (message ids are unique there). Those no cache holds are told with a null dialog id.
   */
  const deleteCommon = (account: AccountId, ids: ReadonlyArray<MessageId>) =>
    Effect.gen(function*() {
      const events: Array<NewEvent> = []
      let left = new Set(ids)
      for (const dialogId of yield* store.dialogs(account)) {
        if (left.size === 0) break
        if (!isCommonBoxDialog(dialogId)) continue
        const key: DialogKey = { accountId: account, dialogId }
        const result = yield* store.applyLive(key, { _tag: "Delete", ids: [...left] })
        yield* media.discard(key, result.droppedMedia)
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
  ): Effect.Effect<ReadonlyArray<NewEvent>, MessageStoreError> =>
    Effect.gen(function*() {
      if (change._tag === "DeleteMessages" && change.dialogId === null) return yield* deleteCommon(account, change.ids)
      const dialogId = DialogId(change.dialogId!)
      const key: DialogKey = { accountId: account, dialogId }
      const cached = yield* store.exists(key)
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
          const stored = held === null ? { message: change.message, media: null } : yield* resolveMedia(session, key, held)
          return [{ kind: eventKindOf(change), dialogId, data: messageEventData(dialogId, stored) }]
        }
        case "DeleteMessages": {
          if (cached) yield* media.discard(key, (yield* store.applyLive(key, { _tag: "Delete", ids: change.ids })).droppedMedia)
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
