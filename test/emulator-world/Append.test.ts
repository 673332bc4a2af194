/**
 * appendMessages (the control API's POST /messages): checked like scenario
 * messages, all or nothing; new messages become their dialogs' top
 * messages, move the dialogs up and count as unread for their receivers.
 */
import { describe, expect, it } from "@effect/vitest"
import bigInt from "big-integer"
import { Api } from "telegram"
import { accessHash } from "../emulator/AccountView.js"
import { dialogMessages, expectedHistory } from "../emulator/HistoryOracle.js"
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
    expect(attempt([{ peer: "channel:3001", text: "fine" }, { peer: "channel:3001", id: 2, text: "taken" }])).toBe(
      "messages[1].id: id 2 is already used in channel:3001"
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
