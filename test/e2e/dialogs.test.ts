/**
 * Contract sections 1 and 2 end to end: the real server, logged in by QR,
 * against the emulator holding many-dialogs.json (300+ dialogs of every
 * type, folders using every flag, Unicode titles, hidden participant
 * counts). Every parameter of /search/dialogs is checked against what
 * ScenarioOracle works out from the scenario alone; the contract's curl
 * examples run as written; Telegram economy is read from the emulator's
 * /calls; rate limits come from its /faults.
 *
 * One emulator and server serve the file (flood threshold 2 s, so a
 * FLOOD_WAIT_3 is a 429 and a FLOOD_WAIT_1 is waited out); a second pair
 * with a one-second cache TTL shows the dialog list being fetched again
 * once the TTL has passed. Tests that need a cold cache log in a session
 * of their own (the cache is per session).
 */
import * as fs from "node:fs"
import * as path from "node:path"
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest"
import { MANY_DIALOGS_ACCOUNT, SERVICE_USER_ID } from "../fixtures/many-dialogs.js"
import { type E2e, startE2e } from "../support/E2e.js"
import { projectRoot } from "../support/ServerProcess.js"
import {
  type DialogQuery,
  epoch,
  expectDialogs,
  type ExpectedHit,
  isoDate,
  marked,
  fuzzyScore,
  inFolder,
  oracleOf,
  type OracleFolder,
  type RawScenario,
  SERVICE_CHAT
} from "./ScenarioOracle.js"
import { expectRateLimited } from "../support/http.js"
import { expectCalls } from "../support/RealisticCalls.js"

const scenario = JSON.parse(fs.readFileSync(path.join(projectRoot, "test/fixtures/many-dialogs.json"), "utf8")) as RawScenario
const oracle = oracleOf(scenario, MANY_DIALOGS_ACCOUNT)
const SESSION = "morgan"

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any
interface Answer {
  readonly status: number
  readonly headers: Headers
  readonly body: Json
}

const DIALOG_FIELDS = [
  "id", "type", "title", "username", "is_creator", "is_verified", "is_archived", "message_count", "unread_count",
  "participants_count", "last_message_date", "last_message_preview", "created_date", "is_forum"
]

/** Telegram calls that are keep-alives rather than requests for data. */
const KEEPALIVE = new Set(["PingDelayDisconnect", "Ping"])

let e2e: E2e
let sessions = 0

const get = async (pathAndQuery: string, session = SESSION): Promise<Answer> => {
  const res = await e2e.api(pathAndQuery, { session })
  return { status: res.status, headers: res.headers, body: await res.json() }
}
const search = (query: string, session = SESSION) => get(`/api/v3/search/dialogs?${query}`, session)

const calls = async (): Promise<Record<string, number>> => {
  const all = await (await e2e.control("/calls")).json() as Record<string, number>
  return Object.fromEntries(Object.entries(all).filter(([name]) => !KEEPALIVE.has(name)))
}
const resetCalls = () => e2e.control("/calls/reset", { method: "POST" })
const fault = (method: string, error: string) =>
  e2e.control("/faults", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ method, error, times: 1 }) })

/** A session of its own, so its account cache starts cold. */
const freshSession = async (): Promise<string> => {
  const name = `fresh${++sessions}`
  await e2e.login(name, MANY_DIALOGS_ACCOUNT)
  return name
}

/**
 * messages.getDialogs requests for the whole list: the main list and the
 * archive, 100 a page. A folder that fits one page comes whole
 * (messages.dialogs); a longer one is read until a page brings nothing new,
 * which costs one page more than its dialogs fill.
 */
const dialogPages = () => {
  const listedAll = oracle.allDialogs.filter((d) => d.messages.length > 0)
  const pages = (n: number) => (n <= 100 ? 1 : Math.ceil(n / 100) + 1)
  return pages(listedAll.filter((d) => !d.isArchived).length) + pages(listedAll.filter((d) => d.isArchived).length)
}

