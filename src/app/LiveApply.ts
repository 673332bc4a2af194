/**
 * What one live change does: to the caches (a new message written under the
 * follow rule, an edit and a deletion applied to what they hold, the search
 * index following each), and the events clients are told, in the contract's
 * shapes. Cache writes are idempotent, so a change applied again after a
 * crash (its events were not committed: UpdateLog) leaves the caches as
 * they were and is told once.
 */
import { Effect } from "effect"
import { historyMessageView } from "../contract/Messages.js"
import { spacedJson } from "../contract/SseFraming.js"
import { type AccountId, DialogId, type MessageId } from "../domain/Ids.js"
import { eventKindOf, type LiveChange } from "../domain/LiveUpdates.js"
import { type DialogKey, MessageStore, type MessageStoreError, type StoredMessage } from "../ports/MessageStore.js"
import type { NewEvent } from "../ports/UpdateLog.js"

/** Channels' and supergroups' marked ids are below this; users' and basic groups' above. */
const CHANNEL_BELOW = -1_000_000_000_000

const isCommonBoxDialog = (id: DialogId) => id > CHANNEL_BELOW

/** A message event's data: the contract's history message with its dialog's id first. */
export const messageEventData = (dialogId: DialogId, stored: StoredMessage): string =>
  spacedJson({ dialog_id: dialogId, ...historyMessageView(stored) })

export const deleteEventData = (dialogId: DialogId | null, ids: ReadonlyArray<MessageId>): string =>
  spacedJson({ dialog_id: dialogId, message_ids: ids })

export const makeLiveApply = Effect.gen(function*() {
  const store = yield* MessageStore

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
        if (result.deleted.length === 0) continue
        const gone = new Set<number>(result.deleted)
        left = new Set([...left].filter((id) => !gone.has(id)))
        events.push({ kind: "delete_messages", dialogId, data: deleteEventData(dialogId, result.deleted) })
      }
      if (left.size > 0) events.push({ kind: "delete_messages", dialogId: null, data: deleteEventData(null, [...left]) })
      return events
    })

  /** Applies `change` to the account's caches; the events to tell, in order. `chain`: the sequence it came from. */
  const apply = (
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
          const stored = written?.stored ?? { message: change.message, media: null }
          return [{ kind: eventKindOf(change), dialogId, data: messageEventData(dialogId, stored) }]
        }
        case "DeleteMessages": {
          if (cached) yield* store.applyLive(key, { _tag: "Delete", ids: change.ids })
          return [{ kind: "delete_messages", dialogId, data: deleteEventData(dialogId, change.ids) }]
        }
      }
    })

  return { apply }
})

export type LiveApply = Effect.Effect.Success<typeof makeLiveApply>
