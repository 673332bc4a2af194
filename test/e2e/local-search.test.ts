/**
 * Message search over the local cache (`source=cache|auto`) end to end: the
 * real server against the emulator holding the sample world plus a "Search
 * Lab" supergroup whose messages all say "zephyr" (one per filter) and a
 * "Search Annex" channel. A cache search finds only what a history request
 * cached first, says which parts of the range it holds (coverage, gaps),
 * keeps each account's cache its own, and `auto` asks Telegram only for the
 * gaps (read from the emulator's /calls). Queries are plain words, so the
 * assertions hold whatever the query language adds.
 */
import * as fs from "node:fs"
import * as path from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { type E2e, startE2e } from "../support/E2e.js"
import { projectRoot } from "../support/ServerProcess.js"
import { DETAIL_KEYS, expectedDetails } from "./DetailsOracle.js"
import { parseScenario } from "../emulator/Scenario.js"

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any

const LAB = -1000000003020
const ANNEX = -1000000003021
const RUST = -1000000003002
const CRYPTO = -1000000003001
const BOB_CHAT = 1002
const ALICE_CHAT = 1001

const scenario = (() => {
  const s = JSON.parse(fs.readFileSync(path.join(projectRoot, "test/fixtures/sample.json"), "utf8")) as Json
  s.channels.push(
    { id: 3020, title: "Search Lab", megagroup: true, creator: 1001, participants_count: 3, date: "2023-01-01 00:00:00" },
    { id: 3021, title: "Search Annex", megagroup: false, creator: 1004, participants_count: 9, date: "2023-01-01 00:00:00" }
  )
  const alice = s.accounts.find((a: Json) => a.user === 1001)
  alice.dialogs.push({ peer: "channel:3020" }, { peer: "channel:3021" })
  alice.folders.push({ id: 9, title: "Lab", include_peers: ["channel:3020"], exclude_peers: [], pinned_peers: [] })
  const lab = (id: number, minute: string, from: string, text: string, media?: Json) => ({
    peer: "channel:3020", id, date: `2024-03-01 10:${minute}:00`, from, text, ...(media === undefined ? {} : { media })
  })
  s.messages.push(
    lab(1, "00", "user:1002", "zephyr plain words from bob"),
    lab(2, "01", "user:1003", "zephyr photo from carol", { type: "photo", size: 1000 }),
    lab(3, "02", "user:1002", "zephyr link https://example.org/z"),
    lab(4, "03", "user:1003", "zephyr document attached", {
      type: "document", kind: "file", file_name: "notes.txt", mime_type: "text/plain", size: 500
    }),
    lab(5, "04", "user:1001", "zephyr voice note", { type: "document", kind: "voice", size: 1800, duration: 3 }),
    lab(6, "05", "user:1002", "zephyr preview", { type: "webpage", url: "https://example.net/p", title: "P", description: "D" }),
    { peer: "channel:3021", id: 1, date: "2024-03-02 09:00:00", text: "zephyr annex bulletin" }
  )
  return s
})()

const RESULT_FIELDS = [
  "message_id", "dialog_id", "dialog_name", "date", "edit_date", "sender_id", "first_name", "last_name", "username",
  "message", "reply_to", "post_author", "is_forwarded", "forwarded_from_channel_id",
  "dialog_title", "snippet", "origin", "media_type", "media_uuid", "media_category", ...DETAIL_KEYS
].sort()

let e2e: E2e

const get = async (target: string, session = "alice") => {
  const res = await e2e.api(target, { session })
  return { status: res.status, headers: res.headers, body: (await res.json()) as Json }
}
const cache = (query: string, session = "alice") => get(`/api/v3/search/messages?source=cache&${query}`, session)
const cacheIn = (dialogId: number, query: string, session = "alice") =>
  get(`/api/v3/search/messages/${dialogId}?source=cache&${query}`, session)
