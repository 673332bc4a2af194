/**
 * Live updates over real MTProto, as an unmodified GramJS client sees them:
 * pushes of messages posted, edited and deleted through the control API
 * (updateShortMessage, updateShortChatMessage, updates with
 * updateNewChannelMessage, updateEditMessage, updateDeleteChannelMessages)
 * to the account that sees the dialog and never to the other one; getState,
 * getDifference and getChannelDifference after an absence; dropped pushes,
 * a channel pts hole and updatesTooLong, each recovered as Telegram expects.
 */
import { Api, type TelegramClient } from "telegram"
import { Raw } from "telegram/events/index.js"
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest"
import { type RunningEmulator, startEmulator } from "../emulator/Emulator.js"
import { destroyTestClient, makeTestClient } from "../emulator/TestClient.js"
import { World } from "../emulator/World.js"
import { control, dialogInputPeers, fixtureJson, loggedInClient } from "./NetworkHarness.js"

let emulator: RunningEmulator
let alice: TelegramClient
let aliceSession: string
let bob: TelegramClient
let news: Api.InputChannel
const aliceGot: Array<Api.TypeUpdate | Api.TypeUpdates> = []
const bobGot: Array<Api.TypeUpdate | Api.TypeUpdates> = []

const listen = (client: TelegramClient, into: Array<Api.TypeUpdate | Api.TypeUpdates>) =>
  client.addEventHandler((update: Api.TypeUpdate | Api.TypeUpdates) => void into.push(update), new Raw({}))

const post = async (messages: Array<Record<string, unknown>>) => {
  const r = await control(emulator, "POST", "/messages", { messages })
  expect(r.status).toBe(200)
  return (r.body as { messages: Array<{ id: number }> }).messages.map((m) => m.id)
}

const stateOf = async (userId: number) =>
  (await control(emulator, "GET", `/updates/state?user_id=${userId}`)).body as { pts: number; seq: number; date: number; channels: Record<string, number> }

/** The pushes seen since `from` that match, waiting until there are `count` of them. */
const received = async <T>(list: Array<unknown>, from: number, cls: new (...args: Array<never>) => T, count = 1): Promise<Array<T>> =>
  vi.waitFor(() => {
    const found = list.slice(from).filter((u): u is T => u instanceof cls)
    if (found.length < count) throw new Error(`waiting for ${count} ${cls.name}, have ${found.length}`)
    return found
  }, { timeout: 10_000, interval: 20 })

/** The update inside an `updates` push of this class. */
const inner = async <T>(list: Array<unknown>, from: number, cls: new (...args: Array<never>) => T): Promise<T> =>
  vi.waitFor(() => {
    const found = list.slice(from).find((u): u is T => u instanceof cls)
    if (found === undefined) throw new Error(`waiting for ${cls.name}`)
    return found
  }, { timeout: 10_000, interval: 20 })

beforeAll(async () => {
  emulator = await startEmulator({ world: World.fromScenario(fixtureJson("sample.json")) })
  const a = await loggedInClient(emulator, 1001)
  alice = a.client
  aliceSession = a.session
  bob = (await loggedInClient(emulator, 1002, { password: "hunter2" })).client
  news = (await dialogInputPeers(alice)).get("channel:3001") as unknown as Api.InputChannel
  listen(alice, aliceGot)
  listen(bob, bobGot)
  await alice.invoke(new Api.updates.GetState())
  await bob.invoke(new Api.updates.GetState())
}, 60_000)

afterEach(async () => {
  await control(emulator, "DELETE", "/faults")
  await control(emulator, "POST", "/updates/settings", { difference_limit: 1000 })
})

afterAll(async () => {
  await Promise.all([alice, bob].map((c) => c === undefined ? undefined : destroyTestClient(c)))
  await emulator?.stop()
})

const channelInput = () => new Api.InputChannel({ channelId: news.channelId, accessHash: news.accessHash })

