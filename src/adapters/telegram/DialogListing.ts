/**
 * The whole dialog list, the main list then the archive, read with
 * messages.getDialogs. Telegram is untidy here: whatever folder_id says, a
 * folder's first page starts with the pinned dialogs of both folders, and
 * the main list names the archive itself as a dialogFolder entry. So a
 * dialog is listed once whichever folder's pages it turns up in, in the
 * folder its own `folder_id` says; dialogFolder entries are skipped; and a
 * folder is read until Telegram has nothing new to give (its complete list,
 * or a page without a dialog not seen yet), never stopping on a count.
 */
import { Api } from "telegram"
import bigInt from "big-integer"
import { Effect } from "effect"
import type { DialogRecord } from "../../domain/Dialog.js"
import type { TelegramError } from "../../ports/TelegramGateway.js"
import { dialogOf, indexEntities, peerToMarkedId } from "./Mapping.js"
import type { PeerCache } from "./PeerCache.js"

export const DIALOG_PAGE = 100

export interface DialogPageRequest {
  readonly folderId: number
  readonly offsetDate: number
  readonly offsetId: number
  readonly offsetPeer: Api.TypeInputPeer
}

export const listDialogs = (
  peers: PeerCache,
  getPage: (request: DialogPageRequest) => Effect.Effect<Api.messages.TypeDialogs, TelegramError>
): Effect.Effect<Array<DialogRecord>, TelegramError> =>
  Effect.gen(function*() {
    const now = Math.floor(Date.now() / 1000)
    const records: Array<DialogRecord> = []
    const seen = new Set<number>()
    for (const folderId of [0, 1]) {
      let request: DialogPageRequest = { folderId, offsetDate: 0, offsetId: 0, offsetPeer: new Api.InputPeerEmpty() }
      for (;;) {
        const page = yield* getPage(request)
        if (page.className === "messages.DialogsNotModified") break
        peers.remember(page.users, page.chats, page.messages)
        const entities = indexEntities(page.users, page.chats)
        const messages = new Map<string, Api.TypeMessage>()
        for (const m of page.messages) {
          if (m.className !== "MessageEmpty") messages.set(`${peerToMarkedId(m.peerId)}:${m.id}`, m)
        }
        let added = 0
        let last: DialogPageRequest | null = null
        for (const d of page.dialogs) {
          // A dialogFolder (the archive listed in the main list) is no dialog: the archive's own pages list its dialogs.
          if (d.className !== "Dialog") continue
          const id = peerToMarkedId(d.peer)
          if (id === null) continue
          const top = messages.get(`${id}:${d.topMessage}`)
          const peer = peers.get(id)
          // The next page starts after the last dialog of this one, whichever folder that dialog is in.
          if (top !== undefined && "date" in top && peer !== undefined) {
            last = { folderId, offsetDate: top.date, offsetId: top.id, offsetPeer: peer }
          }
          if (seen.has(id)) continue
          seen.add(id)
          added++
          const entity = entities.get(id)
          if (entity === undefined) continue
          const record = dialogOf(d, entity, top, now)
          if (record !== null) records.push(record)
        }
        // messages.dialogs is the folder's complete list; a slice goes on until a page brings nothing new.
        if (page.className === "messages.Dialogs" || added === 0 || last === null) break
        request = last
      }
    }
    return records
  })

/** The messages.getDialogs request of one page. */
export const dialogsRequest = (request: DialogPageRequest) =>
  new Api.messages.GetDialogs({ ...request, limit: DIALOG_PAGE, hash: bigInt.zero })
