/**
 * messages.searchGlobal over GramJS: one page of results across the
 * account's dialogs, each with its dialog, and the cursor of the next page.
 */
import { Api, type TelegramClient } from "telegram"
import { DialogId } from "../../domain/Ids.js"
import type { GlobalSearchCursor, GlobalSearchPage, GlobalSearchRequest } from "../../ports/TelegramGateway.js"
import { dialogTitleOf, messagesOf, peerToMarkedId } from "./Mapping.js"
import type { PeerCache } from "./PeerCache.js"
import { dateBounds } from "./SearchDates.js"

export const searchGlobalPage = async (
  client: TelegramClient,
  peers: PeerCache,
  selfId: number,
  request: GlobalSearchRequest,
  remember: (users: ReadonlyArray<Api.TypeUser>, chats: ReadonlyArray<Api.TypeChat>, messages: ReadonlyArray<Api.TypeMessage>) => void
): Promise<GlobalSearchPage> => {
  const cursor = request.cursor
  const offsetPeer = cursor === null || cursor.offsetPeer === 0
    ? new Api.InputPeerEmpty()
    : peers.get(cursor.offsetPeer) ?? new Api.InputPeerEmpty()
  const result = await client.invoke(
    new Api.messages.SearchGlobal({
      q: request.query,
      filter: new Api.InputMessagesFilterEmpty(),
      ...dateBounds(request),
      offsetRate: cursor?.offsetRate ?? 0,
      offsetPeer,
      offsetId: cursor?.offsetId ?? 0,
      limit: request.limit
    })
  )
  if (result.className === "messages.MessagesNotModified") return { results: [], count: 0, next: null }
  remember(result.users, result.chats, result.messages)
  const { count, messages, entities } = messagesOf(result, selfId)
  const raw = result.messages.filter((m) => m.className === "Message" || m.className === "MessageService")
  const results = messages.map((message, i) => {
    const dialogId = DialogId(peerToMarkedId((raw[i] as Api.Message).peerId) ?? 0)
    const entity = entities.get(dialogId)
    return { dialogId, dialogTitle: entity === undefined ? null : dialogTitleOf(entity), message }
  })
  const lastRaw = raw.at(-1) as Api.Message | undefined
  // A short page is not the end (hidden or empty entries take places in it); an empty one is, and
  // messages.Messages is all there is.
  const more = result.className === "messages.MessagesSlice" || result.className === "messages.ChannelMessages"
    ? raw.length > 0
    : false
  const next: GlobalSearchCursor | null = more && lastRaw !== undefined
    ? {
      offsetRate: (result.className === "messages.MessagesSlice" ? result.nextRate : undefined) ?? lastRaw.date,
      offsetPeer: peerToMarkedId(lastRaw.peerId) ?? 0,
      offsetId: lastRaw.id
    }
    : null
  return { results, count, next }
}
