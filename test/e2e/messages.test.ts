/**
 * Contract section 3 end to end: message search in one dialog
 * (messages.search) and across all of them (messages.searchGlobal), the
 * real server against the emulator holding many-dialogs.json. Results are
 * checked against what ScenarioOracle works out from the scenario: which
 * messages, in which order, every field; Telegram paging (at most 100 a
 * request) is read from the emulator's /calls, rate limits come from its
 * /faults (server started with --flood-threshold 2). Telegram's service
 * chat 777000 (login codes) never shows. With TGSC_E2E_REALISM set, the
 * oracle answers for the emulator's realistic mode (Realism.ts): readable
 * matches only, totals as the server can know them, call counts bounded.
 */
import * as fs from "node:fs"
import * as path from "node:path"
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest"
import { MANY_DIALOGS_ACCOUNT, OPS_ROOM_ID, SERVICE_USER_ID } from "../fixtures/many-dialogs.js"
import { type Realism, realismFromEnv } from "../emulator/Realism.js"
import { type E2e, startE2e } from "../support/E2e.js"
import { projectRoot } from "../support/ServerProcess.js"
import {
  epoch,
  expectDialogSearch,
  expectGlobal,
  expectGlobalSearch,
  expectInDialog,
  type ExpectedSearch,
  globalMatches,
  globalResult,
  marked,
  messageDate,
  type MessageQuery,
  oracleOf,
  type OracleMessage,
  type RawScenario,
  searchCallsAtMost,
  SERVICE_CHAT
} from "./ScenarioOracle.js"
import { expectRateLimited } from "../support/http.js"
import { parseScenario } from "../emulator/Scenario.js"
import { DETAIL_KEYS, expectedDetails } from "./DetailsOracle.js"

const scenario = JSON.parse(fs.readFileSync(path.join(projectRoot, "test/fixtures/many-dialogs.json"), "utf8")) as RawScenario
const oracle = oracleOf(scenario, MANY_DIALOGS_ACCOUNT)
const parsed = parseScenario(scenario)
const SESSION = "morgan"
const OPS = marked(`channel:${OPS_ROOM_ID}`)
const CRYPTO = marked("channel:7015")
const SAVED = MANY_DIALOGS_ACCOUNT
/** The emulator's realistic mode when the run asks for it (startE2e turns it on); undefined: exact answers. */
const REALISM = realismFromEnv()
const SHORT = REALISM?.short_search === true
/** What a search of one dialog, or of all of them, should answer. */
const searchIn = (dialogId: number, q: MessageQuery, limit = 50) => expectDialogSearch(oracle.dialog(dialogId), q, limit, REALISM)
const searchAll = (q: MessageQuery, limit = 50) => expectGlobalSearch(oracle, q, limit, REALISM)

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any
interface Answer {
  readonly status: number
  readonly headers: Headers
  readonly body: Json
}

const RESULT_FIELDS = [
  "message_id", "dialog_id", "dialog_name", "date", "edit_date", "sender_id", "first_name", "last_name", "username",
  "message", "reply_to", "post_author", "is_forwarded", "forwarded_from_channel_id", ...DETAIL_KEYS
].sort()

let e2e: E2e

const get = async (pathAndQuery: string, session = SESSION): Promise<Answer> => {
  const res = await e2e.api(pathAndQuery, { session })
  return { status: res.status, headers: res.headers, body: await res.json() }
}
const inDialog = (dialogId: number, query: string) => get(`/api/v3/search/messages/${dialogId}?${query}`)
const everywhere = (query: string) => get(`/api/v3/search/messages?${query}`)

const calls = async (): Promise<Record<string, number>> => (await e2e.control("/calls")).json() as Promise<Record<string, number>>
const resetCalls = () => e2e.control("/calls/reset", { method: "POST" })
const fault = (method: string, error: string) =>
  e2e.control("/faults", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ method, error, times: 1 }) })

