/**
 * messages.search and messages.searchGlobal over MTProto: per-dialog search
 * against the oracle as a property (text, date bounds, from_id, offsets),
 * GramJS's own search iterator, and global search paged by next_rate /
 * offset_peer / offset_id until the end, against a brute-force search of
 * every dialog of the account.
 */
import bigInt from "big-integer"
import { FastCheck as fc } from "effect"
import { Api, type TelegramClient } from "telegram"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { dialogMessages, expectedSearch, type OracleMessage, type SearchQuery } from "../emulator/HistoryOracle.js"
import { parseScenario, peerKey, type PeerRef } from "../emulator/Scenario.js"
import { destroyTestClient } from "../emulator/TestClient.js"
import { entityText, fixtureJson, inputPeerOf, loggedInClient, outcome, peerText, startWorld, type WorldOnNetwork } from "./NetworkHarness.js"

const sampleJson = fixtureJson("sample.json")
const sample = parseScenario(sampleJson)
const ALICE = 1001

let net: WorldOnNetwork
let alice: TelegramClient
/** Input peers of every dialog and every sender in them, with Alice's access hashes. */
const peers = new Map<string, Api.TypeInputPeer>()

const learn = (result: { readonly users: Array<Api.TypeUser>; readonly chats: Array<Api.TypeChat> }) => {
  for (const e of [...result.users, ...result.chats]) peers.set(entityText(e), inputPeerOf(e))
}

beforeAll(async () => {
  net = await startWorld(sampleJson)
  alice = (await loggedInClient(net.emulator, ALICE)).client
  const dialogs = await alice.invoke(new Api.messages.GetDialogs({
    offsetDate: 0, offsetId: 0, offsetPeer: new Api.InputPeerEmpty(), limit: 100, hash: bigInt.zero
  })) as Api.messages.Dialogs
  learn(dialogs)
  for (const input of [...peers.values()]) {
    learn(await alice.invoke(new Api.messages.GetHistory({ peer: input, limit: 100, hash: bigInt.zero })) as Api.messages.Messages)
  }
  learn(await alice.invoke(new Api.messages.GetFullChat({ chatId: bigInt(2001) })))
})

afterAll(async () => {
  await destroyTestClient(alice)
  await net.stop()
})

const search = (peer: string, q: SearchQuery) =>
  alice.invoke(new Api.messages.Search({
    peer: peers.get(peer)!,
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
    ...(q.from === null ? {} : { fromId: peers.get(q.from)! })
  }))

const WORDS = ["bitcoin", "BITCOIN", "café", "Привет", "日本語", "🚀", "the market", "ship it", "dinner", "zzz-not-there", ""]

describe("messages.search against the oracle", () => {
  for (const peer of ["channel:3004", "chat:2001", "channel:3002"]) {
    it(`text, date bounds, from_id and offsets in ${peer}`, async () => {
      const all = dialogMessages(sample, peer, ALICE)
      const dates = all.map((m) => m.date)
      const senders = [...new Set(all.map((m) => m.from))]
      expect(senders.every((s) => peers.has(s))).toBe(true)
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
            const result = await search(peer, q)
            if (result.className === "messages.MessagesNotModified") throw new Error("unexpected")
            const expected = expectedSearch(all, q)
            expect(result.messages.map((m) => m.id)).toEqual(expected.ids)
            expect(result.className === "messages.Messages" ? result.messages.length : result.count).toBe(expected.count)
          }
        ),
        { numRuns: 60 }
      )
    })
  }

  it("GramJS's search iterator finds every match, newest first, across pages", async () => {
    for (const [peer, params] of [
      ["channel:3004", { search: "the", limit: 5000 }],
      ["channel:3004", { search: "bitcoin", limit: 5000 }],
      ["chat:2001", { search: "", fromUser: peers.get("user:1003")!, limit: 5000 }]
    ] as const) {
      const all = dialogMessages(sample, peer, ALICE)
      const q: SearchQuery = {
        q: params.search, minDate: 0, maxDate: 0, from: "fromUser" in params ? "user:1003" : null, offsetId: 0, addOffset: 0, limit: 100
      }
      const expected = expectedSearch(all, { ...q, limit: 100 })
      const everything = all.filter((m) => expectedSearch([m], q).count === 1).map((m) => m.id).sort((a, b) => b - a)
      expect(expected.count).toBe(everything.length)
      const found = await alice.getMessages(peers.get(peer)!, params)
      expect([peer, params.search, Array.from(found, (m) => m.id)]).toEqual([peer, params.search, everything])
      expect(found.total).toBe(expected.count)
    }
  })
})

