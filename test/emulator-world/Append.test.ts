/**
 * appendMessages (the control API's POST /messages): checked like scenario
 * messages, all or nothing; new messages become their dialogs' top
 * messages, move the dialogs up and count as unread for their receivers.
 */
import { describe, expect, it } from "@effect/vitest"
import bigInt from "big-integer"
import { Api } from "telegram"
import { accessHash } from "../emulator/AccountView.js"
import { dialogMessages, expectedHistory, type HistoryQuery } from "../emulator/HistoryOracle.js"
import { ScenarioError } from "../emulator/RpcContext.js"
import { parseScenario } from "../emulator/Scenario.js"
import { World } from "../emulator/World.js"
import { type Caller, fixture, loggedIn, sampleWorld } from "./WorldHarness.js"

const firstDialogs = async (c: Caller) => {
  const r = await c.call(new Api.messages.GetDialogs({ offsetDate: 0, offsetId: 0, offsetPeer: new Api.InputPeerEmpty(), limit: 100, hash: bigInt.zero }))
  if (r.className === "messages.DialogsNotModified") throw new Error("unexpected")
  return r.dialogs as Array<Api.Dialog>
}

const peerText = (p: Api.TypePeer): string =>
  p.className === "PeerUser" ? `user:${p.userId}` : p.className === "PeerChat" ? `chat:${p.chatId}` : `channel:${p.channelId}`

describe("appendMessages", () => {
  it("adds top messages that reorder the dialog list and raise unread counts", async () => {
    const now = Date.UTC(2025, 0, 1, 12)
    const world = World.fromScenario(fixture("sample.json"), { clock: () => now })
    const alice = await loggedIn(world, 1001)
    const before = await firstDialogs(alice)
    const unpinned = before.filter((d) => !d.pinned).map((d) => peerText(d.peer))
    expect(unpinned[0]).not.toBe("chat:2002")

    world.appendMessages([
      { peer: "chat:2002", owner: 1001, date: "2025-01-01 11:00:00", from: "user:1006", text: "New book!" },
      { peer: "channel:3004", date: "2025-01-01 10:00:00", text: "Still here" },
      { peer: "chat:2002", owner: 1001, from: "user:1001", text: "Great, which one?" }
    ])
    const after = await firstDialogs(alice)
    const reordered = after.filter((d) => !d.pinned)
    expect(reordered.slice(0, 2).map((d) => peerText(d.peer))).toEqual(["chat:2002", "channel:3004"])
    const book = reordered[0]!
    expect(book.topMessage).toBe(171)
    expect(book.unreadCount).toBe(1)
    expect(reordered[1]!.topMessage).toBe(2001)
    expect(reordered[1]!.unreadCount).toBe(41)

    const history = await alice.call(new Api.messages.GetHistory({
      peer: new Api.InputPeerChat({ chatId: bigInt(2002) }), offsetId: 0, offsetDate: 0, addOffset: 0, limit: 2, maxId: 0, minId: 0, hash: bigInt.zero
    }))
    const [newest, previous] = (history as Api.messages.Messages).messages as Array<Api.Message>
    expect([newest!.message, newest!.out, newest!.date]).toEqual(["Great, which one?", true, now / 1000])
    expect(previous!.message).toBe("New book!")
  })

  it("is all or nothing, and names the bad field", () => {
    const world = sampleWorld()
    const top = world.timelineOf({ kind: "channel", id: 3001 }, null)!.topId
    const attempt = (messages: Array<unknown>) => {
      try {
        world.appendMessages(messages)
        return "ok"
      } catch (e) {
        if (e instanceof ScenarioError) return e.message
        throw e
      }
    }
    // Alice's private chats and basic groups share one id sequence: 17 is a message of chat:2001.
    expect(attempt([{ peer: "channel:3001", text: "fine" }, { peer: "user:1002", owner: 1001, id: 17, text: "taken" }])).toBe(
      "messages[1].id: id 17 is already used in chat:2001@1001 (an account's private and basic-group messages share one id sequence)"
    )
    expect(attempt([{ peer: "channel:3001", text: "fine" }, { peer: "user:1002", text: "whose?" }])).toMatch(/^messages\[1\]\.owner: required/)
    expect(attempt([{ peer: "channel:3001", date: "yesterday" }])).toMatch(/^messages\[0\]\.date: expected a date/)
    expect(attempt([{ peer: "channel:3001", media: { type: "photo", size: 10, dc: 4 } }])).toBe(
      "messages[0].media.dc: this emulator serves DCs 1, 2, not 4"
    )
    expect(world.timelineOf({ kind: "channel", id: 3001 }, null)!.topId).toBe(top)
    expect(attempt([{ peer: "channel:3001", id: 50, date: "2025-01-01 00:00:00", text: "ok" }])).toBe("ok")
    expect(world.timelineOf({ kind: "channel", id: 3001 }, null)!.topId).toBe(50)
  })

  it("keeps history paging consistent with the oracle after appends", async () => {
    const world = sampleWorld()
    const alice = await loggedIn(world, 1001)
    const appended = [
      { peer: "user:1002", owner: 1001, date: "2025-02-01 00:00:00", from: "user:1002", text: "ping" },
      { peer: "user:1002", owner: 1001, id: 500, date: "2025-02-01 00:01:00", from: "user:1001", text: "pong" }
    ]
    world.appendMessages(appended)
    const all = dialogMessages(parseScenario(fixture("sample.json")), "user:1002", 1001, appended)
    expect(all.slice(-2).map((m) => m.id)).toEqual([170, 500])
    const peer = new Api.InputPeerUser({ userId: bigInt(1002), accessHash: accessHash(1001, "user", 1002) })
    for (const q of [
      { offsetId: 0, offsetDate: 0, addOffset: 0, limit: 3, minId: 0, maxId: 0 },
      { offsetId: 170, offsetDate: 0, addOffset: -1, limit: 2, minId: 0, maxId: 0 },
      { offsetId: 0, offsetDate: Date.UTC(2025, 1, 1, 0, 1) / 1000, addOffset: 0, limit: 5, minId: 3, maxId: 0 }
    ]) {
      const r = await alice.call(new Api.messages.GetHistory({ peer, ...q, hash: bigInt.zero }))
      expect((r as Api.messages.MessagesSlice).messages.map((m) => m.id)).toEqual(expectedHistory(all, q).ids)
    }
  })
})