/** The contract's result object for a message of the scenario. */
const resultOf = (m: OracleMessage) => {
  const sender = oracle.sender(m.from)
  return {
    message_id: m.id,
    dialog_id: m.dialogId,
    dialog_name: oracle.dialog(m.dialogId).title,
    date: messageDate(m.date),
    edit_date: m.editDate === null ? null : messageDate(m.editDate),
    sender_id: sender.id,
    first_name: sender.firstName,
    last_name: sender.lastName,
    username: sender.username,
    message: m.text,
    reply_to: m.replyTo,
    post_author: m.postAuthor,
    is_forwarded: m.forwarded ? 1 : 0,
    forwarded_from_channel_id: m.forwardedFromChannel,
    ...expectedDetails(parsed, MANY_DIALOGS_ACCOUNT, m.peer, m.id)
  }
}

/** A search answer: the query, the expected total, the limit and exactly the expected messages, field by field. */
const expectAnswer = (res: Answer, q: string, limit: number, expected: ExpectedSearch) => {
  expect(res.status, JSON.stringify(res.body)).toBe(200)
  expect(Object.keys(res.body).sort()).toEqual(["limit", "query", "results", "total"])
  expect(res.body.query).toBe(q)
  expect(res.body.limit).toBe(limit)
  expect(res.body.total).toBe(expected.total)
  for (const r of res.body.results) expect(Object.keys(r).sort()).toEqual(RESULT_FIELDS)
  expect(res.body.results).toEqual(expected.results.slice(0, limit).map(resultOf))
}

/** Telegram calls: `exact` (a count or a range); realistic mode's short pages and -503 retries cost more, up to `atMost`. */
const expectCalls = (count: number, exact: number | readonly [number, number], atMost: (realism: Realism) => number) => {
  const [least, most] = typeof exact === "number" ? [exact, exact] : exact
  expect(count).toBeGreaterThanOrEqual(least)
  expect(count).toBeLessThanOrEqual(REALISM === undefined ? most : atMost(REALISM))
}

const T = (text: string) => epoch(text)
const NOTHING: ExpectedSearch = { results: [], total: 0 }

beforeAll(async () => {
  e2e = await startE2e({ scenario, serverArgs: ["--flood-threshold", "2"] })
  await e2e.login(SESSION, MANY_DIALOGS_ACCOUNT)
})
afterAll(async () => {
  await e2e?.stop()
})

describe("the scenario covers what message search must handle", () => {
  it("a dialog with more than 500 matches, matches in every kind of dialog, and a login code in 777000", () => {
    expect(expectInDialog(oracle.dialog(OPS), { q: "invoice" }).length).toBeGreaterThan(500)
    const kinds = new Set(expectGlobal(oracle, { q: "meeting" }).map((m) => oracle.dialog(m.dialogId).type))
    expect(kinds).toEqual(new Set(["saved", "user", "bot", "group", "supergroup", "channel"]))
    expect(expectGlobal(oracle, { q: "meeting" }).some((m) => oracle.dialog(m.dialogId).isArchived)).toBe(true)
    const service = oracle.dialog(SERVICE_CHAT)
    expect(service.messages.some((m) => /login code/i.test(m.text) && /meeting/.test(m.text) && /invoice/.test(m.text))).toBe(true)
  })
})

