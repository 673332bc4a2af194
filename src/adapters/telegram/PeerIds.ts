/** GramJS peers (and input peers) as the marked ids the product uses. */
import type { Api } from "telegram"
import { markPeerId } from "../../domain/PeerId.js"
import { num } from "./Longs.js"

/** GramJS leaves absent optional fields undefined or null depending on the path: treat both as absent. */
export const peerToMarkedId = (
  peer: Api.TypePeer | Api.TypeInputPeer | undefined | null,
  selfId?: number
): number | null => {
  if (peer == null) return null
  switch (peer.className) {
    case "InputPeerSelf":
      return selfId === undefined ? null : markPeerId("user", selfId)
    case "PeerUser":
    case "InputPeerUser":
      return markPeerId("user", num(peer.userId))
    case "PeerChat":
    case "InputPeerChat":
      return markPeerId("chat", num(peer.chatId))
    case "PeerChannel":
    case "InputPeerChannel":
      return markPeerId("channel", num(peer.channelId))
    default:
      return null
  }
}
