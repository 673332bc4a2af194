/**
 * messages.getHistory over MTProto against the brute-force oracle: every
 * combination of offset_id, offset_date, add_offset, limit, min_id and
 * max_id as a property, on dialogs of different shapes; GramJS's own
 * message iterator (newest first, reverse, offsets, id bounds) over whole
 * dialogs; messages added through the control API showing up in the next
 * call; and access hashes checked (CHANNEL_INVALID / PEER_ID_INVALID).
 */
import bigInt from "big-integer"
import { FastCheck as fc } from "effect"
import { Api, type TelegramClient } from "telegram"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { dialogMessages, expectedHistory, type HistoryQuery, type OracleMessage } from "../emulator/HistoryOracle.js"
import { parseScenario } from "../emulator/Scenario.js"
import { destroyTestClient } from "../emulator/TestClient.js"
import {
  control,
  dialogInputPeers,
  fixtureJson,
  loggedInClient,
  outcome,
  peerText,
  startWorld,
  type WorldOnNetwork
} from "./NetworkHarness.js"

const sampleJson = fixtureJson("sample.json")
const sample = parseScenario(sampleJson)

let net: WorldOnNetwork
let alice: TelegramClient
let peers: Map<string, Api.TypeInputPeer>

beforeAll(async () => {
  net = await startWorld(sampleJson)
  alice = (await loggedInClient(net.emulator, 1001)).client
  peers = await dialogInputPeers(alice)
})

afterAll(async () => {
  await destroyTestClient(alice)
  await net.stop()
})

const getHistory = (client: TelegramClient, peer: Api.TypeInputPeer, q: HistoryQuery) =>
  client.invoke(new Api.messages.GetHistory({ peer, ...q, hash: bigInt.zero }))

const newestFirst = (messages: ReadonlyArray<OracleMessage>) => [...messages].sort((a, b) => b.id - a.id)

const SHAPES = [
  { peer: "channel:3004", name: "a broadcast channel of 2000 generated posts" },
  { peer: "chat:2001", name: "a basic group whose generated block is dated before its older messages" },
  { peer: "user:1002", name: "a private chat with gaps in its ids" },
  { peer: "channel:3002", name: "a supergroup whose ids start at 10" },
  { peer: "user:1001", name: "Saved Messages (InputPeerSelf)" }
] as const

describe("messages.getHistory against the oracle", () => {
  for (const { peer, name } of SHAPES) {
    it(`pages like Telegram for every offset/bound combination: ${name}`, async () => {
      const input = peers.get(peer)!
      expect(input.className).toBe(peer === "user:1001" ? "InputPeerSelf" : peer.startsWith("user") ? "InputPeerUser" : peer.startsWith("chat") ? "InputPeerChat" : "InputPeerChannel")
      const all = dialogMessages(sample, peer, 1001)
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
            addOffset: fc.oneof(fc.integer({ min: -130, max: 130 }), fc.integer({ min: -3, max: 3 })),
            limit: fc.integer({ min: -1, max: 130 }),
            minId: id,
            maxId: id
          }),
          async (q) => {
            const result = await getHistory(alice, input, q)
            if (result.className === "messages.MessagesNotModified") throw new Error("unexpected MessagesNotModified")
            const expected = expectedHistory(all, q)
            expect(result.messages.map((m) => m.id)).toEqual(expected.ids)
            expect(result.messages.every((m) => peerText((m as Api.Message).peerId) === peer)).toBe(true)
            expect(result.className === "messages.Messages" ? result.messages.length : result.count).toBe(expected.count)
            expect(result.className).toBe(
              peer.startsWith("channel")
                ? "messages.ChannelMessages"
                : expected.ids.length === expected.count
                ? "messages.Messages"
                : "messages.MessagesSlice"
            )
          }
        ),
        { numRuns: 60 }
      )
    })
  }

  it("messages carry their dates, texts and senders as the scenario has them", async () => {
    for (const peer of ["chat:2001", "user:1002", "channel:3002"]) {
      const all = newestFirst(dialogMessages(sample, peer, 1001)).slice(0, 100)
      const result = await getHistory(alice, peers.get(peer)!, { offsetId: 0, offsetDate: 0, addOffset: 0, limit: 100, minId: 0, maxId: 0 })
      if (result.className === "messages.MessagesNotModified") throw new Error("unexpected")
      const got = (result.messages as Array<Api.Message>).map((m) => ({ id: m.id, date: m.date, text: m.message }))
      expect(got).toEqual(all.map((m) => ({ id: m.id, date: m.date, text: m.text })))
    }
  })
})