describe("GET /api/v3/search/messages/{dialog_id}", () => {
  const ops = () => oracle.dialog(OPS)
  const searchCalls = async () => (await calls())["messages.Search"]!
  const invoiceCalls = (limit: number) => (r: Realism) => searchCallsAtMost(expectInDialog(ops(), { q: "invoice" }), limit, r)

  it("finds the matches newest first with every field, limit 50 by default, total being every match", async () => {
    await resetCalls()
    const res = await inDialog(OPS, "q=invoice")
    expectAnswer(res, "invoice", 50, searchIn(OPS, { q: "invoice" }))
    expectCalls(await searchCalls(), 1, invoiceCalls(50))
  })

  it("query is the same parameter as q", async () => {
    const a = await inDialog(OPS, "query=standup&limit=20")
    const b = await inDialog(OPS, "q=standup&limit=20")
    expect(a.body).toEqual(b.body)
    expectAnswer(a, "standup", 20, searchIn(OPS, { q: "standup" }, 20))
  })

  for (const [limit, requests] of [[1, 1], [100, 1], [101, 2], [250, 3], [500, 5]] as const) {
    it(`limit=${limit}: Telegram is asked ${requests} time(s), at most 100 a request`, async () => {
      await resetCalls()
      const res = await inDialog(OPS, `q=invoice&limit=${limit}`)
      const expected = searchIn(OPS, { q: "invoice" }, limit)
      expectAnswer(res, "invoice", limit, expected)
      // Realistic mode hides some: fewer than the limit may be readable (then all of them are there).
      expect(res.body.results).toHaveLength(SHORT ? expected.results.length : limit)
      expectCalls(await searchCalls(), requests, invoiceCalls(limit))
    })
  }

  it("fewer matches than the limit: all of them, and Telegram is not asked again", async () => {
    await resetCalls()
    const all = expectInDialog(ops(), { q: "urgent" })
    expect(all.length).toBeLessThan(100)
    expectAnswer(await inDialog(OPS, "q=urgent&limit=500"), "urgent", 500, searchIn(OPS, { q: "urgent" }, 500))
    // Realistic mode: a short page is not the end, so one more (empty) page may be asked for.
    expectCalls(await searchCalls(), 1, (r) => searchCallsAtMost(all, 500, r))
  })

  /** The one match of `q` in the ops room as answered, or null when realistic mode hides it (and the answer leaves it out). */
  const onlyMatch = async (q: string): Promise<Json | null> => {
    const expected = searchIn(OPS, { q })
    expect([expected.total, expected.results.length]).toEqual([1, SHORT ? expected.results.length : 1])
    const res = await inDialog(OPS, `q=${encodeURIComponent(q)}`)
    expectAnswer(res, q, 50, expected)
    return res.body.results[0] ?? null
  }

  it("message is the raw text (no Markdown or HTML rendering); replies, edits and forwards come through", async () => {
    const raw = await onlyMatch("ledger")
    if (raw !== null) expect(raw.message).toBe("Invoice **#1100** sent — see `ledger.xlsx` _asap_ <b>not html</b>")
    const edited = await onlyMatch("#1101")
    if (edited !== null) expect(edited).toMatchObject({ reply_to: 100, edit_date: expect.stringMatching(/^2024-\d\d-\d\d \d\d:05:00$/) })
    const forwarded = await onlyMatch("#1102")
    if (forwarded !== null) expect(forwarded).toMatchObject({ is_forwarded: 1, forwarded_from_channel_id: CRYPTO })
  })

  describe("dates: start_date is the upper bound, end_date the lower (both exclusive)", () => {
    const cases: Array<[string, MessageQuery]> = [
      ["q=invoice&start_date=2024-06-30&end_date=2024-03-01", { q: "invoice", before: T("2024-06-30 00:00:00"), after: T("2024-03-01 00:00:00") }],
      ["q=invoice&start_date=2024-02-01", { q: "invoice", before: T("2024-02-01 00:00:00") }],
      ["q=invoice&end_date=2024-12-01", { q: "invoice", after: T("2024-12-01 00:00:00") }],
      // Ops room messages fall on 00:00 and 12:00: a bound on one of them leaves it out.
      ["q=invoice&start_date=2024-03-11%2000:00:00&end_date=2024-03-05%2012:00:00", {
        q: "invoice",
        before: T("2024-03-11 00:00:00"),
        after: T("2024-03-05 12:00:00")
      }],
      ["q=invoice&start_date=2024-03-11T02:00:00%2B02:00&end_date=2024-03-05T12:00:00Z", {
        q: "invoice",
        before: T("2024-03-11 00:00:00"),
        after: T("2024-03-05 12:00:00")
      }]
    ]
    for (const [query, expected] of cases) {
      it(query, async () => {
        const all = searchIn(OPS, expected, 500)
        expect(all.total).toBeGreaterThan(0)
        expectAnswer(await inDialog(OPS, `${query}&limit=500`), "invoice", 500, all)
      })
    }

    it("(the bounds of the fourth case fall on invoices of their own, which it leaves out)", () => {
      const bounds = [T("2024-03-11 00:00:00"), T("2024-03-05 12:00:00")]
      const onBounds = ops().messages.filter((m) => bounds.includes(m.date))
      expect(onBounds.map((m) => /invoice/i.test(m.text))).toEqual([true, true])
      expect(expectInDialog(ops(), cases[3]![1]).some((m) => bounds.includes(m.date))).toBe(false)
    })

    it("dates beyond Telegram's 32-bit range (before 1970, after 2038) bound nothing or everything, never a 502", async () => {
      const all = searchIn(OPS, { q: "invoice" }, 500)
      for (const query of ["start_date=2038-01-20", "start_date=9999-12-31", "end_date=1900-01-01", "end_date=0001-01-01&start_date=9999-12-31"]) {
        expectAnswer(await inDialog(OPS, `q=invoice&${query}&limit=500`), "invoice", 500, all)
      }
      for (const query of ["start_date=1900-01-01", "end_date=2038-01-20", "end_date=9999-12-30&start_date=9999-12-31"]) {
        expectAnswer(await inDialog(OPS, `q=invoice&${query}`), "invoice", 50, NOTHING)
      }
    })

    it("400 when end_date is not before start_date, or for a bad date", async () => {
      for (const query of ["q=x&start_date=2024-01-01&end_date=2024-06-30", "q=x&start_date=2024-01-01&end_date=2024-01-01"]) {
        const res = await inDialog(OPS, query)
        expect(res.status, query).toBe(400)
        expect(res.body.detail).toMatch(/end_date must be earlier than start_date/)
      }
      const bad = await inDialog(OPS, "q=x&start_date=30.06.2024")
      expect(bad.status).toBe(400)
      expect(bad.body.detail).toMatch(/Invalid date format/)
    })
  })

  describe("from_user", () => {
    for (const user of [5003, 5006, MANY_DIALOGS_ACCOUNT]) {
      it(`from_user=${user}`, async () => {
        const all = searchIn(OPS, { q: "invoice", from: `user:${user}` }, 500)
        expect(all.total).toBeGreaterThan(50)
        const res = await inDialog(OPS, `q=invoice&from_user=${user}&limit=500`)
        expectAnswer(res, "invoice", 500, all)
        expect(res.body.results.every((r: Json) => r.sender_id === user)).toBe(true)
      })
    }

    it("with dates too", async () => {
      const all = searchIn(OPS, { q: "urgent", from: "user:5009", before: T("2024-09-01 00:00:00"), after: T("2024-02-01 00:00:00") })
      expect(all.total).toBeGreaterThan(0)
      expectAnswer(await inDialog(OPS, "q=urgent&from_user=5009&start_date=2024-09-01&end_date=2024-02-01"), "urgent", 50, all)
    })

    it("400 for a user id that is not a positive integer", async () => {
      for (const query of ["q=x&from_user=abc", "q=x&from_user=-5"]) expect((await inDialog(OPS, query)).status, query).toBe(400)
    })
  })

  describe("every kind of dialog, by its marked id", () => {
    const dialogs: Array<[string, number]> = [
      ["Saved Messages", SAVED],
      ["a private chat", MANY_DIALOGS_ACCOUNT + 3],
      ["an archived private chat", MANY_DIALOGS_ACCOUNT + 4],
      ["a bot", MANY_DIALOGS_ACCOUNT + 10],
      ["a basic group", marked("chat:6001")],
      ["a broadcast channel", CRYPTO],
      ["a supergroup", OPS]
    ]
    for (const [what, id] of dialogs) {
      it(`${what} (${id})`, async () => {
        const all = searchIn(id, { q: "meeting" })
        expect(all.total).toBeGreaterThan(0)
        const res = await inDialog(id, "q=MEETING")
        expectAnswer(res, "MEETING", 50, all)
        expect(res.body.results.every((r: Json) => r.dialog_id === id)).toBe(true)
      })
    }
  })

  it("404 for a dialog the account cannot see", async () => {
    for (const id of [-1009999999999, marked("channel:9999"), 424242, -999]) {
      const res = await inDialog(id, "q=invoice")
      expect(res.status, String(id)).toBe(404)
      expect(res.body).toEqual({ detail: `Dialog ${id} not found: this account cannot see it` })
    }
  })

  it("404 for Telegram's service chat 777000: its login codes are never exposed", async () => {
    for (const query of ["q=code", "q=login", "q=meeting&limit=500"]) {
      const res = await inDialog(SERVICE_CHAT, query)
      expect(res.status, query).toBe(404)
      expect(res.body).toEqual({ detail: `Dialog ${SERVICE_CHAT} not found: this account cannot see it` })
      expect(JSON.stringify(res.body)).not.toMatch(/51234/)
    }
  })

  it("400 without a query, for two different queries, or a limit outside 1-500", async () => {
    for (const query of ["", "q=", "q=%20%20", "q=a&query=b", "q=a&limit=0", "q=a&limit=501", "q=a&limit=x"]) {
      const res = await inDialog(OPS, query)
      expect(res.status, query).toBe(400)
      expect(typeof res.body.detail).toBe("string")
    }
    expect((await inDialog(OPS, "")).body.detail).toMatch(/'q'/)
  })

  it("400 for a dialog id that is not a marked id", async () => {
    for (const id of ["abc", "0"]) expect((await get(`/api/v3/search/messages/${id}?q=x`)).status, id).toBe(400)
  })
})