const channelPeer = (id: number) => new Api.InputPeerChannel({ channelId: bigInt(id), accessHash: accessHash(1001, "channel", id) })

const historyOf = async (c: Caller, peer: Api.TypeInputPeer, q: Partial<HistoryQuery> = {}) => {
  const r = await c.call(new Api.messages.GetHistory({
    peer,
    offsetId: 0,
    offsetDate: 0,
    addOffset: 0,
    limit: 100,
    minId: 0,
    maxId: 0,
    ...q,
    hash: bigInt.zero
  }))
  if (r.className === "messages.MessagesNotModified") throw new Error("unexpected")
  return { messages: r.messages as Array<Api.Message>, count: "count" in r ? r.count : r.messages.length }
}

describe("edits (appendMessages naming an existing message)", () => {
  it("change the fields they give and keep the rest (date, sender, media...); edit_date now unless given; no unread", async () => {
    const now = Date.UTC(2025, 0, 1, 12)
    const world = World.fromScenario(fixture("sample.json"), { clock: () => now })
    const alice = await loggedIn(world, 1001)
    const unread = world.accounts.get(1001)!.dialogByKey.get("channel:3004")!.unreadCount
    const edits = [
      { peer: "channel:3001", id: 2, text: "Full story (updated)" },
      // A generated message, with its own dates.
      { peer: "channel:3004", id: 5, date: "2019-01-02 00:00:00", edit_date: "2024-06-01 10:00:00", text: "rewritten" }
    ]
    world.appendMessages(edits)
    const channel = await historyOf(alice, channelPeer(3001))
    const edited = channel.messages.find((m) => m.id === 2)!
    expect([edited.message, edited.date, edited.editDate, edited.media?.className, edited.postAuthor ?? null]).toEqual([
      "Full story (updated)",
      Date.UTC(2024, 0, 15, 15) / 1000,
      now / 1000,
      "MessageMediaWebPage",
      null
    ])
    // null clears a field.
    world.appendMessages([{ peer: "channel:3001", id: 4, reply_to: null, post_author: null, media: { type: "geo" } }])
    const cleared = (await historyOf(alice, channelPeer(3001))).messages.find((m) => m.id === 4)!
    expect([cleared.message, cleared.replyTo ?? null, cleared.postAuthor ?? null, cleared.media?.className]).toEqual([
      "Correction: it was ETH, not BTC",
      null,
      null,
      "MessageMediaGeo"
    ])
    expect(channel.count).toBe(4)
    const generated = (await historyOf(alice, channelPeer(3004), { offsetId: 6, limit: 1 })).messages[0]!
    expect([generated.id, generated.message, generated.date, generated.editDate]).toEqual([
      5,
      "rewritten",
      Date.UTC(2019, 0, 2) / 1000,
      Date.UTC(2024, 5, 1, 10) / 1000
    ])
    expect(world.accounts.get(1001)!.dialogByKey.get("channel:3004")!.unreadCount).toBe(unread)

    const all = dialogMessages(parseScenario(fixture("sample.json")), "channel:3004", 1001, edits, [], now / 1000)
    expect(all.length).toBe(2000)
    expect(all.find((m) => m.id === 5)).toMatchObject({ text: "rewritten", editDate: Date.UTC(2024, 5, 1, 10) / 1000 })
    for (const q of [
      { offsetId: 0, offsetDate: Date.UTC(2019, 0, 2, 1) / 1000, addOffset: -3, limit: 6, minId: 0, maxId: 0 },
      { offsetId: 0, offsetDate: Date.UTC(2019, 0, 1, 12) / 1000, addOffset: 0, limit: 10, minId: 0, maxId: 0 }
    ]) {
      expect((await historyOf(alice, channelPeer(3004), q)).messages.map((m) => m.id)).toEqual(expectedHistory(all, q).ids)
    }
  })

  it("are all or nothing with the rest of the batch, and keep private-chat ids per account", async () => {
    const world = sampleWorld()
    const before = world.timelineOf({ kind: "user", id: 1002 }, 1001)!.message(2)!
    expect(() =>
      world.appendMessages([
        { peer: "user:1002", owner: 1001, id: 2, text: "edited" },
        { peer: "user:1002", owner: 1001, id: 17, text: "clash" }
      ])
    ).toThrow(ScenarioError)
    expect(world.timelineOf({ kind: "user", id: 1002 }, 1001)!.message(2)).toBe(before)
    world.appendMessages([{ peer: "user:1002", owner: 1001, id: 2, text: "edited" }])
    expect(world.timelineOf({ kind: "user", id: 1002 }, 1001)!.message(2)).toMatchObject({ text: "edited", from: before.from, replyTo: 1 })
    // Bob's copy of the same chat is another dialog with its own messages.
    expect(world.timelineOf({ kind: "user", id: 1001 }, 1002)!.message(2)!.text).toBe("Sure, what's up?")
  })
})

