/**
 * messages.getHistory against the brute-force oracle over every combination
 * of offset_id, offset_date, add_offset, limit, min_id and max_id, on
 * dialogs with gaps in their ids, generated messages, and dates that go
 * backwards; plus the result types and entities Telegram sends.
 */
import { describe, expect, it } from "@effect/vitest"
import bigInt from "big-integer"
import { FastCheck as fc } from "effect"
import { Api } from "telegram"
import { accessHash } from "../emulator/AccountView.js"
import { dialogMessages, expectedHistory, type HistoryQuery } from "../emulator/HistoryOracle.js"
import { parseScenario, type PeerRef } from "../emulator/Scenario.js"
import { fixture, loggedIn, outcome, sampleWorld } from "./WorldHarness.js"

const scenario = parseScenario(fixture("sample.json"))

const inputPeer = (me: number, peer: PeerRef): Api.TypeInputPeer =>
  peer.kind === "user"
    ? peer.id === me
      ? new Api.InputPeerSelf()
      : new Api.InputPeerUser({ userId: bigInt(peer.id), accessHash: accessHash(me, "user", peer.id) })
    : peer.kind === "chat"
    ? new Api.InputPeerChat({ chatId: bigInt(peer.id) })
    : new Api.InputPeerChannel({ channelId: bigInt(peer.id), accessHash: accessHash(me, "channel", peer.id) })

const getHistory = (peer: Api.TypeInputPeer, q: HistoryQuery) =>
  new Api.messages.GetHistory({ peer, ...q, hash: bigInt.zero })

const peerId = (p: Api.TypePeer): string =>
  p.className === "PeerUser" ? `user:${p.userId}` : p.className === "PeerChat" ? `chat:${p.chatId}` : `channel:${p.channelId}`

const entityIds = (r: { users: Array<Api.TypeUser>; chats: Array<Api.TypeChat> }) =>
  new Set([
    ...r.users.map((u) => `user:${u.id}`),
    ...r.chats.map((c) => `${c.className === "Chat" ? "chat" : "channel"}:${c.id}`)
  ])

const DIALOGS: Array<{ readonly peer: PeerRef; readonly name: string }> = [
  { peer: { kind: "channel", id: 3004 }, name: "2000 generated channel posts" },
  { peer: { kind: "chat", id: 2001 }, name: "basic group whose generated block is dated before its older messages" },
  { peer: { kind: "user", id: 1002 }, name: "private chat with gaps in its ids" },
  { peer: { kind: "channel", id: 3002 }, name: "supergroup" },
  { peer: { kind: "user", id: 1001 }, name: "Saved Messages" }
]