describe("GET /api/v3/search/messages (global)", () => {
  it("finds matches in every kind of dialog, archived ones too, newest first, with marked dialog ids and names", async () => {
    const res = await everywhere("q=meeting")
    expectAnswer(res, "meeting", 50, searchAll({ q: "meeting" }))
    const ids = new Set(res.body.results.map((r: Json) => r.dialog_id))
    expect(ids).toContain(SAVED)
    expect(ids).toContain(marked("chat:6001"))
    expect(ids).toContain(OPS)
    expect(ids).toContain(CRYPTO)
  })

  it("never shows the service chat 777000, nor counts it", async () => {
    for (const q of ["meeting", "code", "bitcoin", "login"]) {
      const res = await everywhere(`q=${q}&limit=500`)
      expect(res.status).toBe(200)
      expect(res.body.results.some((r: Json) => r.dialog_id === SERVICE_CHAT || r.sender_id === SERVICE_USER_ID)).toBe(false)
      expect(JSON.stringify(res.body)).not.toMatch(/51234/)
      expectAnswer(res, q, 500, searchAll({ q }, 500))
    }
    const none = await everywhere("q=login%20code")
    // Realistic mode may hide the login code from the server too: then it counts what it cannot see.
    expect(none.body).toEqual({ query: "login code", total: SHORT ? searchAll({ q: "login code" }).total : 0, limit: 50, results: [] })
  })

  for (const [limit, atLeast] of [[100, 1], [150, 2], [500, 5]] as const) {
    it(`limit=${limit}: pages Telegram at most 100 a request up to the limit`, async () => {
      await resetCalls()
      const res = await everywhere(`q=invoice&limit=${limit}`)
      expect(expectGlobal(oracle, { q: "invoice" }).length).toBeGreaterThan(500)
      expectAnswer(res, "invoice", limit, searchAll({ q: "invoice" }, limit))
      const atMost = (r: Realism) => searchCallsAtMost(globalMatches(oracle, { q: "invoice" }), limit, r, globalResult(r))
      expectCalls((await calls())["messages.SearchGlobal"]!, [atLeast, atLeast + 1], atMost)
    })
  }

  it("start_date and end_date bound the dates the same way", async () => {
    const q: MessageQuery = { q: "meeting", before: T("2024-05-15 00:00:00"), after: T("2024-03-01 00:00:00") }
    const all = searchAll(q)
    expect(all.total).toBeGreaterThan(1)
    expectAnswer(await everywhere("q=meeting&start_date=2024-05-15&end_date=2024-03-01"), "meeting", 50, all)
    expectAnswer(await everywhere("q=meeting&start_date=9999-12-31&end_date=1900-01-01"), "meeting", 50, searchAll({ q: "meeting" }))
    expectAnswer(await everywhere("q=meeting&start_date=1900-01-01"), "meeting", 50, NOTHING)
    expectAnswer(await everywhere("q=meeting&end_date=2100-01-01"), "meeting", 50, NOTHING)
    const inverted = await everywhere("q=meeting&start_date=2024-03-01&end_date=2024-05-15")
    expect(inverted.status).toBe(400)
    expect(inverted.body.detail).toMatch(/end_date must be earlier than start_date/)
  })

  it("400 without a query or with a limit outside 1-500", async () => {
    for (const query of ["", "query=", "q=a&limit=0", "q=a&limit=501"]) expect((await everywhere(query)).status, query).toBe(400)
  })
})