/** Marked ids, the tie-breaker of global search between messages of the same date. */
const markedId = (peer: PeerRef): number =>
  peer.kind === "user" ? peer.id : peer.kind === "chat" ? -peer.id : -(1_000_000_000_000 + peer.id)

interface GlobalHit extends OracleMessage {
  readonly peer: PeerRef
}

/** Every dialog of the account searched by brute force, newest first (date, marked peer id, id). */
const expectedGlobal = (q: string, minDate: number, maxDate: number): Array<GlobalHit> => {
  const account = sample.accounts.find((a) => a.user === ALICE)!
  const needle = q.trim().toLowerCase()
  return account.dialogs
    .flatMap((d) => dialogMessages(sample, peerKey(d.peer), ALICE).map((m) => ({ ...m, peer: d.peer })))
    .filter((m) => m.text.toLowerCase().includes(needle) && (minDate <= 0 || m.date > minDate) && (maxDate <= 0 || m.date < maxDate))
    .sort((a, b) => b.date - a.date || markedId(b.peer) - markedId(a.peer) || b.id - a.id)
}

const hitText = (m: { readonly peer: string; readonly id: number }) => `${m.peer}/${m.id}`

/** Pages through messages.searchGlobal as a client does: next_rate, then the last message's peer and id. */
const pageGlobal = async (q: string, minDate: number, maxDate: number, limit: number) => {
  const hits: Array<string> = []
  const counts = new Set<number>()
  let offsetRate = 0
  let offsetPeer: Api.TypeInputPeer = new Api.InputPeerEmpty()
  let offsetId = 0
  for (let pages = 0; ; pages++) {
    if (pages > 200) throw new Error("paging does not end")
    const result: Api.messages.TypeMessages = await alice.invoke(new Api.messages.SearchGlobal({
      q, filter: new Api.InputMessagesFilterEmpty(), minDate, maxDate, offsetRate, offsetPeer, offsetId, limit
    }))
    if (result.className === "messages.MessagesNotModified" || result.className === "messages.ChannelMessages") throw new Error(result.className)
    counts.add(result.className === "messages.Messages" ? result.messages.length : result.count)
    const page: Array<{ peer: string; id: number }> = (result.messages as Array<Api.Message>).map((m) => ({ peer: peerText(m.peerId), id: m.id }))
    hits.push(...page.map(hitText))
    const nextRate = result.className === "messages.MessagesSlice" ? result.nextRate : undefined
    const last = page.at(-1)
    if (nextRate === undefined || nextRate === null || last === undefined) break
    offsetRate = nextRate
    offsetPeer = peers.get(last.peer)!
    offsetId = last.id
  }
  return { hits, counts }
}