/** Streams a dialog's history (so the cache holds it), `query` its range. */
const stream = async (dialogId: number, query = "", session = "alice") => {
  const res = await e2e.api(`/api/v3/history/${dialogId}?${query}`, { session })
  const text = await res.text()
  expect(res.status, text).toBe(200)
  expect(text).not.toContain("event: error")
}
const calls = async (): Promise<Record<string, number>> => (await e2e.control("/calls")).json() as Promise<Record<string, number>>
const resetCalls = () => e2e.control("/calls/reset", { method: "POST" })
const ids = (body: Json) => body.results.map((r: Json) => r.message_id)
const keys = (body: Json) => body.results.map((r: Json) => `${r.dialog_id}:${r.message_id}:${r.origin}`)
const range = (start: string, end: string) => ({ start_date: start, end_date: end })

beforeAll(async () => {
  // Exact Telegram even in a TGSC_E2E_REALISM run: the assertions name every message a history or search returns.
  e2e = await startE2e({ scenario, realism: {} })
  await e2e.login("alice", 1001)
  await e2e.login("bob", 1002, { password: "hunter2" })
}, 60_000)
afterAll(async () => {
  await e2e?.stop()
})

describe("bad requests: a 400 or 404 with a detail, never a 500", () => {
  const cases: Array<[string, number, RegExp]> = [
    ["/api/v3/search/messages?q=x&source=bogus", 400, /'source': must be one of telegram, cache, auto/],
    ["/api/v3/search/messages?q=x&source=cache&sort=bogus", 400, /'sort': must be one of relevance, date/],
    ["/api/v3/search/messages?q=x&source=cache&media_type=pics", 400, /'media_type': must be one of photos, videos, voice_messages/],
    ["/api/v3/search/messages?q=x&source=cache&has_media=maybe", 400, /'has_media': must be true or false/],
    ["/api/v3/search/messages?q=x&source=auto&has_link=2", 400, /'has_link': must be true or false/],
    ["/api/v3/search/messages?q=x&source=cache&ensure=perhaps", 400, /'ensure': must be true or false/],
    ["/api/v3/search/messages?q=x&source=cache&offset=10001", 400, /'offset': must be an integer between 0 and 10000/],
    ["/api/v3/search/messages?q=x&source=cache&dialog_id=abc", 400, /'dialog_id'/],
    ["/api/v3/search/messages?q=x&source=cache&sender_id=abc", 400, /'sender_id'/],
    ["/api/v3/search/messages?source=cache&q=%20%20", 400, /'q': is required/],
    ["/api/v3/search/messages?source=cache", 400, /'q': is required/],
    [`/api/v3/search/messages?source=cache&q=${"a".repeat(257)}`, 400, /'q': must be at most 256 characters/],
    ["/api/v3/search/messages?source=cache&q=x&start_date=2024-01-01&end_date=2024-02-01", 400, /end_date must be earlier/],
    [`/api/v3/search/messages/${RUST}?source=cache&q=x&sender_id=1002&from_user=1003`, 400, /either 'sender_id' or 'from_user'/],
    ["/api/v3/search/messages/424242?source=cache&q=x", 404, /Dialog 424242 not found/],
    ["/api/v3/search/messages?source=auto&q=x&dialog_id=424242", 404, /Dialog 424242 not found/],
    ["/api/v3/search/messages?source=cache&q=x&dialog_id=777000", 404, /Dialog 777000 not found/]
  ]
  for (const [target, status, detail] of cases) {
    it(`${target.slice(0, 110)} -> ${status}`, async () => {
      const res = await get(target)
      expect(res.status, JSON.stringify(res.body)).toBe(status)
      expect(Object.keys(res.body)).toEqual(["detail"])
      expect(res.body.detail).toMatch(detail)
    })
  }

  const cacheOnly = ["sender_id=1002", "has_media=true", "media_type=photos", "has_link=false", "folder=Work", "dialog_id=1002", "offset=5",
    "sort=date", "ensure=false"]
  for (const param of cacheOnly) {
    it(`${param} with Telegram's search (the default, or source=telegram) is a 400`, async () => {
      const name = param.split("=")[0]!
      for (const source of ["", "&source=telegram"]) {
        const res = await get(`/api/v3/search/messages?q=x${source}&${param}`)
        expect(res.status).toBe(400)
        expect(res.body.detail).toBe(`Parameter '${name}' needs source=cache or source=auto ` +
          "(Telegram's own search, source=telegram, the default, has no such filter)")
      }
    })
  }

  it("an unknown folder: dialog search's 404 and detail", async () => {
    const dialogs = await get("/api/v3/search/dialogs?folder=Nope")
    const res = await cache("q=zephyr&folder=Nope")
    expect(dialogs.status).toBe(404)
    expect(res).toMatchObject({ status: 404, body: dialogs.body })
  })
})