describe("messages.getHistory", () => {
  for (const { peer, name } of DIALOGS) {
    it(`pages like Telegram: ${name}`, async () => {
      const world = sampleWorld()
      const alice = await loggedIn(world, 1001)
      const all = dialogMessages(scenario, `${peer.kind}:${peer.id}`, 1001)
      const top = all.at(-1)!.id
      const dates = all.map((m) => m.date)
      const date = fc.oneof(
        fc.constant(0),
        fc.constantFrom(...dates),
        fc.integer({ min: Math.min(...dates) - 10, max: Math.max(...dates) + 10 })
      )
      const id = fc.oneof(fc.constant(0), fc.integer({ min: 1, max: top + 3 }))
      await fc.assert(
        fc.asyncProperty(
          fc.record({
            offsetId: id,
            offsetDate: date,
            addOffset: fc.integer({ min: -130, max: 130 }),
            limit: fc.integer({ min: -1, max: 130 }),
            minId: id,
            maxId: id
          }),
          async (q) => {
            const result = await alice.call(getHistory(inputPeer(1001, peer), q))
            if (result.className === "messages.MessagesNotModified") throw new Error("unexpected MessagesNotModified")
            const expected = expectedHistory(all, q)
            expect(result.messages.map((m) => m.id)).toEqual(expected.ids)
            const count = result.className === "messages.Messages" ? result.messages.length : result.count
            expect(count).toBe(expected.count)
            expect(result.className).toBe(
              peer.kind === "channel"
                ? "messages.ChannelMessages"
                : expected.ids.length === expected.count
                ? "messages.Messages"
                : "messages.MessagesSlice"
            )
          }
        ),
        { numRuns: 250 }
      )
    })
  }

  it("includes every peer the messages refer to, and renders them as Telegram does", async () => {
    const world = sampleWorld()
    const alice = await loggedIn(world, 1001)
    for (const d of world.accounts.get(1001)!.dialogs) {
      const result = await alice.call(getHistory(inputPeer(1001, d.peer), { offsetId: 0, offsetDate: 0, addOffset: 0, limit: 100, minId: 0, maxId: 0 }))
      if (result.className === "messages.MessagesNotModified") throw new Error("unexpected")
      const known = entityIds(result)
      for (const m of result.messages) {
        if (m.className !== "Message") continue
        expect(known).toContain(peerId(m.peerId))
        if (m.fromId) expect(known).toContain(peerId(m.fromId))
        if (m.fwdFrom?.fromId) expect(known).toContain(peerId(m.fwdFrom.fromId))
      }
    }
  })

  it("renders the sample's private chat: senders, forwards, replies and each media kind", async () => {
    const world = sampleWorld()
    const alice = await loggedIn(world, 1001)
    const result = await alice.call(getHistory(inputPeer(1001, { kind: "user", id: 1002 }), { offsetId: 0, offsetDate: 0, addOffset: 0, limit: 10, minId: 0, maxId: 0 }))
    if (result.className !== "messages.Messages") throw new Error(result.className)
    const byId = new Map(result.messages.map((m) => [m.id, m as Api.Message]))
    // Incoming private messages carry no from_id; outgoing ones are `out` and from the account.
    expect(byId.get(1)!.fromId).toBeNull()
    expect(byId.get(1)!.out).toBe(false)
    expect(byId.get(2)!.out).toBe(true)
    expect(peerId(byId.get(2)!.fromId!)).toBe("user:1001")
    expect((byId.get(2)!.replyTo as Api.MessageReplyHeader).replyToMsgId).toBe(1)
    const fwd = byId.get(3)!.fwdFrom!
    expect(peerId(fwd.fromId!)).toBe("channel:3001")
    expect(fwd.channelPost).toBe(1)
    const photo = (byId.get(3)!.media as Api.MessageMediaPhoto).photo as Api.Photo
    expect(photo.sizes.map((s) => (s as Api.PhotoSize).size).at(-1)).toBe(2458624)
    expect(photo.dcId).toBe(1)
    const file = (byId.get(7)!.media as Api.MessageMediaDocument).document as Api.Document
    expect(file.mimeType).toBe("application/pdf")
    expect(file.size.toJSNumber()).toBe(48213)
    expect(file.attributes).toEqual([new Api.DocumentAttributeFilename({ fileName: "report.pdf" })])
    const voice = (byId.get(8)!.media as Api.MessageMediaDocument).document as Api.Document
    expect(voice.attributes.some((a) => a instanceof Api.DocumentAttributeAudio && a.voice)).toBe(true)
    const round = (byId.get(9)!.media as Api.MessageMediaDocument).document as Api.Document
    expect(round.attributes.some((a) => a instanceof Api.DocumentAttributeVideo && a.roundMessage)).toBe(true)
    expect(byId.get(10)!.media).toBeInstanceOf(Api.MessageMediaGeo)
    const users = new Map(result.users.map((u) => [Number(u.id), u as Api.User]))
    expect(users.get(1001)!.self).toBe(true)
    expect(users.get(1002)!.contact).toBe(true)
    expect(users.get(1002)!.accessHash!.equals(accessHash(1001, "user", 1002))).toBe(true)
  })

  it("renders channel posts without from_id, with views, edits, authors and the other media", async () => {
    const world = sampleWorld()
    const alice = await loggedIn(world, 1001)
    const news = await alice.call(getHistory(inputPeer(1001, { kind: "channel", id: 3001 }), { offsetId: 0, offsetDate: 0, addOffset: 0, limit: 10, minId: 0, maxId: 0 }))
    if (news.className !== "messages.ChannelMessages") throw new Error(news.className)
    const [fourth, third, second, first] = news.messages as Array<Api.Message>
    expect(first!.post).toBe(true)
    expect(first!.fromId).toBeNull()
    expect(first!.postAuthor).toBe("Editor")
    expect(first!.views).toBeGreaterThan(0)
    expect(second!.media).toBeInstanceOf(Api.MessageMediaWebPage)
    expect(((third!.media as Api.MessageMediaPoll).poll.answers).map((a) => a.text.text)).toEqual(["Yes", "No", "Maybe"])
    expect(fourth!.editDate).toBe(Date.UTC(2024, 0, 16, 9, 20) / 1000)
    const channel = news.chats.find((c) => Number(c.id) === 3001) as Api.Channel
    expect(channel.broadcast).toBe(true)
    expect(channel.verified).toBe(true)
    expect(channel.participantsCount).toBe(45231)

    const group = await alice.call(getHistory(inputPeer(1001, { kind: "channel", id: 3002 }), { offsetId: 0, offsetDate: 0, addOffset: 0, limit: 10, minId: 0, maxId: 0 }))
    if (group.className !== "messages.ChannelMessages") throw new Error(group.className)
    const docs = new Map(group.messages.map((m) => [m.id, ((m as Api.Message).media as Api.MessageMediaDocument | undefined)?.document as Api.Document | undefined]))
    expect(docs.get(12)!.attributes.some((a) => a instanceof Api.DocumentAttributeVideo && !a.roundMessage)).toBe(true)
    expect(docs.get(13)!.attributes.some((a) => a instanceof Api.DocumentAttributeAnimated)).toBe(true)
    expect(docs.get(14)!.attributes.some((a) => a instanceof Api.DocumentAttributeSticker)).toBe(true)
    expect(peerId((group.messages.find((m) => m.id === 11) as Api.Message).fromId!)).toBe("user:1003")
    const hidden = await alice.call(getHistory(inputPeer(1001, { kind: "channel", id: 3003 }), { offsetId: 0, offsetDate: 0, addOffset: 0, limit: 1, minId: 0, maxId: 0 }))
    if (hidden.className !== "messages.ChannelMessages") throw new Error(hidden.className)
    expect((hidden.chats[0] as Api.Channel).participantsCount).toBeNull()
  })

  it("each account reads its own copy of a private chat, with its own ids", async () => {
    const world = sampleWorld()
    const bob = await loggedIn(world, 1002)
    const result = await bob.call(getHistory(inputPeer(1002, { kind: "user", id: 1001 }), { offsetId: 0, offsetDate: 0, addOffset: 0, limit: 100, minId: 0, maxId: 0 }))
    if (result.className === "messages.MessagesNotModified") throw new Error("unexpected")
    expect(result.messages.map((m) => m.id)).toEqual([3, 2, 1])
    expect((result.messages[0] as Api.Message).out).toBe(true)
  })

  it("caps a page at 100 messages", async () => {
    const world = sampleWorld()
    const alice = await loggedIn(world, 1001)
    const result = await alice.call(getHistory(inputPeer(1001, { kind: "channel", id: 3004 }), { offsetId: 0, offsetDate: 0, addOffset: 0, limit: 1000, minId: 0, maxId: 0 }))
    if (result.className !== "messages.ChannelMessages") throw new Error(result.className)
    expect(result.messages).toHaveLength(100)
    expect(result.count).toBe(2000)
  })

  it("rejects wrong access hashes and peers the account cannot see", async () => {
    const world = sampleWorld()
    const alice = await loggedIn(world, 1001)
    const bob = await loggedIn(world, 1002)
    const q = { offsetId: 0, offsetDate: 0, addOffset: 0, limit: 1, minId: 0, maxId: 0 }
    const wrongChannel = new Api.InputPeerChannel({ channelId: bigInt(3001), accessHash: accessHash(1002, "channel", 3001) })
    expect(await outcome(alice.call(getHistory(wrongChannel, q)))).toBe("400 CHANNEL_INVALID")
    const wrongUser = new Api.InputPeerUser({ userId: bigInt(1002), accessHash: bigInt(12345) })
    expect(await outcome(alice.call(getHistory(wrongUser, q)))).toBe("400 PEER_ID_INVALID")
    // Alice's private channel (no username) is not Bob's to read, even with his own valid hash.
    expect(await outcome(bob.call(getHistory(inputPeer(1002, { kind: "channel", id: 3003 }), q)))).toBe("400 CHANNEL_PRIVATE")
    // Bob is not in the book club.
    expect(await outcome(bob.call(getHistory(new Api.InputPeerChat({ chatId: bigInt(2002) }), q)))).toBe("400 PEER_ID_INVALID")
    // User 1006 is never mentioned in anything Bob can see.
    expect(await outcome(bob.call(getHistory(inputPeer(1002, { kind: "user", id: 1006 }), q)))).toBe("400 PEER_ID_INVALID")
    // A public channel is readable without joining it.
    expect(await outcome(bob.call(getHistory(inputPeer(1002, { kind: "channel", id: 3001 }), q)))).toBe("ok")
  })
})