describe("the contract's curl examples (section 3), run as written", () => {
  /** The URL of a curl command, pointed at the test server, with the scenario's ids for the contract's. */
  const urlOf = (curl: string, ids: { readonly dialog?: number; readonly user?: number } = {}) =>
    /"http:\/\/localhost:8000([^"]+)"/.exec(curl)![1]!
      .replace("-1001234567890", String(ids.dialog))
      .replace("from_user=123456789", `from_user=${ids.user}`)

  it("Search in a specific chat", async () => {
    const res = await get(urlOf(`curl -s -H "X-Telegram-Username: $USERNAME" \\
  "http://localhost:8000/api/v3/search/messages/-1001234567890?q=bitcoin"`, { dialog: CRYPTO }))
    const all = searchIn(CRYPTO, { q: "bitcoin" })
    expect(all.total).toBeGreaterThan(5)
    expect(all.results.length).toBeGreaterThan(0)
    expectAnswer(res, "bitcoin", 50, all)
    expect(res.body.results[0]).toMatchObject({ dialog_id: CRYPTO, dialog_name: "Crypto News", sender_id: CRYPTO, post_author: expect.any(String) })
  })

  it("Global search across all chats", async () => {
    const res = await get(urlOf(`curl -s -H "X-Telegram-Username: $USERNAME" \\
  "http://localhost:8000/api/v3/search/messages?q=meeting"`))
    expectAnswer(res, "meeting", 50, searchAll({ q: "meeting" }))
  })

  it("Search with date range and sender filter", async () => {
    const res = await get(urlOf(`curl -s -H "X-Telegram-Username: $USERNAME" \\
  "http://localhost:8000/api/v3/search/messages/-1001234567890?q=urgent&start_date=2024-06-30&end_date=2024-01-01&from_user=123456789"`, {
      dialog: OPS,
      user: 5006
    }))
    const all = searchIn(OPS, {
      q: "urgent",
      before: T("2024-06-30 00:00:00"),
      after: T("2024-01-01 00:00:00"),
      from: "user:5006"
    })
    expect(all.total).toBeGreaterThan(3)
    expectAnswer(res, "urgent", 50, all)
  })

  it("Global search with limit", async () => {
    const res = await get(urlOf(`curl -s -H "X-Telegram-Username: $USERNAME" \\
  "http://localhost:8000/api/v3/search/messages?q=invoice&limit=100"`))
    expectAnswer(res, "invoice", 100, searchAll({ q: "invoice" }, 100))
    expect(res.body.results).toHaveLength(100)
  })
})