/** The contract's dialog object for an expected hit; a hidden participant count may be null when nothing asked for it. */
const viewOf = (hit: ExpectedHit, actual: Json, participantsAsked: boolean) => {
  const d = hit.dialog
  return {
    id: d.id,
    type: d.type,
    title: d.title,
    username: d.username,
    is_creator: d.isCreator,
    is_verified: d.isVerified,
    is_archived: d.isArchived,
    message_count: d.messages.length,
    unread_count: d.unreadCount,
    participants_count: d.participantsHidden && !participantsAsked && actual?.participants_count === null ? null : d.participants,
    last_message_date: d.lastMessageDate === null ? null : isoDate(d.lastMessageDate),
    last_message_preview: d.lastMessagePreview,
    created_date: d.createdDate === null ? null : isoDate(d.createdDate),
    is_forum: d.isForum,
    ...(hit.score === null ? {} : { score: expect.closeTo(hit.score, 12) })
  }
}

const ids = (body: Json): Array<number> => body.results.map((r: { id: number }) => r.id)

/** One request with limit 500 (everything): the order, total and every field as the oracle says. */
const expectSearch = async (query: string, expected: DialogQuery, session = SESSION) => {
  const want = expectDialogs(oracle, expected)
  const res = await search(`${query}${query === "" ? "" : "&"}limit=500`, session)
  expect(res.status, JSON.stringify(res.body)).toBe(200)
  expect(ids(res.body)).toEqual(want.map((h) => h.dialog.id))
  expect(res.body.total).toBe(want.length)
  const asked = expected.minParticipants !== undefined || expected.maxParticipants !== undefined || expected.sort === "participants"
  expect(res.body.results).toEqual(want.map((h, i) => viewOf(h, res.body.results[i], asked)))
  return want
}

const T = (text: string) => epoch(text)

beforeAll(async () => {
  e2e = await startE2e({ scenario, serverArgs: ["--flood-threshold", "2", "--dialog-cache-ttl", "600"] })
  await e2e.login(SESSION, MANY_DIALOGS_ACCOUNT)
})
afterAll(async () => {
  await e2e?.stop()
})

describe("the scenario covers what the search must handle", () => {
  it("has 300+ dialogs of every type, archived, pinned, muted and unread ones, hidden counts and Unicode titles", () => {
    const all = oracle.listed
    expect(all.length).toBeGreaterThan(300)
    for (const type of ["user", "bot", "saved", "group", "supergroup", "channel"]) {
      expect(all.some((d) => d.type === type), type).toBe(true)
    }
    expect(all.filter((d) => d.isArchived).length).toBeGreaterThan(10)
    expect(all.filter((d) => d.isPinned).length).toBeGreaterThan(2)
    expect(all.some((d) => d.isMuted) && all.some((d) => d.unreadCount > 0)).toBe(true)
    expect(all.some((d) => d.participantsHidden && d.type === "channel")).toBe(true)
    expect(all.some((d) => (d.participants ?? 0) > 1_000_000)).toBe(true)
    expect(all.some((d) => /\p{Extended_Pictographic}/u.test(d.title))).toBe(true)
    expect(all.some((d) => /\p{Script=Han}/u.test(d.title)) && all.some((d) => /[éèëøåü]/i.test(d.title))).toBe(true)
    expect(oracle.allDialogs.some((d) => d.id === SERVICE_CHAT && d.messages.length > 0)).toBe(true)
    expect(Math.max(...all.map((d) => d.messages.length))).toBeGreaterThan(500)
  })
})

