/**
 * A large history synced by pieces side by side (app/HistoryFill.ts), end
 * to end: the real server against the emulator (test/fixtures/history.json,
 * the 20000-message Firehose channel), with `sync_concurrency` above one.
 * Whatever the cut, the stream is exactly the scenario's history, field by
 * field, oldest first and newest first, and with the emulator as untidy as
 * the real Telegram (TGSC_E2E_REALISM=all: short pages, hidden messages,
 * timeouts) too; afterwards the cache serves it whole without asking again.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { type E2e, startE2e } from "../support/E2e.js"
import {
  countCalls,
  ExpectedHistory,
  expectNoError,
  history,
  HISTORY_FIXTURE,
  loadFixture,
  marked,
  messagesOf,
  progressOf
} from "./HistoryExpect.js"

const ALICE = "alice"
const FIREHOSE = marked("channel:3003")
const GET_HISTORY = "messages.GetHistory"
const oracle = new ExpectedHistory(loadFixture(HISTORY_FIXTURE))
let e2e: E2e

const ids = (messages: ReadonlyArray<object>) => messages.map((m) => (m as { readonly message_id: number }).message_id)

beforeAll(async () => {
  e2e = await startE2e({ scenario: HISTORY_FIXTURE })
  await e2e.login(ALICE, 1001)
  const res = await e2e.api("/api/v3/settings", {
    method: "PATCH",
    session: ALICE,
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ sync_concurrency: 4 })
  })
  expect(res.status).toBe(200)
})

afterAll(async () => {
  await e2e?.stop()
})

describe("a large history by pieces side by side (sync_concurrency 4)", () => {
  it("oldest first: exactly the scenario's messages, field by field; then served from the cache alone", async () => {
    const { count, value: body } = await countCalls(e2e, GET_HISTORY, () => history(e2e, ALICE, FIREHOSE, "chunk_size=1000&end_date=2024-01-01"))
    expectNoError(body)
    expect(messagesOf(body)).toEqual(oracle.views("channel:3003", { owner: 1001 }))
    // 200 pages' worth, a few probes and the pages where pieces meet: not much more than one walk's calls.
    expect(count).toBeGreaterThan(0)
    expect(count).toBeLessThan(400)
    // (With an end before now: near now the cache never records what could still change.)
    const again = await countCalls(e2e, GET_HISTORY, () => history(e2e, ALICE, FIREHOSE, "chunk_size=1000&end_date=2024-01-01"))
    expect(again.count).toBe(0)
    expect(ids(messagesOf(again.value))).toEqual(ids(messagesOf(body)))
  })

  it("newest first, re-fetched whole (force_refresh), and over a date range: exactly the scenario's, in order", async () => {
    const all = oracle.views("channel:3003", { owner: 1001 })
    const back = await history(e2e, ALICE, FIREHOSE, "chunk_size=1000&reverse=true&force_refresh=true")
    expectNoError(back)
    expect(messagesOf(back)).toEqual([...all].reverse())
    const range = await history(e2e, ALICE, FIREHOSE, "chunk_size=500&reverse=true&force_refresh=true&start_date=2021-03-01&end_date=2022-10-01")
    expectNoError(range)
    expect(ids(messagesOf(range))).toEqual(
      ids(oracle.views("channel:3003", { owner: 1001, start: "2021-03-01 00:00:00", end: "2022-10-01 00:00:00" })).reverse()
    )
  })

  it("a FLOOD_WAIT in one walker is waited out (reported) while the others hold back: the stream completes, exact", async () => {
    const res = await e2e.control("/faults", { method: "POST", body: JSON.stringify({ method: GET_HISTORY, error: "FLOOD_WAIT_1", after: 30 }) })
    expect(res.status).toBe(200)
    const body = await history(e2e, ALICE, FIREHOSE, "chunk_size=1000&force_refresh=true&progress=true&end_date=2024-01-01")
    expectNoError(body)
    expect(ids(messagesOf(body))).toEqual(ids(oracle.views("channel:3003", { owner: 1001 })))
    expect(progressOf(body).filter((p) => p.rate_limit_wait > 0).map((p) => p.rate_limit_wait)).toEqual([1])
  })
})
