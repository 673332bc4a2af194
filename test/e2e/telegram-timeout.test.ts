/**
 * A Telegram that stops answering while the connection stays up (the
 * emulator's NO_ANSWER fault): each request fails after --telegram-timeout
 * instead of hanging, with a 502 before a response started and an
 * `event: error` once a stream has, and the next request works again on a
 * fresh connection with the cache intact.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { type E2e, startE2e } from "../support/E2e.js"
import { json } from "../support/http.js"
import { ExpectedHistory, expectNoError, history, HISTORY_FIXTURE, loadFixture, marked, messagesOf, parseSse } from "./HistoryExpect.js"

const ALICE = "alice"
const YEAR = marked("channel:3002")
const oracle = new ExpectedHistory(loadFixture(HISTORY_FIXTURE))
let e2e: E2e

beforeAll(async () => {
  e2e = await startE2e({ scenario: HISTORY_FIXTURE, serverArgs: ["--telegram-timeout", "1"] })
  await e2e.login(ALICE, 1001)
})

afterAll(async () => {
  await e2e?.stop()
})

const noAnswer = async (method: string, after = 0) => {
  const res = await e2e.control("/faults", { method: "POST", body: JSON.stringify({ method, error: "NO_ANSWER", after }) })
  expect(res.status).toBe(200)
}

const ids = (messages: ReadonlyArray<object>) => messages.map((m) => (m as { readonly message_id: number }).message_id)

describe("a Telegram request left unanswered", () => {
  it("is a 502 naming the call and the limit, and the next request gets its answer", async () => {
    await noAnswer("messages.GetDialogs")
    const started = Date.now()
    const res = await e2e.api("/api/v3/search/dialogs?q=year", { session: ALICE })
    expect(res.status).toBe(502)
    expect((await json(res)).detail).toMatch(/messages\.GetDialogs: no answer from Telegram within 1s/)
    // Not a hang: the limit is one second (the bound here only separates "failed" from "waited for ever").
    expect(Date.now() - started).toBeLessThan(30_000)
    const again = await e2e.api("/api/v3/search/dialogs?q=year", { session: ALICE })
    expect(again.status).toBe(200)
    expect((await json(again)).results[0].id).toBe(YEAR)
  })

  it("ends a started history stream with event: error 502; the cache then completes the range", async () => {
    const query = "start_date=2024-05-01&end_date=2024-07-01"
    await noAnswer("messages.GetHistory", 1)
    const res = await e2e.api(`/api/v3/history/${YEAR}?${query}`, { session: ALICE })
    expect(res.status).toBe(200)
    const body = parseSse(await res.text())
    const last = body.events.at(-1)!
    expect(last.event).toBe("error")
    expect(last.data).toMatchObject({ status: 502, detail: expect.stringMatching(/messages\.GetHistory: no answer from Telegram within 1s/) })
    const expected = ids(oracle.views("channel:3002", { start: "2024-05-01 00:00:00", end: "2024-07-01 00:00:00" }))
    const delivered = ids(messagesOf(body))
    expect(delivered.length).toBeGreaterThan(0)
    expect(delivered).toEqual(expected.slice(0, delivered.length))
    const complete = await history(e2e, ALICE, YEAR, query)
    expectNoError(complete)
    expect(ids(messagesOf(complete))).toEqual(expected)
  })
})