describe("GET /api/v3/search/dialogs", () => {
  it("defaults: every listed dialog, newest last message first, 50 a page, marked ids; never 777000", async () => {
    const res = await search("")
    expect(res.status).toBe(200)
    const want = expectDialogs(oracle, {})
    expect(res.body).toMatchObject({ total: want.length, offset: 0, limit: 50 })
    expect(ids(res.body)).toEqual(want.slice(0, 50).map((h) => h.dialog.id))
    for (const r of res.body.results) expect(Object.keys(r).sort()).toEqual([...DIALOG_FIELDS].sort())
    const everything = await expectSearch("", {})
    expect(everything.some((h) => h.dialog.id === SERVICE_USER_ID)).toBe(false)
    const found = new Set(everything.map((h) => h.dialog.id))
    expect(found.has(SERVICE_CHAT)).toBe(false)
    // Marked ids: a basic group is -id, a channel -(10^12 + id).
    expect(found.has(marked("chat:6003"))).toBe(true)
    expect(found.has(-1000000007001)).toBe(true)
    expect(found.has(-1000000008100)).toBe(true)
  })

  it("the service chat stays hidden whatever the filters: by title, type, folder", async () => {
    for (const query of ["q=Telegram&min_score=0", "type=user&limit=500", "is_verified=true&limit=500", "folder=Strangers&limit=500"]) {
      const res = await search(query)
      expect(res.status).toBe(200)
      expect(ids(res.body)).not.toContain(SERVICE_CHAT)
    }
  })

  describe("q / query, match, min_score and score", () => {
    const cases: Array<[string, DialogQuery]> = [
      ["q=crypto", { q: "crypto" }],
      ["query=crypto", { q: "crypto" }],
      ["q=crypto&query=crypto", { q: "crypto" }],
      ["q=news&match=exact", { q: "news", match: "exact" }],
      ["q=news&match=exact&min_score=0.99", { q: "news", match: "exact", minScore: 0.99 }],
      ["q=news&match=fuzzy&min_score=0.6", { q: "news", minScore: 0.6 }],
      ["q=Rust%20Dvs&min_score=0.7", { q: "Rust Dvs", minScore: 0.7 }],
      ["q=cafe", { q: "cafe" }],
      ["q=CAFÉ&match=exact", { q: "CAFÉ", match: "exact" }],
      ["q=%E6%9D%B1%E4%BA%AC", { q: "東京" }],
      ["q=%D0%9B%D0%98%D0%9D%D0%A3%D0%9A%D0%A1", { q: "ЛИНУКС" }],
      ["q=%F0%9F%93%9A&match=exact", { q: "📚", match: "exact" }],
      ["q=zoe&min_score=0.5", { q: "zoe", minScore: 0.5 }],
      ["q=istanbul&match=exact", { q: "istanbul", match: "exact" }],
      ["q=bot&min_score=0", { q: "bot", minScore: 0 }],
      ["q=news&min_score=0.7&sort=title&order=asc", { q: "news", minScore: 0.7, sort: "title", order: "asc" }],
      ["q=%20&sort=title", { sort: "title" }]
    ]
    for (const [query, expected] of cases) {
      it(query, async () => {
        const want = await expectSearch(query, expected)
        if (expected.q !== undefined && expected.minScore !== 0) expect(want.length).toBeGreaterThan(0)
      })
    }

    it("the scores follow the formula: a substring 0.8 + 0.2 * len(q)/len(title), otherwise the difflib ratio", async () => {
      const res = await search("q=crypto&limit=500")
      const news = res.body.results.find((r: { title: string }) => r.title === "Crypto News")
      expect(news.score).toBeCloseTo(0.8 + 0.2 * 6 / 11, 12)
      const typo = await search("q=Crypto%20Nwes&min_score=0.5")
      const first = typo.body.results[0]
      expect(first.title).toBe("Crypto News")
      // "crypto n" + "w" + "s" match: 10 of 11 + 11 characters.
      expect(first.score).toBeCloseTo(2 * 10 / 22, 12)
      expect(first.score).toBeCloseTo(fuzzyScore("Crypto Nwes", "Crypto News"), 12)
    })

    it("400 for two different queries or a score out of range", async () => {
      for (const query of ["q=a&query=b", "q=a&min_score=1.5", "q=a&min_score=x", "q=a&match=regex"]) {
        const res = await search(query)
        expect(res.status, query).toBe(400)
        expect(typeof res.body.detail).toBe("string")
      }
    })
  })

  describe("type", () => {
    const cases: Array<[string, ReadonlyArray<string>]> = [
      ["type=user", ["user"]],
      ["type=bot", ["bot"]],
      ["type=saved", ["saved"]],
      ["type=me", ["me"]],
      ["type=group", ["group"]],
      ["type=supergroup", ["supergroup"]],
      ["type=channel", ["channel"]],
      ["type=group&type=supergroup", ["group", "supergroup"]],
      ["type=me&type=bot&type=channel", ["me", "bot", "channel"]],
      ["type=forum&type=group", ["forum", "group"]]
    ]
    for (const [query, types] of cases) {
      it(query, async () => {
        const want = await expectSearch(query, { types })
        expect(want.length).toBeGreaterThan(0)
      })
    }

    it("400 for an unknown type", async () => {
      const res = await search("type=robot")
      expect(res.status).toBe(400)
      expect(res.body.detail).toMatch(/user, group, supergroup, channel, bot, saved, me/)
    })
  })

  describe("folder", () => {
    const cases: Array<[string, string]> = [
      ["0", "0"],
      ["All%20Chats", "All Chats"],
      ["2", "2"],
      ["unread", "unread"],
      ["3", "3"],
      ["GROUPS%20%F0%9F%91%A5", "GROUPS 👥"],
      ["Channels", "Channels"],
      ["5", "5"],
      ["6", "6"],
      ["strangers", "strangers"],
      ["%D0%BA%D0%BE%D0%BD%D1%82%D0%B0%D0%BA%D1%82%D1%8B", "контакты"],
      ["9", "9"],
      ["Shared%20News", "Shared News"]
    ]
    for (const [param, folder] of cases) {
      it(`folder=${folder}`, async () => {
        const want = await expectSearch(`folder=${param}`, { folder })
        expect(want.length).toBeGreaterThan(0)
      })
    }

    it("(the scenario's folders exercise every rule: turning any one off changes some folder)", () => {
      const members = (folder: OracleFolder) => oracle.listed.filter((d) => inFolder(folder, d)).map((d) => d.id)
      const changes = (off: (f: OracleFolder) => OracleFolder | null) =>
        oracle.folders.some((f) => {
          const variant = off(f)
          return variant !== null && JSON.stringify(members(variant)) !== JSON.stringify(members(f))
        })
      const flags = ["contacts", "nonContacts", "groups", "broadcasts", "bots", "excludeMuted", "excludeRead", "excludeArchived"] as const
      for (const flag of flags) {
        expect(changes((f) => (f.flags[flag] ? { ...f, flags: { ...f.flags, [flag]: false } } : null)), flag).toBe(true)
      }
      for (const list of ["include", "exclude", "pinned"] as const) {
        expect(changes((f) => (f[list].length > 0 ? { ...f, [list]: [] } : null)), list).toBe(true)
      }
      expect(oracle.folders.some((f) => f.chatlist)).toBe(true)
    })

    it("404 for an unknown folder id or name", async () => {
      for (const folder of ["99", "Nope", "1"]) {
        const res = await search(`folder=${folder}`)
        expect(res.status, folder).toBe(404)
        expect(res.body.detail).toMatch(/not found/)
      }
    })
  })

  describe("filters", () => {
    const last = oracle.listed.map((d) => d.lastMessageDate!).sort((a, b) => a - b)
    const edge = last[Math.floor(last.length / 2)]!
    const edgeText = new Date(edge * 1000).toISOString().slice(0, 19).replace("T", "%20")
    const cases: Array<[string, DialogQuery]> = [
      ["is_archived=true", { isArchived: true }],
      ["is_archived=false", { isArchived: false }],
      ["min_messages=3", { minMessages: 3 }],
      ["max_messages=1", { maxMessages: 1 }],
      ["min_messages=2&max_messages=3&type=user", { minMessages: 2, maxMessages: 3, types: ["user"] }],
      ["min_messages=100", { minMessages: 100 }],
      ["min_participants=100000", { minParticipants: 100000 }],
      ["max_participants=4", { maxParticipants: 4 }],
      ["min_participants=100&max_participants=5000&type=supergroup", { minParticipants: 100, maxParticipants: 5000, types: ["supergroup"] }],
      ["type=channel&min_participants=1000", { types: ["channel"], minParticipants: 1000 }],
      ["last_message_after=2023-03-01", { lastMessageAfter: T("2023-03-01 00:00:00") }],
      ["last_message_before=2023-03-01", { lastMessageBefore: T("2023-03-01 00:00:00") }],
      ["last_message_after=2023-02-01%2012:00:00&last_message_before=2023-04-01", {
        lastMessageAfter: T("2023-02-01 12:00:00"),
        lastMessageBefore: T("2023-04-01 00:00:00")
      }],
      [`last_message_after=${edgeText}`, { lastMessageAfter: edge }],
      [`last_message_before=${edgeText}`, { lastMessageBefore: edge }],
      ["last_message_after=2024-01-01T00:00:00Z", { lastMessageAfter: T("2024-01-01 00:00:00") }],
      ["created_after=2020-01-01", { createdAfter: T("2020-01-01 00:00:00") }],
      ["created_before=2019-06-01", { createdBefore: T("2019-06-01 00:00:00") }],
      ["created_after=2019-03-01&created_before=2020-06-01%2012:00:00", {
        createdAfter: T("2019-03-01 00:00:00"),
        createdBefore: T("2020-06-01 12:00:00")
      }],
      ["is_creator=true", { isCreator: true }],
      ["is_creator=false", { isCreator: false }],
      ["has_username=true", { hasUsername: true }],
      ["has_username=false", { hasUsername: false }],
      ["is_verified=true", { isVerified: true }],
      ["is_verified=false", { isVerified: false }],
      ["type=channel&folder=Channels&is_archived=false&has_username=true&sort=participants", {
        types: ["channel"],
        folder: "Channels",
        isArchived: false,
        hasUsername: true,
        sort: "participants"
      }],
      ["q=news&type=channel&is_verified=false&min_score=0.7&sort=messages&order=asc", {
        q: "news",
        types: ["channel"],
        isVerified: false,
        minScore: 0.7,
        sort: "messages",
        order: "asc"
      }]
    ]
    for (const [query, expected] of cases) {
      it(query, async () => {
        const want = await expectSearch(query, expected)
        expect(want.length).toBeGreaterThan(0)
      })
    }

    it("creator, username and verified filters pick every kind that has them", () => {
      const kinds = (q: DialogQuery) => new Set(expectDialogs(oracle, q).map((h) => h.dialog.type))
      expect([...kinds({ isCreator: true })]).toEqual(expect.arrayContaining(["group", "channel", "supergroup"]))
      expect([...kinds({ hasUsername: true })]).toEqual(expect.arrayContaining(["user", "bot", "saved", "channel", "supergroup"]))
      expect([...kinds({ isVerified: true })]).toEqual(expect.arrayContaining(["user", "channel"]))
    })

    it("400 for a bad date, a negative count or a non-boolean", async () => {
      for (const query of ["last_message_after=01/02/2024", "created_before=2024-13-01", "min_messages=-1", "is_creator=maybe"]) {
        const res = await search(query)
        expect(res.status, query).toBe(400)
        expect(typeof res.body.detail).toBe("string")
      }
      expect((await search("last_message_after=yesterday")).body.detail).toMatch(/Invalid date format/)
    })
  })

  describe("sort and order", () => {
    for (const sort of ["last_message", "messages", "title", "participants", "unread"] as const) {
      for (const order of ["desc", "asc"] as const) {
        it(`sort=${sort}&order=${order}`, async () => {
          await expectSearch(`sort=${sort}&order=${order}`, { sort, order })
        })
      }
    }
    it("order defaults to desc and sort to last_message", async () => {
      const a = await search("limit=500")
      const b = await search("sort=last_message&order=desc&limit=500")
      expect(ids(a.body)).toEqual(ids(b.body))
    })
  })

  describe("limit and offset", () => {
    it("pages of 7 add up to the whole list, each with the same total", async () => {
      const want = expectDialogs(oracle, { sort: "title", order: "asc" }).map((h) => h.dialog.id)
      const seen: Array<number> = []
      for (let offset = 0; offset < want.length; offset += 7) {
        const res = await search(`sort=title&order=asc&limit=7&offset=${offset}`)
        expect(res.body).toMatchObject({ total: want.length, offset, limit: 7 })
        expect(res.body.results.length).toBe(Math.min(7, want.length - offset))
        seen.push(...ids(res.body))
      }
      expect(seen).toEqual(want)
    })

    it("an offset past the end answers no results and the total", async () => {
      const res = await search("type=bot&offset=1000")
      expect(res.body).toEqual({ total: expectDialogs(oracle, { types: ["bot"] }).length, offset: 1000, limit: 50, results: [] })
    })

    it("limit 1 and 500 are accepted; 0, 501 and a negative offset are not", async () => {
      expect((await search("limit=1")).body.results).toHaveLength(1)
      expect((await search("limit=500")).body.results).toHaveLength(oracle.listed.length)
      for (const query of ["limit=0", "limit=501", "offset=-1", "limit=ten"]) {
        const res = await search(query)
        expect(res.status, query).toBe(400)
      }
    })
  })
})