describe("pushes", () => {
  it("private, basic-group and channel messages reach the account that sees them, as Telegram sends them; the other account gets nothing", async () => {
    const from = aliceGot.length
    const bobFrom = bobGot.length
    const before = await stateOf(1001)
    await post([{ peer: "user:1002", owner: 1001, from: "user:1002", text: "hi Alice" }])
    await post([{ peer: "chat:2002", owner: 1001, from: "user:1003", text: "book club" }])
    const [postId] = await post([{ peer: "channel:3001", text: "breaking" }])
    await post([{ peer: "channel:3001", id: postId, text: "breaking (fixed)" }])
    const del = await control(emulator, "DELETE", "/messages", { peer: "channel:3001", ids: [postId] })
    expect(del.body).toEqual({ status: "ok", deleted: 1 })

    const [short] = await received(aliceGot, from, Api.UpdateShortMessage)
    expect([short!.message, short!.pts, short!.ptsCount, Number(short!.userId)]).toEqual(["hi Alice", before.pts + 1, 1, 1002])
    const [chat] = await received(aliceGot, from, Api.UpdateShortChatMessage)
    expect([chat!.message, chat!.pts, Number(chat!.chatId)]).toEqual(["book club", before.pts + 2, 2002])
    const channelPts = before.channels["3001"]!
    const created = await inner(aliceGot, from, Api.UpdateNewChannelMessage)
    expect([(created.message as Api.Message).message, created.pts, created.ptsCount]).toEqual(["breaking", channelPts + 1, 1])
    const edited = await inner(aliceGot, from, Api.UpdateEditChannelMessage)
    expect([(edited.message as Api.Message).message, edited.pts]).toEqual(["breaking (fixed)", channelPts + 2])
    const deleted = await inner(aliceGot, from, Api.UpdateDeleteChannelMessages)
    expect([deleted.messages, deleted.pts, deleted.ptsCount]).toEqual([[postId], channelPts + 3, 1])

    // Bob is in none of those dialogs. His own channel's post, pushed after them, arrives alone.
    await post([{ peer: "channel:3002", from: "user:1001", text: "for both" }])
    await inner(bobGot, bobFrom, Api.UpdateNewChannelMessage)
    expect(bobGot.slice(bobFrom).map((u) => u.className)).toEqual(["UpdateNewChannelMessage"])
  })
})

describe("catching up", () => {
  it("after an absence, getDifference gives the common box's changes and hints the channel; getChannelDifference its changes", async () => {
    const before = await alice.invoke(new Api.updates.GetState())
    const channelPts = (await stateOf(1001)).channels["3001"]!
    await destroyTestClient(alice)
    const [a, b] = await post([
      { peer: "user:1002", owner: 1001, from: "user:1002", text: "while away 1" },
      { peer: "user:1002", owner: 1001, from: "user:1002", text: "while away 2" }
    ])
    await post([{ peer: "user:1002", owner: 1001, id: a, text: "while away 1 (edited)" }])
    await control(emulator, "DELETE", "/messages", { peer: "user:1002", owner: 1001, id: b })
    const [c] = await post([{ peer: "channel:3001", text: "channel while away" }])

    alice = makeTestClient(emulator, { session: aliceSession })
    await alice.connect()
    listen(alice, aliceGot)
    const now = await alice.invoke(new Api.updates.GetState())
    expect(now.pts).toBe(before.pts + 4)
    const d = await alice.invoke(new Api.updates.GetDifference({ pts: before.pts, date: before.date, qts: before.qts }))
    expect(d.className).toBe("updates.Difference")
    const diff = d as Api.updates.Difference
    expect(diff.newMessages.map((m) => (m as Api.Message).message)).toEqual(["while away 1 (edited)"])
    expect(diff.otherUpdates[0]).toMatchObject({ className: "UpdateDeleteMessages", messages: [b], pts: before.pts + 4, ptsCount: 1 })
    // No channel message, a hint instead (and one for any channel of hers that changed since the state's date: 3002 may have).
    const hints = diff.otherUpdates.slice(1) as Array<Api.UpdateChannelTooLong>
    expect(hints.every((u) => u.className === "UpdateChannelTooLong")).toBe(true)
    expect(hints.find((u) => Number(u.channelId) === 3001)?.pts).toBe(channelPts + 1)
    expect(diff.state.pts).toBe(now.pts)

    const cd = await alice.invoke(new Api.updates.GetChannelDifference({
      channel: channelInput(), filter: new Api.ChannelMessagesFilterEmpty(), pts: channelPts, limit: 100
    }))
    expect(cd.className).toBe("updates.ChannelDifference")
    expect((cd as Api.updates.ChannelDifference).newMessages.map((m) => m.id)).toEqual([c])
    expect((cd as Api.updates.ChannelDifference).pts).toBe(channelPts + 1)

    // Forced through the control API: slices, then too long.
    expect((await control(emulator, "POST", "/updates/settings", { difference_limit: 1 })).status).toBe(200)
    const slice = await alice.invoke(new Api.updates.GetDifference({ pts: before.pts, date: before.date, qts: 0 }))
    expect(slice.className).toBe("updates.DifferenceSlice")
    expect((slice as Api.updates.DifferenceSlice).intermediateState.pts).toBe(before.pts + 1)
    await control(emulator, "POST", "/faults/updates", { difference_too_long: 1, user_id: 1001 })
    const long = await alice.invoke(new Api.updates.GetDifference({ pts: before.pts, date: before.date, qts: 0 }))
    expect([long.className, (long as Api.updates.DifferenceTooLong).pts]).toEqual(["updates.DifferenceTooLong", now.pts])
    await control(emulator, "POST", "/faults/updates", { channel_difference_too_long: "channel:3001" })
    const channelLong = await alice.invoke(new Api.updates.GetChannelDifference({
      channel: channelInput(), filter: new Api.ChannelMessagesFilterEmpty(), pts: channelPts, limit: 100
    }))
    expect(channelLong.className).toBe("updates.ChannelDifferenceTooLong")
    expect(((channelLong as Api.updates.ChannelDifferenceTooLong).dialog as Api.Dialog).pts).toBe(channelPts + 1)
  })
})

