/**
 * The min_peers imperfection (Realism.ts, core.telegram.org/api/min):
 * in messages of groups and channels Telegram sends senders the account has
 * not met, and forward origins, as `min` users and channels, whose access
 * hash the account cannot use. Such a peer is reached through the message it
 * was seen in: InputPeerUserFromMessage / InputPeerChannelFromMessage (and
 * the InputUser / InputChannel forms).
 */
import { createHash } from "node:crypto"
import bigInt from "big-integer"
import { Api } from "telegram"
import type { AccountView, EntityRefs } from "./AccountView.js"
import { RpcError } from "./RpcContext.js"
import type { MessageSpec, PeerRef } from "./Scenario.js"
import { peerKey, samePeer } from "./Scenario.js"

/** The hash a min constructor carries: not the account's access hash, so an input peer built from it is refused. */
const minHash = (view: AccountView, peer: PeerRef): bigInt.BigInteger => {
  const value = createHash("sha256").update(`min:${peerKey(peer)}@${view.me}`).digest().readBigInt64LE(0)
  return bigInt(value === 0n ? 1n : value)
}

/** Whether the account has met the user: itself, a contact, or someone it has a private dialog with. */
const metUser = (view: AccountView, id: number): boolean =>
  id === view.me || view.account.contacts.has(id) || view.account.dialogByKey.has(peerKey({ kind: "user", id }))

/**
 * Adds a message's sender or forward origin to the answer's entities: as a
 * min constructor when the imperfection is on and the peer is a forward
 * origin in a group's or channel's message, or a supergroup's sender; users
 * only if the account has not met them, channels (but the message's own)
 * even when the account is in them, as Telegram does.
 */
export const refer = (view: AccountView, refs: EntityRefs, m: MessageSpec, peer: PeerRef, role: "sender" | "forward"): void => {
  const min = view.world.realism.min_peers && m.peer.kind !== "user" && !samePeer(peer, m.peer) &&
    (role === "forward" || m.peer.kind === "channel") && peer.kind !== "chat" &&
    (peer.kind === "channel" || !metUser(view, peer.id))
  if (min) refs.addMin(peer)
  else refs.add(peer)
}

export const minUser = (view: AccountView, id: number): Api.User => {
  const u = view.world.users.get(id)!
  return new Api.User({
    id: bigInt(id),
    min: true,
    accessHash: minHash(view, { kind: "user", id }),
    bot: u.bot,
    ...(u.bot ? { botInfoVersion: 1 } : {}),
    verified: u.verified,
    ...(u.firstName === null ? {} : { firstName: u.firstName }),
    ...(u.lastName === null ? {} : { lastName: u.lastName }),
    ...(u.username === null ? {} : { username: u.username }),
    photo: new Api.UserProfilePhotoEmpty()
  })
}

export const minChannel = (view: AccountView, id: number): Api.Channel => {
  const c = view.world.channels.get(id)!
  return new Api.Channel({
    id: bigInt(id),
    min: true,
    accessHash: minHash(view, { kind: "channel", id }),
    title: c.title,
    ...(c.username === null ? {} : { username: c.username }),
    photo: new Api.ChatPhotoEmpty(),
    date: c.date,
    broadcast: !c.megagroup,
    megagroup: c.megagroup,
    verified: c.verified,
    forum: c.forum
  })
}

/**
 * The peer a FromMessage input names, checked as Telegram does: the
 * message must exist in a chat the account reaches (`chat`, itself an
 * input peer) and have that peer as its sender or forward origin.
 */
export const seenInMessage = (view: AccountView, chat: Api.TypeInputPeer, msgId: number, peer: PeerRef): number => {
  const invalid = () => new RpcError(400, peer.kind === "user" ? "PEER_ID_INVALID" : "CHANNEL_INVALID")
  const where = view.peerOf(chat)
  const message = view.timelineOf(where)?.message(msgId)
  if (message === undefined) throw invalid()
  const fwd = message.fwdFrom?.from ?? null
  if (!samePeer(message.from, peer) && (fwd === null || !samePeer(fwd, peer))) throw invalid()
  return peer.id
}