describe("the contract's curl examples (sections 1 and 2), run as written", () => {
  /** The URL of a curl command, pointed at the test server. */
  const urlOf = (curl: string) => /"http:\/\/localhost:8000([^"]+)"/.exec(curl)![1]!

  const shape = (body: Json) => {
    expect(Object.keys(body).sort()).toEqual(["limit", "offset", "results", "total"])
    for (const r of body.results) {
      for (const field of DIALOG_FIELDS) expect(r, field).toHaveProperty(field)
      if (r.last_message_date !== null) expect(r.last_message_date).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00$/)
      if (r.created_date !== null) expect(r.created_date).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00$/)
    }
  }

  it("Verify authentication: ?limit=3", async () => {
    const res = await get(urlOf(`curl -s -H "X-Telegram-Username: SESSION_NAME" \\
  "http://localhost:8000/api/v3/search/dialogs?limit=3"`))
    expect(res.status).toBe(200)
    shape(res.body)
    expect(res.body.results).toHaveLength(3)
  })

  it("Fuzzy search channels", async () => {
    const res = await get(urlOf(`curl -s -H "X-Telegram-Username: $USERNAME" \\
  "http://localhost:8000/api/v3/search/dialogs?q=crypto&type=channel&min_score=0.6"`))
    expect(res.status).toBe(200)
    shape(res.body)
    expect(res.body.results.length).toBeGreaterThan(0)
    expect(res.body.results.every((r: Json) => r.type === "channel" && r.score >= 0.6)).toBe(true)
    expect(ids(res.body)).toEqual(expectDialogs(oracle, { q: "crypto", types: ["channel"], minScore: 0.6 }).slice(0, 50).map((h) => h.dialog.id))
    expect(res.body.results[0]).toMatchObject({ title: "Crypto News", type: "channel", id: -1000000007015 })
  })

  it("Groups + supergroups sorted by participants", async () => {
    const res = await get(urlOf(`curl -s -H "X-Telegram-Username: $USERNAME" \\
  "http://localhost:8000/api/v3/search/dialogs?type=group&type=supergroup&sort=participants&order=desc"`))
    expect(res.status).toBe(200)
    shape(res.body)
    const want = expectDialogs(oracle, { types: ["group", "supergroup"], sort: "participants", order: "desc" })
    expect(res.body.total).toBe(want.length)
    expect(ids(res.body)).toEqual(want.slice(0, 50).map((h) => h.dialog.id))
    const counts = res.body.results.map((r: Json) => r.participants_count)
    expect(counts).toEqual([...counts].sort((a: number, b: number) => b - a))
  })

  it("Saved Messages", async () => {
    const res = await get(urlOf(`curl -s -H "X-Telegram-Username: $USERNAME" \\
  "http://localhost:8000/api/v3/search/dialogs?type=saved"`))
    expect(res.status).toBe(200)
    shape(res.body)
    const saved = oracle.dialog(`user:${MANY_DIALOGS_ACCOUNT}`)
    expect(res.body).toEqual({
      total: 1,
      offset: 0,
      limit: 50,
      results: [viewOf({ dialog: saved, score: null }, null, false)]
    })
  })

  it("List Folders", async () => {
    const res = await get(urlOf(`curl -s -H "X-Telegram-Username: $USERNAME" \\
  "http://localhost:8000/api/v3/folders"`))
    expect(res.status).toBe(200)
    expect(res.body).toEqual([
      { id: 0, title: "All Chats", is_default: true },
      ...oracle.folders.map((f) => ({ id: f.id, title: f.title, is_default: false }))
    ])
  })
})