describe("messages.searchGlobal", () => {
  const cases: Array<[string, string, string]> = [
    ["the", "", ""],
    ["bitcoin", "", ""],
    ["🚀", "2020-01-01 00:00:00", "2022-06-01 00:00:00"],
    ["a", "2023-06-01 00:00:00", ""],
    ["world", "", "2020-06-01 00:00:00"]
  ]
  const seconds = (text: string) => (text === "" ? 0 : Date.parse(`${text.replace(" ", "T")}Z`) / 1000)

  for (const [q, min, max] of cases) {
    it(`pages by next_rate through every match of ${JSON.stringify(q)}${min || max ? ` between ${min || "-"} and ${max || "-"}` : ""}`, async () => {
      const expected = expectedGlobal(q, seconds(min), seconds(max)).map((m) => hitText({ peer: peerKey(m.peer), id: m.id }))
      // More than one page of the smaller size.
      expect(expected.length).toBeGreaterThan(7)
      for (const limit of [7, 100]) {
        const { hits, counts } = await pageGlobal(q, seconds(min), seconds(max), limit)
        expect([limit, hits]).toEqual([limit, expected])
        expect(counts).toEqual(new Set([expected.length]))
      }
    })
  }

  it("pages through messages of one date in several dialogs by offset_peer and offset_id", async () => {
    const dialogs = ["user:1002", "chat:2001", "user:1001", "channel:3001", "channel:3002"]
    const tied = await startWorld({
      users: [{ id: 1001, first_name: "Alice" }, { id: 1002, first_name: "Bob" }],
      chats: [{ id: 2001, title: "Family", creator: 1001, members: [1001, 1002] }],
      channels: [{ id: 3001, title: "News" }, { id: 3002, title: "More news" }],
      accounts: [{ user: ALICE, dialogs: dialogs.map((peer) => ({ peer })) }],
      messages: dialogs.flatMap((peer) => [1, 2, 3, 4, 5].map((n) => ({ peer, date: "2024-02-02 02:02:02", text: `tie ${n}` })))
    })
    const client = (await loggedInClient(tied.emulator, ALICE)).client
    try {
      const page0 = await client.invoke(new Api.messages.GetDialogs({
        offsetDate: 0, offsetId: 0, offsetPeer: new Api.InputPeerEmpty(), limit: 100, hash: bigInt.zero
      })) as Api.messages.Dialogs
      const inputs = new Map([...page0.users, ...page0.chats].map((e) => [entityText(e), inputPeerOf(e)]))
      const hits: Array<string> = []
      let offsets = { offsetRate: 0, offsetPeer: new Api.InputPeerEmpty() as Api.TypeInputPeer, offsetId: 0 }
      for (let pages = 0; pages < 30; pages++) {
        const result = await client.invoke(new Api.messages.SearchGlobal({
          q: "TIE", filter: new Api.InputMessagesFilterEmpty(), minDate: 0, maxDate: 0, limit: 2, ...offsets
        })) as Api.messages.MessagesSlice | Api.messages.Messages
        const page = (result.messages as Array<Api.Message>).map((m) => ({ peer: peerText(m.peerId), id: m.id }))
        hits.push(...page.map(hitText))
        if (result.className === "messages.Messages" || result.nextRate == null) break
        offsets = { offsetRate: result.nextRate, offsetPeer: inputs.get(page.at(-1)!.peer)!, offsetId: page.at(-1)!.id }
      }
      // One date everywhere: the marked peer id decides (users, basic groups, channels), then the id.
      const ids = (peer: string, first: number) => [4, 3, 2, 1, 0].map((k) => `${peer}/${first + k}`)
      expect(hits).toEqual([
        ...ids("user:1002", 1),
        ...ids("user:1001", 11),
        ...ids("chat:2001", 6),
        ...ids("channel:3001", 1),
        ...ids("channel:3002", 1)
      ])
    } finally {
      await destroyTestClient(client)
      await tied.stop()
    }
  })

  it("GramJS's global search iterator reaches the same matches", async () => {
    const found = await alice.getMessages(undefined, { search: "the", limit: 10_000 })
    const expected = expectedGlobal("the", 0, 0).map((m) => hitText({ peer: peerKey(m.peer), id: m.id }))
    expect(Array.from(found, (m) => hitText({ peer: peerText(m.peerId), id: m.id }))).toEqual(expected)
  })

  it("an empty query without a filter is SEARCH_QUERY_EMPTY", async () => {
    expect(await outcome(alice.invoke(new Api.messages.SearchGlobal({
      q: " ", filter: new Api.InputMessagesFilterEmpty(), offsetRate: 0, offsetPeer: new Api.InputPeerEmpty(), offsetId: 0, limit: 10
    })))).toBe("400 SEARCH_QUERY_EMPTY")
  })
})
