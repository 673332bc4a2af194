/**
 * messages.search (against the oracle: text, dates, sender, paging) and
 * messages.searchGlobal (every dialog of the account, date order, paged by
 * next_rate / offset_peer / offset_id).
 */
import { describe, expect, it } from "@effect/vitest"
import bigInt from "big-integer"
import { FastCheck as fc } from "effect"
import { Api } from "telegram"
import { accessHash } from "../emulator/AccountView.js"
import { dialogMessages, expectedSearch, type OracleMessage } from "../emulator/HistoryOracle.js"
import { parseScenario, type PeerRef } from "../emulator/Scenario.js"
import { type Caller, fixture, loggedIn, outcome, sampleWorld } from "./WorldHarness.js"

const scenario = parseScenario(fixture("sample.json"))

const inputPeer = (me: number, peer: PeerRef): Api.TypeInputPeer =>
  peer.kind === "user"
    ? new Api.InputPeerUser({ userId: bigInt(peer.id), accessHash: accessHash(me, "user", peer.id) })
    : peer.kind === "chat"
    ? new Api.InputPeerChat({ chatId: bigInt(peer.id) })
    : new Api.InputPeerChannel({ channelId: bigInt(peer.id), accessHash: accessHash(me, "channel", peer.id) })

const peerText = (p: Api.TypePeer): string =>
  p.className === "PeerUser" ? `user:${p.userId}` : p.className === "PeerChat" ? `chat:${p.chatId}` : `channel:${p.channelId}`

const search = (c: Caller, peer: PeerRef, q: {
  q: string; minDate: number; maxDate: number; from: string | null; offsetId: number; addOffset: number; limit: number
}) => {
  const from = q.from === null ? undefined : q.from.split(":") as ["user" | "channel", string]
  return c.call(new Api.messages.Search({
    peer: inputPeer(1001, peer),
    q: q.q,
    filter: new Api.InputMessagesFilterEmpty(),
    minDate: q.minDate,
    maxDate: q.maxDate,
    offsetId: q.offsetId,
    addOffset: q.addOffset,
    limit: q.limit,
    maxId: 0,
    minId: 0,
    hash: bigInt.zero,
    ...(from === undefined ? {} : { fromId: inputPeer(1001, { kind: from[0], id: Number(from[1]) }) })
  }))
}

const WORDS = ["bitcoin", "BITCOIN", "café", "Привет", "日本語", "🚀", "the market", "zzz-not-there", "", "ship it"]

describe("messages.search", () => {
  for (const peer of [{ kind: "channel", id: 3004 }, { kind: "chat", id: 2001 }, { kind: "channel", id: 3002 }] as Array<PeerRef>) {
    it(`matches the oracle in ${peer.kind}:${peer.id}`, async () => {
      const world = sampleWorld()
      const alice = await loggedIn(world, 1001)
      const all = dialogMessages(scenario, `${peer.kind}:${peer.id}`, 1001)
      const dates = all.map((m) => m.date)
      const senders = [...new Set(all.map((m) => m.from))]
      const date = fc.oneof(fc.constant(0), fc.constantFrom(...dates), fc.integer({ min: Math.min(...dates), max: Math.max(...dates) }))
      await fc.assert(
        fc.asyncProperty(
          fc.record({
            q: fc.constantFrom(...WORDS),
            minDate: date,
            maxDate: date,
            from: fc.oneof(fc.constant(null), fc.constantFrom(...senders)),
            offsetId: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: all.at(-1)!.id + 2 })),
            addOffset: fc.integer({ min: -30, max: 30 }),
            limit: fc.integer({ min: 0, max: 110 })
          }),
          async (q) => {
            const result = await search(alice, peer, q)
            if (result.className === "messages.MessagesNotModified") throw new Error("unexpected")
            const expected = expectedSearch(all, q)
            expect(result.messages.map((m) => m.id)).toEqual(expected.ids)
            expect(result.className === "messages.Messages" ? result.messages.length : result.count).toBe(expected.count)
          }
        ),
        { numRuns: 120 }
      )
    })
  }

  it("finds text case-insensitively and reports the total", async () => {
    const world = sampleWorld()
    const alice = await loggedIn(world, 1001)
    const result = await search(alice, { kind: "channel", id: 3001 }, { q: "BITCOIN", minDate: 0, maxDate: 0, from: null, offsetId: 0, addOffset: 0, limit: 10 })
    if (result.className !== "messages.ChannelMessages") throw new Error(result.className)
    expect(result.messages.map((m) => (m as Api.Message).message)).toEqual(["Bitcoin just hit a new all-time high!"])
    expect(result.count).toBe(1)
  })
})

/** Every message of the account's dialogs matching `q`, newest first, by brute force. */
const globalOracle = (q: string, minDate: number, maxDate: number) => {
  const hits: Array<OracleMessage & { readonly peer: string }> = []
  for (const d of scenario.accounts.find((a) => a.user === 1001)!.dialogs) {
    const peer = `${d.peer.kind}:${d.peer.id}`
    for (const m of dialogMessages(scenario, peer, 1001)) {
      if (!m.text.toLowerCase().includes(q.toLowerCase())) continue
      if ((minDate > 0 && m.date <= minDate) || (maxDate > 0 && m.date >= maxDate)) continue
      hits.push({ ...m, peer })
    }
  }
  return hits.sort((a, b) => b.date - a.date)
}

