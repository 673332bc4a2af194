/**
 * `generate` blocks: deterministic, ids continuing after existing messages,
 * dates spread over [start, end) never going backwards, media every N, and
 * a million messages built and paged quickly.
 */
import { describe, expect, it } from "@effect/vitest"
import bigInt from "big-integer"
import { Api } from "telegram"
import { accessHash } from "../emulator/AccountView.js"
import { generatedMessage } from "../emulator/Generate.js"
import { parseScenario } from "../emulator/Scenario.js"
import { World } from "../emulator/World.js"
import { loggedIn } from "./WorldHarness.js"

const scenario = (count: number, extra: Record<string, unknown> = {}) => ({
  users: [{ id: 1 }, { id: 2, first_name: "Zed" }],
  channels: [{ id: 10, title: "Firehose", username: "firehose" }, { id: 11, title: "Group", megagroup: true }],
  accounts: [{ user: 1, dialogs: [{ peer: "channel:10" }, { peer: "channel:11" }, { peer: "user:2" }] }],
  messages: [
    { peer: "channel:10", id: 5, date: "2018-06-01 00:00:00", text: "before" },
    { peer: "user:2", owner: 1, id: 40, date: "2018-06-01 00:00:00", text: "hi" }
  ],
  generate: [
    { peer: "channel:10", count, start: "2019-01-01 00:00:00", end: "2024-01-01 00:00:00", media_every: 100, seed: 7, ...extra },
    { peer: "channel:11", count: 500, seed: 3 },
    { peer: "user:2", owner: 1, count: 30, media_every: 3 }
  ]
})

describe("generate", () => {
  it("is deterministic, continues ids, spreads dates over [start, end) and adds media every N", () => {
    const s = parseScenario(scenario(10_000))
    const block = s.generate[0]!
    const a = World.fromScenario(scenario(10_000)).timelineOf({ kind: "channel", id: 10 }, null)!
    const b = World.fromScenario(scenario(10_000)).timelineOf({ kind: "channel", id: 10 }, null)!
    expect(a.count).toBe(10_001)
    expect([...a.idsNewestFirst()].slice(-2)).toEqual([6, 5])
    expect(a.topId).toBe(10_005)
    for (const id of [6, 7, 500, 5_005, 10_005]) expect(a.message(id)).toEqual(b.message(id))
    const all = [...Array(10_000).keys()].map((i) => a.message(6 + i)!)
    expect(all.every((m, i) => m.date >= block.start && m.date < block.end && (i === 0 || m.date >= all[i - 1]!.date))).toBe(true)
    expect(all[0]!.date).toBe(block.start)
    expect(all.filter((m) => m.media !== null).map((m) => m.id - 5)).toEqual([...Array(100).keys()].map((k) => (k + 1) * 100))
    expect(all.every((m) => m.text.length > 0)).toBe(true)
    expect(new Set([...Array(50).keys()].map((i) => a.message(6 + i)!.text)).size).toBeGreaterThan(45)
    // A different seed, different text.
    const other = World.fromScenario(scenario(10_000, { seed: 8 })).timelineOf({ kind: "channel", id: 10 }, null)!
    expect(other.message(6)!.text).not.toBe(a.message(6)!.text)
    expect(generatedMessage(block, 0, 6)).toEqual(a.message(6))
  })

  it("draws supergroup senders from the users and private-chat senders from both sides", () => {
    const world = World.fromScenario(scenario(10))
    const group = world.timelineOf({ kind: "channel", id: 11 }, null)!
    const senders = new Set([...group.idsNewestFirst()].map((id) => JSON.stringify(group.message(id)!.from)))
    expect(senders).toEqual(new Set([JSON.stringify({ kind: "user", id: 1 }), JSON.stringify({ kind: "user", id: 2 })]))
    const chat = world.timelineOf({ kind: "user", id: 2 }, 1)!
    expect(chat.count).toBe(31)
    expect([...chat.idsNewestFirst()].at(-2)).toBe(41)
    const kinds = new Set([...chat.idsNewestFirst()].map((id) => chat.message(id)!.media?.type ?? "none"))
    expect(kinds).toEqual(new Set(["none", "photo", "document"]))
  })

  it("builds a million messages and pages through them", async () => {
    const world = World.fromScenario(scenario(1_000_000))
    const alice = await loggedIn(world, 1)
    const peer = new Api.InputPeerChannel({ channelId: bigInt(10), accessHash: accessHash(1, "channel", 10) })
    const page = async (q: Partial<{ offsetId: number; offsetDate: number; addOffset: number; limit: number }>) => {
      const r = await alice.call(new Api.messages.GetHistory({ peer, offsetId: 0, offsetDate: 0, addOffset: 0, limit: 100, maxId: 0, minId: 0, hash: bigInt.zero, ...q }))
      if (r.className !== "messages.ChannelMessages") throw new Error(r.className)
      return r
    }
    const first = await page({})
    expect(first.count).toBe(1_000_001)
    expect(first.messages.map((m) => m.id)).toEqual([...Array(100).keys()].map((i) => 1_000_005 - i))
    const deep = await page({ offsetId: 500_000, limit: 3 })
    expect(deep.messages.map((m) => m.id)).toEqual([499_999, 499_998, 499_997])
    const forward = await page({ offsetId: 6, addOffset: -2, limit: 2 })
    expect(forward.messages.map((m) => m.id)).toEqual([7, 6])
    const byDate = await page({ offsetDate: Date.UTC(2021, 6, 1) / 1000, limit: 1 })
    const found = byDate.messages[0] as Api.Message
    expect(found.date).toBeLessThan(Date.UTC(2021, 6, 1) / 1000)
    const next = world.timelineOf({ kind: "channel", id: 10 }, null)!.message(found.id + 1)!
    expect(next.date).toBeGreaterThanOrEqual(Date.UTC(2021, 6, 1) / 1000)
  })
})
