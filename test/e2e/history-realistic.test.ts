/**
 * History and search end to end against the emulator's realistic mode
 * (test/emulator/Realism.ts, all flags): pages that come back short
 * mid-history (MessageEmpty entries, hidden messages taking a place, id
 * gaps), search pages likewise, and a -503 "Timeout" now and then. The
 * oracle knows which messages Telegram hides, so each answer is compared
 * with the complete readable history: nothing lost, nothing twice. Also
 * errors the emulator sends on demand: -503 Timeout and FLOOD_PREMIUM_WAIT
 * (retried), and the account removed from a channel mid-sync.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { dialogMessages, readableMessages } from "../emulator/HistoryOracle.js"
import { ALL, EXACT, shownInHistory } from "../emulator/Realism.js"
import { type E2e, startE2e } from "../support/E2e.js"
import {
  ExpectedHistory,
  expectNoError,
  history,
  HISTORY_FIXTURE,
  loadFixture,
  marked,
  messagesOf,
  parseSse,
  progressOf
} from "./HistoryExpect.js"

const ALICE = "alice"
const YEAR = marked("channel:3002")
const FIREHOSE = marked("channel:3003")
const GET_HISTORY = "messages.GetHistory"

const oracle = new ExpectedHistory(loadFixture(HISTORY_FIXTURE), ALL)
let e2e: E2e

beforeAll(async () => {
  e2e = await startE2e({ scenario: HISTORY_FIXTURE, realism: "all", serverArgs: ["--flood-threshold", "2"] })
  await e2e.login(ALICE, 1001)
})

afterAll(async () => {
  await e2e?.stop()
})

const ids = (messages: ReadonlyArray<object>) => messages.map((m) => (m as { readonly message_id: number }).message_id)

const post = async (path: string, body: unknown) => {
  const res = await e2e.control(path, { method: "POST", body: JSON.stringify(body) })
  expect(res.status, `${path} ${await res.clone().text()}`).toBe(200)
}

const expectedIds = (peer: string, start?: string, end?: string) =>
  ids(oracle.views(peer, {
    owner: 1001,
    ...(start === undefined ? {} : { start: `${start} 00:00:00` }),
    ...(end === undefined ? {} : { end: `${end} 00:00:00` })
  }))

describe("realistic mode: pages that come back short mid-history", () => {
  it("the emulator really hides messages: the readable history is shorter than the scenario's", async () => {
    expect(await (await e2e.control("/realism")).json()).toEqual(ALL)
    const exact = new ExpectedHistory(loadFixture(HISTORY_FIXTURE), EXACT)
    expect(oracle.messages("channel:3002").length).toBeLessThan(exact.messages("channel:3002").length * 0.85)
  })

  it("every kind of dialog streams its whole readable history field by field, oldest first and newest first", async () => {
    for (const peer of ["channel:3001", "channel:1234567890", "user:1003", "user:1001", "chat:2001"]) {
      const body = await history(e2e, ALICE, marked(peer))
      expectNoError(body)
      expect(messagesOf(body), peer).toEqual(oracle.views(peer, { owner: 1001 }))
    }
    const body = await history(e2e, ALICE, YEAR, "reverse=true&start_date=2024-03-01&end_date=2024-05-01")
    expectNoError(body)
    expect(ids(messagesOf(body))).toEqual(expectedIds("channel:3002", "2024-03-01", "2024-05-01").reverse())
  })

  it("date-bounded ranges both ways, then the holes between them, with no message lost or twice", async () => {
    const jan = await history(e2e, ALICE, YEAR, "start_date=2024-01-01&end_date=2024-02-01")
    expect(ids(messagesOf(jan))).toEqual(expectedIds("channel:3002", "2024-01-01", "2024-02-01"))
    const jun = await history(e2e, ALICE, YEAR, "start_date=2024-06-01&end_date=2024-07-01&reverse=true")
    expect(ids(messagesOf(jun))).toEqual(expectedIds("channel:3002", "2024-06-01", "2024-07-01").reverse())
    // Fills only the holes around what is cached (March-April from the test before, January, June), both ways.
    const both = await history(e2e, ALICE, YEAR, "start_date=2024-01-01&end_date=2024-08-01")
    expectNoError(both)
    expect(ids(messagesOf(both))).toEqual(expectedIds("channel:3002", "2024-01-01", "2024-08-01"))
    const back = await history(e2e, ALICE, YEAR, "reverse=true")
    expectNoError(back)
    expect(ids(messagesOf(back))).toEqual(expectedIds("channel:3002").reverse())
    // All of it is cached now: served without Telegram.
    await e2e.control("/calls/reset", { method: "POST" })
    expect(ids(messagesOf(await history(e2e, ALICE, YEAR, "end_date=2025-01-01")))).toEqual(expectedIds("channel:3002"))
    expect(((await (await e2e.control("/calls")).json()) as Record<string, number>)[GET_HISTORY] ?? 0).toBe(0)
  })
})

describe("Telegram's clock behind ours (realistic mode: 90 s)", () => {
  it("a message sent just after a full sync is in the next one, oldest first and newest first", async () => {
    const peer = "channel:3001"
    const before = ids(messagesOf(await history(e2e, ALICE, marked(peer))))
    expect(before).toEqual(expectedIds(peer))
    // The next id the account can read, dated by the emulator's clock: 90 s before ours, so before what a
    // client trusting its own clock would have recorded as complete (its now minus a minute).
    let id = Math.max(...dialogMessages(oracle.scenario, peer).map((m) => m.id)) + 1
    while (!shownInHistory({ kind: "channel", id: 3001 }, id)) id++
    await post("/messages", { messages: [{ peer, id, from: "user:1003", text: "sent a moment ago" }] })
    const after = messagesOf(await history(e2e, ALICE, marked(peer)))
    expect(ids(after)).toEqual([...before, id])
    expect(after.at(-1)).toMatchObject({ message_id: id, message: "sent a moment ago" })
    expect(ids(messagesOf(await history(e2e, ALICE, marked(peer), "reverse=true")))).toEqual([...before, id].reverse())
  })
})

describe("errors Telegram sends now and then", () => {
  it("-503 Timeout and FLOOD_PREMIUM_WAIT_n are retried like TIMEOUT and FLOOD_WAIT_n: the stream completes", async () => {
    await post("/faults", { method: GET_HISTORY, error: "Timeout", code: -503, times: 2 })
    await post("/faults", { method: GET_HISTORY, error: "FLOOD_PREMIUM_WAIT_1", times: 1, after: 1 })
    const body = await history(e2e, ALICE, marked("channel:1234567890"), "force_refresh=true&progress=true")
    expectNoError(body)
    expect(ids(messagesOf(body))).toEqual(expectedIds("channel:1234567890"))
    expect(progressOf(body).some((p) => p.rate_limit_wait === 1)).toBe(true)
    expect((await (await e2e.control("/faults", { method: "DELETE" })).json())).toEqual({ status: "ok" })
  })

  it("the emulator takes a fault with an explicit code and any text, and still refuses a bad one", async () => {
    const bad = await e2e.control("/faults", { method: "POST", body: JSON.stringify({ method: "*", error: "Timeout" }) })
    expect(bad.status).toBe(400)
    const zero = await e2e.control("/faults", { method: "POST", body: JSON.stringify({ method: "*", error: "x", code: 0 }) })
    expect(zero.status).toBe(400)
  })

  it("search and global search come back whole through -503 Timeout and short pages", async () => {
    await post("/faults", { method: "messages.Search", error: "Timeout", code: -503, times: 1 })
    await post("/faults", { method: "messages.SearchGlobal", error: "Timeout", code: -503, times: 1 })
    const res = await e2e.api(`/api/v3/search/messages/${YEAR}?q=rocket&limit=500`, { session: ALICE })
    expect(res.status).toBe(200)
    const found = (await res.json()) as { results: Array<{ message_id: number }> }
    const all = readableMessages(oracle.messages("channel:3002"), "channel:3002", ALL, "short_search")
      .filter((m) => m.text.toLowerCase().includes("rocket"))
      .map((m) => m.id)
      .sort((a, b) => b - a)
    expect(all.length).toBeGreaterThan(100)
    expect(all.length).toBeLessThan(500)
    expect(found.results.map((r) => r.message_id)).toEqual(all)
    const global = await e2e.api("/api/v3/search/messages?q=rocket&limit=150", { session: ALICE })
    expect(global.status).toBe(200)
    expect(((await global.json()) as { results: Array<unknown> }).results).toHaveLength(150)
  })
})

describe("the account removed from a channel mid-sync", () => {
  it("ends the stream with event: error naming CHANNEL_PRIVATE, keeps the cache, and resumes from it after re-joining", async () => {
    const all = expectedIds("channel:3003")
    const res = await e2e.api(`/api/v3/history/${FIREHOSE}?chunk_size=200`, { session: ALICE })
    expect(res.status).toBe(200)
    const reader = res.body!.getReader()
    const decoder = new TextDecoder()
    let text = ""
    let kicked = false
    for (;;) {
      const { done, value } = await reader.read()
      if (done) break
      text += decoder.decode(value, { stream: true })
      if (!kicked && messagesOf(parseSse(text.slice(0, text.lastIndexOf("\n\n") + 2))).length >= 2000) {
        kicked = true
        await post("/kick", { user_id: 1001, peer: "channel:3003" })
      }
    }
    const body = parseSse(text)
    const last = body.events.at(-1)!
    expect(last.event).toBe("error")
    expect(last.data).toMatchObject({ status: 404, detail: expect.stringContaining("CHANNEL_PRIVATE") })
    const delivered = ids(messagesOf(body))
    expect(delivered.length).toBeLessThan(all.length)
    expect(delivered).toEqual(all.slice(0, delivered.length))

    const refused = await e2e.api(`/api/v3/history/${FIREHOSE}?end_date=2030-01-01`, { session: ALICE })
    expect(parseSse(await refused.text()).events.at(-1)?.event).toBe("error")

    await post("/join", { user_id: 1001, peer: "channel:3003" })
    const after = await history(e2e, ALICE, FIREHOSE, "chunk_size=1000&progress=true")
    expectNoError(after)
    expect(ids(messagesOf(after))).toEqual(all)
    // It went on from what was cached before the kick.
    expect(progressOf(after).at(-1)!.fetched).toBeLessThanOrEqual(all.length - delivered.length)
  })
})
