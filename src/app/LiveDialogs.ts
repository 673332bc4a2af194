/**
 * New dialogs while following: a message from a dialog the account did not
 * have (a new private chat, a group it was added to, a channel it joined)
 * is told after a `dialog` event carrying the dialog as the dialog search
 * shows it. The known dialogs are listed once when the account is first
 * followed and kept with the followed state (UpdateLog), so a dialog that
 * appeared while the server was down is told too.
 */
import { Effect } from "effect"
import { dialogView } from "../contract/Dialogs.js"
import { spacedJson } from "../contract/SseFraming.js"
import type { DialogRecord } from "../domain/Dialog.js"
import type { DialogId } from "../domain/Ids.js"
import type { LiveChange } from "../domain/LiveUpdates.js"
import type { SessionName } from "../domain/SessionName.js"
import type { TelegramError } from "../ports/TelegramGateway.js"
import type { NewEvent } from "../ports/UpdateLog.js"
import { AccountCache } from "./AccountCache.js"

/** A new dialog's event data: its id first as `dialog_id`, then the dialog as the search shows it (counts unknown). */
export const dialogEventData = (record: DialogRecord): string =>
  spacedJson({
    dialog_id: record.id,
    ...dialogView({ dialog: record, score: null, messageCount: null, participantsCount: null }, null, record.participantsCount)
  })

/** The dialogs `changes` bring new messages to that are not in `known`, in order of first appearance. */
export const newDialogsIn = (changes: ReadonlyArray<LiveChange>, known: ReadonlySet<DialogId>): ReadonlyArray<DialogId> => {
  const found = new Set<DialogId>()
  for (const c of changes) if (c._tag === "NewMessage" && !known.has(c.dialogId)) found.add(c.dialogId)
  return [...found]
}

export interface LiveDialogs {
  /** The ids of the account's dialogs now. */
  readonly listed: (session: SessionName) => Effect.Effect<ReadonlyArray<DialogId>, TelegramError>
  /**
   * Each dialog's `dialog` event, from a fresh dialog list (also refreshing
   * what dialog search sees); a dialog the list does not hold (Telegram's
   * service chat, a chat left again at once) has none.
   */
  readonly events: (
    session: SessionName,
    ids: ReadonlyArray<DialogId>
  ) => Effect.Effect<ReadonlyMap<DialogId, NewEvent>, TelegramError>
}

export const makeLiveDialogs = Effect.gen(function*() {
  const accounts = yield* AccountCache
  const live: LiveDialogs = {
    listed: (session) => Effect.map(accounts.dialogs(session), (list) => list.map((d) => d.id)),
    events: (session, ids) =>
      Effect.gen(function*() {
        yield* accounts.refreshDialogs(session)
        const list = yield* accounts.dialogs(session)
        const events = new Map<DialogId, NewEvent>()
        for (const id of ids) {
          const record = list.find((d) => d.id === id)
          if (record !== undefined) events.set(id, { kind: "dialog", dialogId: id, data: dialogEventData(record) })
        }
        return events
      })
  }
  return live
})