describe("deleteMessage", () => {
  it("removes the message from history, counts, media and the dialog's top; its id is never reused", async () => {
    const world = sampleWorld()
    const alice = await loggedIn(world, 1001)
    expect(world.deleteMessage({ peer: "channel:3002", id: 15 })).toBe(true)
    expect(world.deleteMessage({ peer: "channel:3002", id: 12 })).toBe(true)
    const page = await historyOf(alice, channelPeer(3002))
    expect([page.messages.map((m) => m.id), page.count]).toEqual([[14, 13, 11, 10], 4])
    expect(world.mediaBytes("channel:3002", 12)).toBeUndefined()
    expect(world.timelineOf({ kind: "channel", id: 3002 }, null)!.topId).toBe(14)
    world.appendMessages([{ peer: "channel:3002", from: "user:1002", text: "after the deletion" }])
    expect((await historyOf(alice, channelPeer(3002), { limit: 1 })).messages[0]!.id).toBe(16)

    // A generated message, and a private chat message (owner given or implied).
    expect(world.deleteMessage({ peer: "channel:3004", id: 100 })).toBe(true)
    expect(world.mediaBytes("channel:3004", 100)).toBeUndefined()
    const deleted = [{ peer: "channel:3004", id: 100 }]
    const all = dialogMessages(parseScenario(fixture("sample.json")), "channel:3004", 1001, [], deleted)
    for (const q of [
      { offsetId: 102, offsetDate: 0, addOffset: 0, limit: 4, minId: 0, maxId: 0 },
      { offsetId: 0, offsetDate: 0, addOffset: 0, limit: 1, minId: 0, maxId: 101 }
    ]) {
      expect((await historyOf(alice, channelPeer(3004), q)).messages.map((m) => m.id)).toEqual(expectedHistory(all, q).ids)
    }
    expect(world.deleteMessage({ peer: "user:1002", owner: 1001, id: 3 })).toBe(true)
    expect(world.deleteMessage({ peer: "user:1002", owner: 1001, id: 3 })).toBe(false)
    expect(world.deleteMessage({ peer: "user:1005", id: 14 })).toBe(true)
  })

  it("rejects what names no dialog, and finds nothing for an unknown id", () => {
    const world = sampleWorld()
    const attempt = (ref: unknown) => {
      try {
        return world.deleteMessage(ref)
      } catch (e) {
        if (e instanceof ScenarioError) return e.message
        throw e
      }
    }
    expect(attempt({ peer: "channel:3001", id: 99 })).toBe(false)
    expect(attempt({ peer: "channel:9999", id: 1 })).toBe("peer: channel:9999 is not among the scenario's channels")
    expect(attempt({ peer: "user:1001", id: 1 })).toMatch(/^owner: required for user:1001/)
    expect(attempt({ peer: "channel:3001" })).toMatch(/^id: /)
    expect(attempt({ peer: "channel:3001", id: 1, text: "x" })).toMatch(/^text: /)
  })
})