describe("GramJS's message iterator over whole dialogs", () => {
  const ids = (list: ReadonlyArray<{ readonly id: number }>) => Array.from(list, (m) => m.id)

  it("reads all 2000 posts of a channel newest first, 100 per call", async () => {
    net.emulator.resetCalls()
    const messages = await alice.getMessages(peers.get("channel:3004")!, { limit: 5000 })
    const all = newestFirst(dialogMessages(sample, "channel:3004", 1001))
    expect(ids(messages)).toEqual(ids(all))
    expect(messages.total).toBe(2000)
    // Twenty full pages, then one that finds nothing older.
    expect(net.emulator.calls()["messages.GetHistory"]).toBe(21)
  })

  it("reads a dialog whose dates go backwards, newest id first", async () => {
    const messages = await alice.getMessages(peers.get("chat:2001")!, { limit: 1000 })
    expect(ids(messages)).toEqual(ids(newestFirst(dialogMessages(sample, "chat:2001", 1001))))
  })

  it("reverse: the oldest first, through negative add_offset pages", async () => {
    const messages = await alice.getMessages(peers.get("channel:3004")!, { reverse: true, limit: 250 })
    expect(ids(messages)).toEqual(ids(dialogMessages(sample, "channel:3004", 1001).slice(0, 250)))
  })

  it("offset_id, offset_date and id bounds, forwards and in reverse", async () => {
    const all = dialogMessages(sample, "channel:3004", 1001)
    const peer = peers.get("channel:3004")!
    const cutoff = all[1234]!.date
    const cases: Array<[Parameters<TelegramClient["getMessages"]>[1], Array<number>]> = [
      [{ offsetId: 1500, limit: 120 }, ids(newestFirst(all.filter((m) => m.id < 1500)).slice(0, 120))],
      [{ offsetDate: cutoff, limit: 150 }, ids(newestFirst(all.filter((m) => m.date < cutoff)).slice(0, 150))],
      [{ minId: 100, maxId: 400, limit: 1000 }, ids(newestFirst(all.filter((m) => m.id > 100 && m.id < 400)))],
      [{ reverse: true, minId: 1700, limit: 1000 }, ids(all.filter((m) => m.id > 1700))],
      [{ reverse: true, offsetId: 10, maxId: 260, limit: 1000 }, ids(all.filter((m) => m.id > 10 && m.id < 260))]
    ]
    for (const [params, expected] of cases) {
      expect([params, ids(await alice.getMessages(peer, params))]).toEqual([params, expected])
    }
  })
})

describe("control API POST /messages", () => {
  let fresh: WorldOnNetwork
  let client: TelegramClient
  let freshPeers: Map<string, Api.TypeInputPeer>

  beforeAll(async () => {
    fresh = await startWorld(sampleJson)
    client = (await loggedInClient(fresh.emulator, 1001)).client
    freshPeers = await dialogInputPeers(client)
  })

  afterAll(async () => {
    await destroyTestClient(client)
    await fresh.stop()
  })

  const firstPage = async (peer: string) => {
    const result = await getHistory(client, freshPeers.get(peer)!, { offsetId: 0, offsetDate: 0, addOffset: 0, limit: 100, minId: 0, maxId: 0 })
    if (result.className === "messages.MessagesNotModified") throw new Error("unexpected")
    return result
  }

  const dialogOf = async (peer: string) => {
    const page = await client.invoke(new Api.messages.GetPeerDialogs({ peers: [new Api.InputDialogPeer({ peer: freshPeers.get(peer)! })] }))
    return page.dialogs[0] as Api.Dialog
  }

  it("a message added to a channel is the newest of its next getHistory, and its dialog's top message", async () => {
    const before = await firstPage("channel:3002")
    const unread = (await dialogOf("channel:3002")).unreadCount
    const added = await control(fresh.emulator, "POST", "/messages", {
      messages: [{ peer: "channel:3002", date: "2024-05-01 12:00:00", from: "user:1003", text: "fresh news" }]
    })
    expect(added).toEqual({
      status: 200,
      body: { status: "ok", added: 1, messages: [{ peer: "channel:3002", owner: null, id: 16, edited: false }] }
    })
    const after = await firstPage("channel:3002")
    const newest = after.messages[0] as Api.Message
    expect([newest.id, newest.message, newest.date, peerText(newest.fromId!)])
      .toEqual([16, "fresh news", Date.UTC(2024, 4, 1, 12) / 1000, "user:1003"])
    expect((after as Api.messages.ChannelMessages).count).toBe((before as Api.messages.ChannelMessages).count + 1)
    const dialog = await dialogOf("channel:3002")
    expect([dialog.topMessage, dialog.unreadCount]).toEqual([16, unread + 1])
  })

  it("messages added to a private chat and a basic group take the account's next ids; the oracle agrees", async () => {
    const appended = [
      { peer: "user:1002", owner: 1001, date: "2024-05-02 08:00:00", from: "user:1002", text: "are you there?" },
      { peer: "chat:2001", owner: 1001, date: "2024-05-02 08:01:00", from: "user:1003", text: "family news" },
      { peer: "user:1002", owner: 1001, date: "2024-05-02 08:02:00", from: "user:1001", text: "yes" }
    ]
    expect((await control(fresh.emulator, "POST", "/messages", { messages: appended })).status).toBe(200)
    for (const peer of ["user:1002", "chat:2001"]) {
      const expected = newestFirst(dialogMessages(sample, peer, 1001, appended)).slice(0, 100)
      const got = await firstPage(peer)
      expect((got.messages as Array<Api.Message>).map((m) => [m.id, m.message])).toEqual(expected.map((m) => [m.id, m.text]))
    }
    const [chatTop] = (await firstPage("chat:2001")).messages as Array<Api.Message>
    const [privateTop, privateNext] = (await firstPage("user:1002")).messages as Array<Api.Message>
    // One id sequence for the account's private chats and basic groups.
    expect([privateNext!.id, chatTop!.id, privateTop!.id]).toEqual([chatTop!.id - 1, privateTop!.id - 1, privateNext!.id + 2])
    expect(privateTop!.out).toBe(true)
  })

  it("an invalid message is a 400 naming the field, and nothing is added", async () => {
    const before = await firstPage("channel:3002")
    const refused = await control(fresh.emulator, "POST", "/messages", {
      messages: [
        { peer: "channel:3002", date: "2024-05-03 08:00:00", from: "user:1002", text: "ok" },
        { peer: "channel:9999", date: "2024-05-03 08:00:00", text: "nowhere" }
      ]
    })
    expect(refused.status).toBe(400)
    expect((refused.body as { detail: string }).detail).toMatch(/^messages\[1\]\.peer: /)
    expect((await firstPage("channel:3002")).messages[0]!.id).toBe(before.messages[0]!.id)
  })
})