describe("errors shared by the dialog routes", () => {
  it("401 without the session header or for an unknown session", async () => {
    const bare = await e2e.api("/api/v3/search/dialogs")
    expect(bare.status).toBe(401)
    expect(await bare.json()).toEqual({ detail: expect.any(String) })
    const unknown = await get("/api/v3/folders", "nobody")
    expect(unknown.status).toBe(401)
  })
})

describe("Telegram economy (emulator /calls)", () => {
  const channels = () => oracle.listed.filter((d) => d.type === "channel")

  it("counts only for the dialogs that survive the other filters, then a repeated search makes no call at all", async () => {
    const session = await freshSession()
    await resetCalls()
    const first = await search("type=channel&min_messages=2&limit=5", session)
    expect(first.status).toBe(200)
    expect(first.body.total).toBe(expectDialogs(oracle, { types: ["channel"], minMessages: 2 }).length)
    const made = await calls()
    expect(made["messages.GetDialogs"]).toBe(dialogPages())
    // One count per broadcast channel: not one per dialog of the account.
    expectCalls("messages.GetHistory", made["messages.GetHistory"], channels().length)
    expect(channels().length).toBeLessThan(oracle.listed.length / 4)
    expect(made["channels.GetFullChannel"]).toBeUndefined()
    expect(made["messages.GetDialogFilters"]).toBeUndefined()

    await resetCalls()
    const again = await search("type=channel&min_messages=2&limit=5", session)
    expect(again.body).toEqual(first.body)
    expect(await calls()).toEqual({})

    // Another search over the same survivors, inside the TTL: still nothing.
    await resetCalls()
    const sorted = await search("type=channel&sort=messages&order=asc&limit=3", session)
    expect(ids(sorted.body)).toEqual(expectDialogs(oracle, { types: ["channel"], sort: "messages", order: "asc" }).slice(0, 3).map((h) => h.dialog.id))
    expect(await calls()).toEqual({})
  })

  it("searches arriving together on a cold cache share one fetch of the dialog list and of each count", async () => {
    const session = await freshSession()
    await resetCalls()
    const answers = await Promise.all([
      search("type=channel&sort=messages", session),
      search("type=channel&min_messages=1&limit=3", session),
      search("type=channel&order=asc&limit=500", session)
    ])
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200])
    const made = await calls()
    expect(made["messages.GetDialogs"]).toBe(dialogPages())
    expectCalls("messages.GetHistory", made["messages.GetHistory"], channels().length)
  })

  it("without a count filter or sort, counts are fetched for the returned page only", async () => {
    const session = await freshSession()
    await resetCalls()
    const res = await search("type=supergroup&limit=3", session)
    expect(res.body.results).toHaveLength(3)
    expect(res.body.results.every((r: Json) => typeof r.message_count === "number")).toBe(true)
    expectCalls("messages.GetHistory", (await calls())["messages.GetHistory"], 3)
  })

  it("full-chat info only for survivors whose entity hides the participant count, once", async () => {
    const session = await freshSession()
    const hidden = oracle.listed.filter((d) => d.participantsHidden)
    const hiddenChannels = hidden.filter((d) => d.type === "channel")
    expect(hiddenChannels.length).toBeGreaterThan(1)
    await resetCalls()
    await expectSearch("type=channel&sort=participants", { types: ["channel"], sort: "participants" }, session)
    expect((await calls())["channels.GetFullChannel"]).toBe(hiddenChannels.length)

    await resetCalls()
    await expectSearch("type=channel&sort=participants&order=asc", { types: ["channel"], sort: "participants", order: "asc" }, session)
    expect(await calls()).toEqual({})

    // Basic groups carry their count in the entity: no messages.getFullChat.
    await resetCalls()
    await expectSearch("type=group&min_participants=4", { types: ["group"], minParticipants: 4 }, session)
    const made = await calls()
    expect(made["messages.GetFullChat"]).toBeUndefined()
    expect(made["channels.GetFullChannel"]).toBeUndefined()
  })

  it("the folder list is fetched once and reused; folder 0 needs none", async () => {
    const session = await freshSession()
    await search("limit=1", session)
    await resetCalls()
    expect((await search("folder=0&limit=1", session)).status).toBe(200)
    expect((await calls())["messages.GetDialogFilters"]).toBeUndefined()
    await search("folder=Channels&limit=1", session)
    expect((await calls())["messages.GetDialogFilters"]).toBe(1)
    await resetCalls()
    await search("folder=Bots%20%F0%9F%A4%96&limit=1", session)
    await get("/api/v3/folders", session)
    expect((await calls())["messages.GetDialogFilters"]).toBeUndefined()
  })
})

