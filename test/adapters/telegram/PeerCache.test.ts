/** The gateway's peer cache: min users and channels never replace full ones, and are reached through their message. */
import bigInt from "big-integer"
import { Api } from "telegram"
import { describe, expect, it } from "vitest"
import { PeerCache } from "../../../src/adapters/telegram/PeerCache.js"

const FULL_HASH = bigInt(111)
const MIN_HASH = bigInt(999)

const channel = (id: number, min: boolean) =>
  new Api.Channel({
    id: bigInt(id), min, accessHash: min ? MIN_HASH : FULL_HASH, title: `c${id}`, photo: new Api.ChatPhotoEmpty(), date: 0
  })
const user = (id: number, min: boolean) => new Api.User({ id: bigInt(id), min, accessHash: min ? MIN_HASH : FULL_HASH })

/** A message in supergroup 3002 from `from`, forwarded from `fwd` if given. */
const message = (id: number, from: Api.TypePeer, fwd?: Api.TypePeer) =>
  new Api.Message({
    id,
    peerId: new Api.PeerChannel({ channelId: bigInt(3002) }),
    fromId: from,
    date: 0,
    message: "",
    ...(fwd === undefined ? {} : { fwdFrom: new Api.MessageFwdHeader({ fromId: fwd, date: 0 }) })
  })

const CHANNEL_3001 = -1000000003001
const GROUP = -1000000003002
const STRANGER = 1003

describe("PeerCache", () => {
  it("keeps a channel's full access hash when the channel turns up as min in a forward", () => {
    const peers = new PeerCache()
    peers.remember([], [channel(3001, false), channel(3002, false)])
    peers.remember([user(1002, false)], [channel(3001, true)], [
      message(5, new Api.PeerUser({ userId: bigInt(1002) }), new Api.PeerChannel({ channelId: bigInt(3001) }))
    ])
    const known = peers.get(CHANNEL_3001) as Api.InputPeerChannel
    expect(known.className).toBe("InputPeerChannel")
    expect(known.accessHash.equals(FULL_HASH)).toBe(true)
  })

  it("reaches a peer known only as min through the message it was seen in, as sender or forward origin", () => {
    const peers = new PeerCache()
    peers.remember([], [channel(3002, false)])
    peers.remember([user(STRANGER, true)], [channel(3001, true)], [
      message(7, new Api.PeerUser({ userId: bigInt(STRANGER) })),
      message(8, new Api.PeerUser({ userId: bigInt(STRANGER) }), new Api.PeerChannel({ channelId: bigInt(3001) }))
    ])
    const stranger = peers.get(STRANGER) as Api.InputPeerUserFromMessage
    expect(stranger.className).toBe("InputPeerUserFromMessage")
    expect(stranger.msgId).toBe(7)
    expect(stranger.userId.toJSNumber()).toBe(STRANGER)
    expect((stranger.peer as Api.InputPeerChannel).channelId.toJSNumber()).toBe(3002)
    const forwarded = peers.get(CHANNEL_3001) as Api.InputPeerChannelFromMessage
    expect(forwarded.className).toBe("InputPeerChannelFromMessage")
    expect(forwarded.msgId).toBe(8)
    expect(peers.get(GROUP)?.className).toBe("InputPeerChannel")
  })

  it("a full entity seen later replaces the FromMessage form; a min one without a known message is not kept", () => {
    const peers = new PeerCache()
    peers.remember([], [channel(3002, false)])
    peers.remember([user(STRANGER, true)], [], [message(7, new Api.PeerUser({ userId: bigInt(STRANGER) }))])
    peers.remember([user(STRANGER, false)], [])
    expect(peers.get(STRANGER)?.className).toBe("InputPeerUser")
    peers.remember([user(1004, true)], [])
    expect(peers.get(1004)).toBeUndefined()
  })
})