describe("source=telegram is Telegram's search, unchanged", () => {
  it("the contract's answer, the same with source=telegram as without", async () => {
    const plain = await get("/api/v3/search/messages?q=bitcoin")
    expect(plain.status).toBe(200)
    expect(Object.keys(plain.body).sort()).toEqual(["limit", "query", "results", "total"])
    expect(plain.body.results.map((r: Json) => [r.dialog_id, r.message_id])).toContainEqual([CRYPTO, 1])
    expect((await get("/api/v3/search/messages?q=bitcoin&source=telegram")).body).toEqual(plain.body)
    const inDialog = await get(`/api/v3/search/messages/${CRYPTO}?q=bitcoin&source=telegram`)
    expect(Object.keys(inDialog.body).sort()).toEqual(["limit", "query", "results", "total"])
  })
})

describe("a partly cached dialog: coverage, gaps, auto and ensure", () => {
  // Rust Devs, 2024-02-01: #10 10:00 "Welcome...", #11 10:05 "How do lifetimes work?", #12 10:07 "See this talk", ... #15 10:10.
  const DAY = "end_date=2024-02-01&start_date=2024-02-02"
  const covered = [range("2024-02-01 10:04:00", "2024-02-01 10:09:30")]
  const gaps = [range("2024-02-01 00:00:00", "2024-02-01 10:04:00"), range("2024-02-01 10:09:30", "2024-02-02 00:00:00")]

  beforeAll(async () => {
    await stream(RUST, "start_date=2024-02-01%2010:04:00&end_date=2024-02-01%2010:09:30")
  })

  it("finds the cached match with its snippet; coverage is the cached range, gaps the rest of the day", async () => {
    const res = await cacheIn(RUST, `q=lifetimes&${DAY}`)
    expect(res.status, JSON.stringify(res.body)).toBe(200)
    expect(res.body).toMatchObject({ query: "lifetimes", total: 1, limit: 50, offset: 0, source: "cache", sort: "date" })
    expect(typeof res.body.index_complete).toBe("boolean")
    expect(res.body.results).toHaveLength(1)
    const hit = res.body.results[0]
    expect(Object.keys(hit).sort()).toEqual(RESULT_FIELDS)
    expect(hit).toMatchObject({
      message_id: 11, dialog_id: RUST, dialog_name: "Rust Devs", dialog_title: "Rust Devs", message: "How do lifetimes work?",
      date: "2024-02-01 10:05:00", sender_id: 1003, first_name: "Carol", origin: "cache", media_type: null, media_uuid: null,
      media_category: null
    })
    expect(hit.snippet.toLowerCase()).toContain("lifetimes")
    expect(Object.fromEntries(DETAIL_KEYS.map((k) => [k, hit[k]]))).toEqual(expectedDetails(parseScenario(scenario), 1001, "channel:3002", 11))
    expect(res.body.coverage).toEqual([
      { dialog_id: RUST, dialog_title: "Rust Devs", index_complete: res.body.index_complete, covered, gaps }
    ])
  })

  it("a message in a gap is not in a cache answer; with no upper bound the last gap ends \"now\"", async () => {
    const res = await cacheIn(RUST, "q=welcome&end_date=2024-02-01")
    expect(res.body.results).toEqual([])
    expect(res.body.total).toBe(0)
    expect(res.body.coverage[0].covered).toEqual(covered)
    expect(res.body.coverage[0].gaps).toEqual([gaps[0], range("2024-02-01 10:09:30", "now")])
  })

  it("another account's cache of the same dialog is not searched (Bob caches it all, Alice still finds nothing)", async () => {
    await stream(RUST, "", "bob")
    const bob = await cache("q=welcome", "bob")
    expect(keys(bob.body)).toEqual([`${RUST}:10:cache`])
    expect((await cache("q=welcome")).body.results).toEqual([])
    // Alice's coverage of Rust Devs is still her own range.
    expect((await cacheIn(RUST, `q=welcome&${DAY}`)).body.coverage[0].covered).toEqual(covered)
  })

  it("auto: Telegram answers for the gaps only, merged with the cache's hits, each once", async () => {
    await resetCalls()
    const welcome = await get(`/api/v3/search/messages/${RUST}?source=auto&q=welcome&${DAY}`)
    expect(welcome.status, JSON.stringify(welcome.body)).toBe(200)
    expect(welcome.body.source).toBe("auto")
    expect(keys(welcome.body)).toEqual([`${RUST}:10:telegram`])
    expect(welcome.body.results[0].media_uuid).toBeNull()
    expect(welcome.body.coverage[0].gaps).toEqual(gaps)
    expect((await calls())["messages.Search"]).toBeGreaterThan(0)
    const lifetimes = await get(`/api/v3/search/messages/${RUST}?source=auto&q=lifetimes&${DAY}`)
    expect(keys(lifetimes.body)).toEqual([`${RUST}:11:cache`])
    // Globally: one Telegram search over the range; its hits in a cached range are the index's.
    const see = await get("/api/v3/search/messages?source=auto&q=see")
    expect(see.status).toBe(200)
    const found = keys(see.body)
    expect(new Set(found.map((k: string) => k.split(":").slice(0, 2).join(":"))).size).toBe(found.length)
    expect(found).toContain(`${RUST}:12:cache`)
    expect(found).toContain(`${BOB_CHAT}:7:telegram`)
  })

  it("auto: a Telegram rate limit is a 429 with Retry-After, as for Telegram's search", async () => {
    await e2e.control("/faults", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ method: "messages.Search", error: "FLOOD_WAIT_300", times: 1 })
    })
    const res = await get(`/api/v3/search/messages/${RUST}?source=auto&q=welcome&${DAY}`)
    expect(res.status).toBe(429)
    expect(res.headers.get("retry-after")).toBe("300")
    expect(res.body).toEqual({ detail: "Telegram rate limit exceeded. Retry after 300 seconds." })
  })

  it("ensure=true fills the gaps first: no gaps left, and the gap's message is now the cache's", async () => {
    const res = await cacheIn(RUST, `q=welcome&ensure=true&${DAY}`)
    expect(res.status, JSON.stringify(res.body)).toBe(200)
    expect(res.body.coverage[0].gaps).toEqual([])
    expect(res.body.coverage[0].covered).toEqual([range("2024-02-01 00:00:00", "2024-02-02 00:00:00")])
    expect(keys(res.body)).toEqual([`${RUST}:10:cache`])
  })
})