describe("rate limits (emulator /faults, server --flood-threshold 2)", () => {
  afterEach(async () => {
    await e2e.control("/faults", { method: "DELETE" })
  })

  it("a FLOOD_WAIT above the threshold on messages.getDialogs is a 429; the next request succeeds", async () => {
    const session = await freshSession()
    await fault("messages.GetDialogs", "FLOOD_WAIT_3")
    expectRateLimited(await search("limit=1", session), 3)
    const ok = await search("limit=1", session)
    expect(ok.status).toBe(200)
    expect(ok.body.total).toBe(oracle.listed.length)
  })

  it("a FLOOD_WAIT at or below the threshold on messages.getDialogs is waited out", async () => {
    const session = await freshSession()
    await resetCalls()
    await fault("messages.GetDialogs", "FLOOD_WAIT_1")
    const res = await search("type=bot", session)
    expect(res.status).toBe(200)
    expect(res.body.total).toBe(expectDialogs(oracle, { types: ["bot"] }).length)
    expect((await calls())["messages.GetDialogs"]).toBe(dialogPages() + 1)
  })

  it("a FLOOD_WAIT on a later page of the dialog list is waited out and the list is still whole", async () => {
    const session = await freshSession()
    await e2e.control("/faults", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ method: "messages.GetDialogs", error: "FLOOD_WAIT_1", times: 1, after: 2 })
    })
    await expectSearch("sort=title", { sort: "title" }, session)
  })

  it("on the message counts (messages.getHistory): 429 above the threshold, waited out below", async () => {
    const session = await freshSession()
    await search("limit=1", session)
    await fault("messages.GetHistory", "FLOOD_WAIT_3")
    expectRateLimited(await search("type=bot&sort=messages", session), 3)
    await fault("messages.GetHistory", "FLOOD_WAIT_1")
    const res = await search("type=bot&sort=messages&limit=500", session)
    expect(res.status).toBe(200)
    expect(ids(res.body)).toEqual(expectDialogs(oracle, { types: ["bot"], sort: "messages" }).map((h) => h.dialog.id))
  })

  it("on full-chat info (channels.getFullChannel) and on the folder list (messages.getDialogFilters)", async () => {
    const session = await freshSession()
    await fault("channels.GetFullChannel", "FLOOD_WAIT_5")
    expectRateLimited(await search("type=channel&min_participants=1", session), 5)
    await fault("messages.GetDialogFilters", "FLOOD_WAIT_4")
    expectRateLimited(await get("/api/v3/folders", session), 4)
    await fault("messages.GetDialogFilters", "FLOOD_WAIT_1")
    const folders = await get("/api/v3/folders", session)
    expect(folders.status).toBe(200)
    expect(folders.body).toHaveLength(oracle.folders.length + 1)
  })
})

describe("the cache TTL (a server with --dialog-cache-ttl 1)", () => {
  let short: E2e
  beforeAll(async () => {
    short = await startE2e({ scenario, serverArgs: ["--dialog-cache-ttl", "1"] })
    await short.login(SESSION, MANY_DIALOGS_ACCOUNT)
  })
  afterAll(async () => {
    await short?.stop()
  })

  it("fetches the dialog list and the counts again once the TTL has passed", async () => {
    const run = async () => {
      await short.control("/calls/reset", { method: "POST" })
      const res = await short.api("/api/v3/search/dialogs?type=channel&min_messages=2", { session: SESSION })
      expect(res.status).toBe(200)
      return await (await short.control("/calls")).json() as Record<string, number>
    }
    const first = await run()
    expect(first["messages.GetDialogs"]).toBe(dialogPages())
    expectCalls("messages.GetHistory", first["messages.GetHistory"], channels().length)
    await new Promise((resolve) => setTimeout(resolve, 1_500))
    const later = await run()
    expect(later["messages.GetDialogs"]).toBe(dialogPages())
    expectCalls("messages.GetHistory", later["messages.GetHistory"], channels().length)
  })

  const channels = () => oracle.listed.filter((d) => d.type === "channel")
})