describe("faults", () => {
  it("a dropped push leaves a pts gap that getDifference fills; a channel hole one that getChannelDifference fills; updatesTooLong arrives", async () => {
    const s = await alice.invoke(new Api.updates.GetState())
    expect((await control(emulator, "POST", "/faults/updates", { drop_pushes: 1, user_id: 1001 })).status).toBe(200)
    const from = aliceGot.length
    await post([{ peer: "user:1002", owner: 1001, from: "user:1002", text: "dropped" }])
    await post([{ peer: "user:1002", owner: 1001, from: "user:1002", text: "delivered" }])
    const [push] = await received(aliceGot, from, Api.UpdateShortMessage)
    expect([push!.message, push!.pts - push!.ptsCount]).toEqual(["delivered", s.pts + 1])
    const d = await alice.invoke(new Api.updates.GetDifference({ pts: s.pts, date: s.date, qts: 0 })) as Api.updates.Difference
    expect(d.newMessages.map((m) => (m as Api.Message).message)).toEqual(["dropped", "delivered"])

    const channelPts = (await stateOf(1001)).channels["3001"]!
    await control(emulator, "POST", "/faults/updates", { channel_hole: "channel:3001" })
    const channelFrom = aliceGot.length
    await post([{ peer: "channel:3001", text: "held back" }, { peer: "channel:3001", text: "after the hole" }])
    const after = await inner(aliceGot, channelFrom, Api.UpdateNewChannelMessage)
    expect([(after.message as Api.Message).message, after.pts - after.ptsCount]).toEqual(["after the hole", channelPts + 1])
    const filled = await alice.invoke(new Api.updates.GetChannelDifference({
      channel: channelInput(), filter: new Api.ChannelMessagesFilterEmpty(), pts: channelPts, limit: 100
    })) as Api.updates.ChannelDifference
    expect(filled.newMessages.map((m) => (m as Api.Message).message)).toEqual(["held back", "after the hole"])

    const tooLongFrom = aliceGot.length
    await control(emulator, "POST", "/faults/updates", { updates_too_long: true, user_id: 1001 })
    await received(aliceGot, tooLongFrom, Api.UpdatesTooLong)
  })

  it("after a lost connection GramJS reconnects on the same key and pushes follow it", async () => {
    await control(emulator, "POST", "/faults", { method: "updates.GetState", error: "DISCONNECT" })
    const s = await alice.invoke(new Api.updates.GetState())
    const from = aliceGot.length
    await post([{ peer: "user:1002", owner: 1001, from: "user:1002", text: "after the reconnect" }])
    const [push] = await received(aliceGot, from, Api.UpdateShortMessage)
    expect([push!.message, push!.pts]).toEqual(["after the reconnect", s.pts + 1])
  })

  it("the control API refuses bad update calls with a detail", async () => {
    const bad = async (method: string, path: string, body?: unknown) => {
      const r = await control(emulator, method, path, body)
      expect(r.status).toBeGreaterThanOrEqual(400)
      expect(r.status).toBeLessThan(500)
      return (r.body as { detail: string }).detail
    }
    expect(await bad("GET", "/updates/state?user_id=42")).toMatch(/no account/)
    expect(await bad("GET", "/updates/state")).toMatch(/user_id/)
    expect(await bad("POST", "/updates/settings", { difference_limit: 0 })).toMatch(/difference_limit/)
    expect(await bad("POST", "/faults/updates", { drop_pushes: "two" })).toMatch(/drop_pushes/)
    expect(await bad("GET", "/updates/changes?peer=chat:2001&since=1")).toMatch(/peer/)
    expect(await bad("GET", "/updates/changes?user_id=1001&since=0")).toMatch(/older/)
    expect(await bad("DELETE", "/messages", { peer: "channel:3001", ids: [] })).toMatch(/ids/)
    const state = await stateOf(1001)
    const changes = await control(emulator, "GET", `/updates/changes?user_id=1001&since=${state.pts - 1}`)
    expect((changes.body as { changes: Array<{ pts: number }> }).changes.map((c) => c.pts)).toEqual([state.pts])
  })
})