describe("rate limits (emulator /faults, server --flood-threshold 2)", () => {
  afterEach(async () => {
    await e2e.control("/faults", { method: "DELETE" })
  })

  it("messages.search: a FLOOD_WAIT above the threshold is a 429 with Retry-After; below it the request waits and succeeds", async () => {
    await fault("messages.Search", "FLOOD_WAIT_3")
    expectRateLimited(await inDialog(OPS, "q=invoice"), 3)
    await fault("messages.Search", "FLOOD_WAIT_1")
    expectAnswer(await inDialog(OPS, "q=invoice"), "invoice", 50, searchIn(OPS, { q: "invoice" }))
  })

  it("a FLOOD_WAIT on a later page of a long search is a 429 too", async () => {
    await e2e.control("/faults", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ method: "messages.Search", error: "FLOOD_WAIT_30", times: 1, after: 2 })
    })
    expectRateLimited(await inDialog(OPS, "q=invoice&limit=500"), 30)
  })

  it("messages.searchGlobal: the same", async () => {
    await fault("messages.SearchGlobal", "FLOOD_WAIT_3")
    expectRateLimited(await everywhere("q=meeting"), 3)
    await fault("messages.SearchGlobal", "FLOOD_WAIT_1")
    expectAnswer(await everywhere("q=meeting"), "meeting", 50, searchAll({ q: "meeting" }))
  })

  it("FLOOD_PREMIUM_WAIT counts as a rate limit too", async () => {
    await fault("messages.SearchGlobal", "FLOOD_PREMIUM_WAIT_9")
    expectRateLimited(await everywhere("q=meeting"), 9)
  })
})
