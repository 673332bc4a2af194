/**
 * The input peers one client has learnt, by marked id. Telegram sends `min`
 * users and channels (core.telegram.org/api/min) inside messages of groups
 * and channels: their access hash is not one the account may use, so a min
 * entity never replaces a full one, and a peer known only as min is reached
 * through the message it was seen in (InputPeerUserFromMessage /
 * InputPeerChannelFromMessage).
 *
 * GramJS 2.26.22 keeps an entity cache of its own (client._entityCache, fed
 * by every answer and update): it skips min entities (its getInputPeer
 * refuses them) and keeps the first full input peer it sees, never a later
 * one. The adapter never resolves peers through it (no getEntity /
 * getInputEntity), only through this cache.
 */
import { Api } from "telegram"
import bigInt from "big-integer"
import { entityMarkedId, peerToMarkedId } from "./Mapping.js"

const isMin = (entity: Api.TypeUser | Api.TypeChat): boolean =>
  (entity.className === "User" || entity.className === "Channel") && entity.min === true

/** The input peer of a full entity; null for those that have none (empty users and chats). */
export const inputPeerOf = (entity: Api.TypeUser | Api.TypeChat): Api.TypeInputPeer | null => {
  switch (entity.className) {
    case "User":
      return entity.self
        ? new Api.InputPeerSelf()
        : new Api.InputPeerUser({ userId: entity.id, accessHash: entity.accessHash ?? bigInt.zero })
    case "Chat":
    case "ChatForbidden":
      return new Api.InputPeerChat({ chatId: entity.id })
    case "Channel":
      return new Api.InputPeerChannel({ channelId: entity.id, accessHash: entity.accessHash ?? bigInt.zero })
    case "ChannelForbidden":
      return new Api.InputPeerChannel({ channelId: entity.id, accessHash: entity.accessHash })
    default:
      return null
  }
}

export class PeerCache {
  /** Peers known from full entities. */
  private readonly full = new Map<number, Api.TypeInputPeer>()
  /** Peers known only as min: reached through a message they were seen in. */
  private readonly viaMessage = new Map<number, Api.TypeInputPeer>()

  /** The input peer to use for `id`: a full one if known, else one through a message it was seen in. */
  get(id: number): Api.TypeInputPeer | undefined {
    return this.full.get(id) ?? this.viaMessage.get(id)
  }

  /**
   * Learns the entities of an answer. Full ones are kept (a newer full one
   * replaces an older); min ones only where no full one is known, as the
   * sender or forward origin of one of `messages`, in the form that names
   * that message.
   */
  remember(
    users: ReadonlyArray<Api.TypeUser>,
    chats: ReadonlyArray<Api.TypeChat>,
    messages: ReadonlyArray<Api.TypeMessage> = []
  ): void {
    const min = new Map<number, Api.TypeUser | Api.TypeChat>()
    for (const entity of [...users, ...chats]) {
      const id = entityMarkedId(entity)
      if (id === null) continue
      if (isMin(entity)) {
        if (!this.full.has(id)) min.set(id, entity)
        continue
      }
      const peer = inputPeerOf(entity)
      if (peer === null) continue
      this.full.set(id, peer)
      this.viaMessage.delete(id)
    }
    if (min.size === 0) return
    for (const message of messages) {
      if (message.className === "MessageEmpty") continue
      const chat = this.full.get(peerToMarkedId(message.peerId) ?? 0)
      if (chat === undefined) continue
      const seen = [message.fromId, message.className === "Message" ? message.fwdFrom?.fromId : undefined]
      for (const peer of seen) {
        const id = peer === undefined ? null : peerToMarkedId(peer)
        if (id === null || !min.has(id) || this.viaMessage.has(id)) continue
        if (peer!.className === "PeerUser") {
          this.viaMessage.set(id, new Api.InputPeerUserFromMessage({ peer: chat, msgId: message.id, userId: peer!.userId }))
        } else if (peer!.className === "PeerChannel") {
          this.viaMessage.set(
            id,
            new Api.InputPeerChannelFromMessage({ peer: chat, msgId: message.id, channelId: peer!.channelId })
          )
        }
      }
    }
  }
}