describe("filters over a fully cached dialog", () => {
  const MARCH = "end_date=2024-02-01&start_date=2024-04-01"
  beforeAll(async () => {
    await stream(LAB)
    await stream(ANNEX)
  })

  it("every match newest first with the media fields of history; the range fully covered", async () => {
    const res = await cacheIn(LAB, `q=zephyr&${MARCH}`)
    expect(res.status, JSON.stringify(res.body)).toBe(200)
    expect(ids(res.body)).toEqual([6, 5, 4, 3, 2, 1])
    expect(res.body.total).toBe(6)
    expect(res.body.coverage).toEqual([{
      dialog_id: LAB, dialog_title: "Search Lab", index_complete: true,
      covered: [range("2024-02-01 00:00:00", "2024-04-01 00:00:00")], gaps: []
    }])
    const photo = res.body.results.find((r: Json) => r.message_id === 2)
    expect(photo).toMatchObject({ media_type: "MessageMediaPhoto", media_category: "photos", media_uuid: expect.any(String) })
    const history = await e2e.api(`/api/v3/history/${LAB}`, { session: "alice" })
    expect(await history.text()).toContain(`"media_uuid": "${photo.media_uuid}"`)
  })

  const filters: Array<[string, Array<number>]> = [
    ["sender_id=1002", [6, 3, 1]],
    ["from_user=1002", [6, 3, 1]],
    ["has_media=true", [5, 4, 2]],
    ["has_media=false", [6, 3, 1]],
    ["media_type=photos", [2]],
    ["media_type=files", [4]],
    ["media_type=voice_messages", [5]],
    ["media_type=videos", []],
    ["has_link=true", [6, 3]],
    ["has_link=false", [5, 4, 2, 1]],
    ["sender_id=1003&has_media=true", [4, 2]],
    ["end_date=2024-03-01%2010:03:00", [6, 5, 4]],
    ["start_date=2024-03-01%2010:03:00", [3, 2, 1]]
  ]
  for (const [filter, expected] of filters) {
    it(`${filter}: ${JSON.stringify(expected)}`, async () => {
      const res = await cacheIn(LAB, `q=zephyr&${filter}`)
      expect(res.status, JSON.stringify(res.body)).toBe(200)
      expect(ids(res.body)).toEqual(expected)
      expect(res.body.total).toBe(expected.length)
    })
  }

  it("offset and limit page through the total; sort=relevance answers the same set", async () => {
    const page = await cacheIn(LAB, "q=zephyr&offset=2&limit=2")
    expect(ids(page.body)).toEqual([4, 3])
    expect(page.body).toMatchObject({ total: 6, offset: 2, limit: 2 })
    const relevance = await cacheIn(LAB, "q=zephyr&sort=relevance")
    expect(relevance.body.sort).toBe("relevance")
    expect([...ids(relevance.body)].sort()).toEqual([1, 2, 3, 4, 5, 6])
  })

  it("globally: dialog_id (repeatable) and folder (id or title) choose the dialogs, coverage follows them", async () => {
    const all = await cache("q=zephyr")
    expect(keys(all.body)).toEqual([`${ANNEX}:1:cache`, ...[6, 5, 4, 3, 2, 1].map((id) => `${LAB}:${id}:cache`)])
    expect(all.body.results[0]).toMatchObject({ dialog_name: "Search Annex", dialog_title: "Search Annex" })
    const annex = await cache(`q=zephyr&dialog_id=${ANNEX}`)
    expect(keys(annex.body)).toEqual([`${ANNEX}:1:cache`])
    expect(annex.body.coverage.map((c: Json) => c.dialog_id)).toEqual([ANNEX])
    const both = await cache(`q=zephyr&dialog_id=${ANNEX}&dialog_id=${LAB}&limit=2`)
    expect(both.body.total).toBe(7)
    expect(both.body.coverage.map((c: Json) => c.dialog_id).sort()).toEqual([LAB, ANNEX].sort())
    for (const folder of ["Lab", "lab", "9"]) {
      const lab = await cache(`q=zephyr&folder=${folder}`)
      expect(lab.status).toBe(200)
      expect(ids(lab.body)).toEqual([6, 5, 4, 3, 2, 1])
      expect(lab.body.coverage.map((c: Json) => c.dialog_id)).toEqual([LAB])
    }
  })

  it("auto over a range the cache holds asks Telegram nothing", async () => {
    await resetCalls()
    const res = await get(`/api/v3/search/messages/${LAB}?source=auto&q=zephyr&${MARCH}`)
    expect(ids(res.body)).toEqual([6, 5, 4, 3, 2, 1])
    expect(res.body.results.every((r: Json) => r.origin === "cache")).toBe(true)
    const counted = await calls()
    expect(counted["messages.Search"] ?? 0).toBe(0)
    expect(counted["messages.SearchGlobal"] ?? 0).toBe(0)
  })
})

describe("two accounts", () => {
  it("each finds the shared words in its own cache only", async () => {
    await stream(BOB_CHAT)
    await stream(ALICE_CHAT, "", "bob")
    const alice = await cache("q=minute")
    const bob = await cache("q=minute", "bob")
    expect(alice.body.results.map((r: Json) => r.dialog_id)).toEqual([BOB_CHAT])
    expect(bob.body.results.map((r: Json) => r.dialog_id)).toEqual([ALICE_CHAT])
    expect(alice.body.coverage.map((c: Json) => c.dialog_id)).not.toContain(ALICE_CHAT)
    expect((await cache("q=zephyr", "bob")).body.results).toEqual([])
    // A dialog of the other account only is not found.
    expect((await cacheIn(LAB, "q=zephyr", "bob")).status).toBe(404)
  })
})