const searchGlobal = (c: Caller, q: string, page: { offsetRate: number; offsetPeer: Api.TypeInputPeer; offsetId: number; limit: number }, extra = {}) =>
  c.call(new Api.messages.SearchGlobal({ q, filter: new Api.InputMessagesFilterEmpty(), minDate: 0, maxDate: 0, ...page, ...extra }))

describe("messages.searchGlobal", () => {
  for (const limit of [1, 13, 100]) {
    it(`pages every match by next_rate, ${limit} at a time`, async () => {
      const world = sampleWorld()
      const alice = await loggedIn(world, 1001)
      const expected = globalOracle("the", 0, 0)
      expect(expected.length).toBeGreaterThan(150)
      const seen: Array<{ peer: string; id: number; date: number }> = []
      let cursor = { offsetRate: 0, offsetPeer: new Api.InputPeerEmpty() as Api.TypeInputPeer, offsetId: 0 }
      for (let pages = 0; ; pages++) {
        if (pages > 2000) throw new Error("paging does not end")
        const r = await searchGlobal(alice, "the", { ...cursor, limit })
        if (r.className === "messages.MessagesNotModified" || r.className === "messages.ChannelMessages") throw new Error(r.className)
        for (const m of r.messages as Array<Api.Message>) seen.push({ peer: peerText(m.peerId), id: m.id, date: m.date })
        if (r.className === "messages.Messages") break
        expect(r.count).toBe(expected.length)
        const last = r.messages.at(-1) as Api.Message | undefined
        if (r.nextRate === undefined || r.nextRate === null || last === undefined) break
        expect(r.nextRate).toBe(last.date)
        const [kind, id] = peerText(last.peerId).split(":") as ["user" | "chat" | "channel", string]
        cursor = { offsetRate: r.nextRate, offsetPeer: inputPeer(1001, { kind, id: Number(id) }), offsetId: last.id }
      }
      expect(seen.map((s) => `${s.peer}/${s.id}`).sort()).toEqual(expected.map((e) => `${e.peer}/${e.id}`).sort())
      for (let i = 1; i < seen.length; i++) expect(seen[i]!.date).toBeLessThanOrEqual(seen[i - 1]!.date)
    })
  }

  it("applies exclusive date bounds and the folder and kind filters", async () => {
    const world = sampleWorld()
    const alice = await loggedIn(world, 1001)
    const minDate = Date.UTC(2020, 0, 1) / 1000
    const maxDate = Date.UTC(2021, 0, 1) / 1000
    const expected = globalOracle("the", minDate, maxDate)
    const r = await searchGlobal(alice, "the", { offsetRate: 0, offsetPeer: new Api.InputPeerEmpty(), offsetId: 0, limit: 100 }, { minDate, maxDate })
    if (r.className === "messages.MessagesNotModified") throw new Error("unexpected")
    expect(r.className === "messages.Messages" ? r.messages.length : r.count).toBe(expected.length)
    expect((r.messages as Array<Api.Message>).every((m) => m.date > minDate && m.date < maxDate)).toBe(true)

    const archived = await searchGlobal(alice, "bitcoin", { offsetRate: 0, offsetPeer: new Api.InputPeerEmpty(), offsetId: 0, limit: 100 }, { folderId: 0 })
    expect((archived as Api.messages.Messages).messages.map((m) => peerText((m as Api.Message).peerId))).not.toContain("channel:3001")
    const users = await searchGlobal(alice, "e", { offsetRate: 0, offsetPeer: new Api.InputPeerEmpty(), offsetId: 0, limit: 100 }, { usersOnly: true })
    expect(new Set((users as Api.messages.Messages).messages.map((m) => peerText((m as Api.Message).peerId).split(":")[0]))).toEqual(new Set(["user"]))
    const broadcasts = await searchGlobal(alice, "e", { offsetRate: 0, offsetPeer: new Api.InputPeerEmpty(), offsetId: 0, limit: 100 }, { broadcastsOnly: true })
    const bpeers = new Set((broadcasts as Api.messages.MessagesSlice).messages.map((m) => peerText((m as Api.Message).peerId)))
    expect([...bpeers].every((p) => ["channel:3001", "channel:3003", "channel:3004"].includes(p))).toBe(true)
  })

  it("refuses an empty query", async () => {
    const world = sampleWorld()
    const alice = await loggedIn(world, 1001)
    expect(await outcome(searchGlobal(alice, " ", { offsetRate: 0, offsetPeer: new Api.InputPeerEmpty(), offsetId: 0, limit: 10 }))).toBe("400 SEARCH_QUERY_EMPTY")
  })

  it("only searches the account's own dialogs and copies", async () => {
    const world = sampleWorld()
    const bob = await loggedIn(world, 1002)
    const r = await searchGlobal(bob, "milk", { offsetRate: 0, offsetPeer: new Api.InputPeerEmpty(), offsetId: 0, limit: 10 })
    expect((r as Api.messages.Messages).messages).toEqual([])
    const mine = await searchGlobal(bob, "count me in", { offsetRate: 0, offsetPeer: new Api.InputPeerEmpty(), offsetId: 0, limit: 10 })
    expect((mine as Api.messages.Messages).messages.map((m) => m.id)).toEqual([6])
  })
})