describe("access hashes", () => {
  const q: HistoryQuery = { offsetId: 0, offsetDate: 0, addOffset: 0, limit: 1, minId: 0, maxId: 0 }

  it("a wrong channel hash is CHANNEL_INVALID, a wrong user hash PEER_ID_INVALID, in every call that takes them", async () => {
    const channel = peers.get("channel:3001") as Api.InputPeerChannel
    const user = peers.get("user:1002") as Api.InputPeerUser
    const badChannel = new Api.InputPeerChannel({ channelId: channel.channelId, accessHash: channel.accessHash.add(1) })
    const badUser = new Api.InputPeerUser({ userId: user.userId, accessHash: user.accessHash.add(1) })
    expect(await outcome(getHistory(alice, channel, q))).toBe("ok")
    expect(await outcome(getHistory(alice, badChannel, q))).toBe("400 CHANNEL_INVALID")
    expect(await outcome(getHistory(alice, user, q))).toBe("ok")
    expect(await outcome(getHistory(alice, badUser, q))).toBe("400 PEER_ID_INVALID")
    const search = (peer: Api.TypeInputPeer) =>
      alice.invoke(new Api.messages.Search({ peer, q: "a", filter: new Api.InputMessagesFilterEmpty(), limit: 1, hash: bigInt.zero }))
    expect(await outcome(search(badChannel))).toBe("400 CHANNEL_INVALID")
    expect(await outcome(search(badUser))).toBe("400 PEER_ID_INVALID")
    const fullChannel = (accessHash: bigInt.BigInteger) =>
      alice.invoke(new Api.channels.GetFullChannel({ channel: new Api.InputChannel({ channelId: channel.channelId, accessHash }) }))
    expect(await outcome(fullChannel(channel.accessHash))).toBe("ok")
    expect(await outcome(fullChannel(channel.accessHash.add(1)))).toBe("400 CHANNEL_INVALID")
    const peerDialogs = (peer: Api.TypeInputPeer) =>
      alice.invoke(new Api.messages.GetPeerDialogs({ peers: [new Api.InputDialogPeer({ peer })] }))
    expect(await outcome(peerDialogs(badChannel))).toBe("400 CHANNEL_INVALID")
    expect(await outcome(peerDialogs(badUser))).toBe("400 PEER_ID_INVALID")
  })

  it("a hash another account was given for the same channel is wrong for this one", async () => {
    const bob = await loggedInClient(net.emulator, 1002, { password: "hunter2" })
    try {
      const resolved = await bob.client.invoke(new Api.contacts.ResolveUsername({ username: "cryptonews" }))
      const bobs = resolved.chats[0] as Api.Channel
      expect(await outcome(getHistory(bob.client, new Api.InputPeerChannel({ channelId: bobs.id, accessHash: bobs.accessHash! }), q))).toBe("ok")
      const alices = peers.get("channel:3001") as Api.InputPeerChannel
      expect(bobs.accessHash!.equals(alices.accessHash)).toBe(false)
      expect(await outcome(getHistory(alice, new Api.InputPeerChannel({ channelId: bobs.id, accessHash: bobs.accessHash! }), q)))
        .toBe("400 CHANNEL_INVALID")
      expect(await outcome(getHistory(bob.client, alices, q))).toBe("400 CHANNEL_INVALID")
    } finally {
      await destroyTestClient(bob.client)
    }
  })

  it("an unknown channel id is CHANNEL_INVALID, an unknown basic group PEER_ID_INVALID", async () => {
    const channel = peers.get("channel:3001") as Api.InputPeerChannel
    expect(await outcome(getHistory(alice, new Api.InputPeerChannel({ channelId: bigInt(3999), accessHash: channel.accessHash }), q)))
      .toBe("400 CHANNEL_INVALID")
    expect(await outcome(getHistory(alice, new Api.InputPeerChat({ chatId: bigInt(2999) }), q))).toBe("400 PEER_ID_INVALID")
  })
})
