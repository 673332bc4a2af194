/**
 * The cache search against an oracle worked out from the scenario alone:
 * three dialogs of multilingual messages (English, Russian, German, French,
 * Chinese), some with photos, link previews or links in the text, from
 * several senders; one channel cached over part of its history (holes on
 * both sides), one group cached whole, one private chat never fetched. For
 * every query and filter, the hits must be exactly the scenario's messages
 * that the cache holds, match the query (domain/TextSearch.ts's matcher,
 * itself held to real FTS5 by its own tests) and pass the filters, newest
 * first for sort=date; the same set for sort=relevance; and the coverage
 * must be exactly what was fetched.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { Either } from "effect"
import { matchesQuery, parseSearchQuery } from "../../src/domain/TextSearch.js"
import { type E2e, startE2e } from "../support/E2e.js"

const CHANNEL = 5001
const GROUP = 5002
const CHANNEL_ID = -1000000000000 - CHANNEL
const GROUP_ID = -GROUP
const BOB = 1002

const PHRASES = [
  "Bitcoin price report for the weekend",
  "Встреча завтра в офисе, криптовалюта растёт",
  "Grüße aus der Straße, schönes Wochenende",
  "Le café de la réunion était très bon",
  "今天比特币涨了很多",
  "Project update: the release is on Friday",
  "Отчёт по проекту готов",
  "Photo from the airport",
  "Meeting notes and the budget invoice",
  "比特币价格报告"
]

interface Msg {
  readonly peer: string
  readonly id: number
  readonly date: string
  readonly from?: string
  readonly owner?: number
  readonly text: string
  readonly media?: unknown
}

const pad = (n: number) => String(n).padStart(2, "0")
/** Hour `h` after 2024-03-01 00:00 UTC, as the scenario writes dates. */
const dateAt = (h: number) => {
  const d = new Date(Date.UTC(2024, 2, 1) + h * 3_600_000)
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:00:00`
}
const epochAt = (h: number) => Date.UTC(2024, 2, 1) / 1000 + h * 3600

const messageText = (i: number) => {
  const base = PHRASES[i % PHRASES.length]!
  return i % 13 === 0 ? `${base} https://example.com/${i}` : base
}
const mediaOf = (i: number) =>
  i % 7 === 0
    ? { type: "photo", size: 1000 + i }
    : i % 11 === 0
    ? { type: "webpage", url: `https://example.org/${i}`, title: "Preview", description: "A page" }
    : undefined

const messages: Array<Msg> = [
  ...Array.from({ length: 60 }, (_, i): Msg => ({
    peer: `channel:${CHANNEL}`,
    id: i + 1,
    date: dateAt(i * 3),
    from: `channel:${CHANNEL}`,
    text: messageText(i),
    ...(mediaOf(i) === undefined ? {} : { media: mediaOf(i) })
  })),
  ...Array.from({ length: 45 }, (_, i): Msg => ({
    peer: `chat:${GROUP}`,
    owner: 1001,
    id: i + 1,
    date: dateAt(i * 2 + 1),
    from: `user:${[1001, BOB, 1003][i % 3]}`,
    text: messageText(i + 3),
    ...(mediaOf(i + 3) === undefined ? {} : { media: mediaOf(i + 3) })
  })),
  ...Array.from({ length: 20 }, (_, i): Msg => ({
    peer: `user:${BOB}`,
    owner: 1001,
    // An account's private and basic-group messages share one id sequence.
    id: 101 + i,
    date: dateAt(i * 5),
    from: `user:${i % 2 === 0 ? 1001 : BOB}`,
    text: messageText(i + 5)
  }))
]

const scenario = {
  users: [
    { id: 1001, first_name: "Alice" },
    { id: BOB, first_name: "Bob" },
    { id: 1003, first_name: "Carol" }
  ],
  chats: [{ id: GROUP, title: "Oracle Group", creator: 1001, members: [1001, BOB, 1003], date: "2020-01-01 10:00:00" }],
  channels: [{ id: CHANNEL, title: "Oracle News", creator: 1003, participants_count: 10, date: "2020-01-01 10:00:00" }],
  accounts: [{
    user: 1001,
    contacts: [BOB],
    dialogs: [{ peer: `channel:${CHANNEL}` }, { peer: `chat:${GROUP}` }, { peer: `user:${BOB}` }]
  }],
  messages
}

/** The channel is cached from hour 30 to hour 120 only; the group whole; the private chat not at all. */
const CHANNEL_FROM = 30
const CHANNEL_TO = 120

const dialogOf = (peer: string) =>
  peer.startsWith("channel:") ? CHANNEL_ID : peer.startsWith("chat:") ? GROUP_ID : BOB

const senderOf = (m: Msg) => {
  const [kind, id] = (m.from ?? m.peer).split(":")
  return kind === "channel" ? -1000000000000 - Number(id) : Number(id)
}

const epochOf = (m: Msg) => Date.parse(m.date.replace(" ", "T") + "Z") / 1000

const cached = (m: Msg) => {
  const d = dialogOf(m.peer)
  if (d === GROUP_ID) return true
  if (d === CHANNEL_ID) return epochOf(m) >= epochAt(CHANNEL_FROM) && epochOf(m) < epochAt(CHANNEL_TO)
  return false
}

interface Filters {
  readonly sender_id?: number
  readonly has_media?: boolean
  readonly media_type?: string
  readonly has_link?: boolean
  readonly dialog_id?: number
  /** Hours, as the contract's end_date (lower bound) and start_date (upper bound). */
  readonly from?: number
  readonly until?: number
}

const oracle = (q: string, f: Filters): Array<string> => {
  const query = Either.getOrThrow(parseSearchQuery(q))
  return messages
    .filter((m) => cached(m) && matchesQuery(query, m.text))
    .filter((m) => {
      const media = m.media as { type: string } | undefined
      const hasMedia = media !== undefined && media.type !== "webpage"
      const hasLink = media?.type === "webpage" || /https?:\/\//.test(m.text)
      if (f.sender_id !== undefined && senderOf(m) !== f.sender_id) return false
      if (f.has_media !== undefined && hasMedia !== f.has_media) return false
      if (f.media_type !== undefined && !(f.media_type === "photos" && media?.type === "photo")) return false
      if (f.has_link !== undefined && hasLink !== f.has_link) return false
      if (f.dialog_id !== undefined && dialogOf(m.peer) !== f.dialog_id) return false
      if (f.from !== undefined && epochOf(m) < epochAt(f.from)) return false
      if (f.until !== undefined && epochOf(m) >= epochAt(f.until)) return false
      return true
    })
    .sort((a, b) => epochOf(b) - epochOf(a) || b.id - a.id)
    .map((m) => `${dialogOf(m.peer)}:${m.id}`)
}

const urlOf = (q: string, f: Filters, sort: "date" | "relevance") => {
  const params = new URLSearchParams({ q, source: "cache", sort, limit: "500" })
  for (const key of ["sender_id", "has_media", "media_type", "has_link", "dialog_id"] as const) {
    if (f[key] !== undefined) params.set(key, String(f[key]))
  }
  if (f.from !== undefined) params.set("end_date", dateAt(f.from))
  if (f.until !== undefined) params.set("start_date", dateAt(f.until))
  return `/api/v3/search/messages?${params}`
}

interface Answer {
  readonly total: number
  readonly index_complete: boolean
  readonly results: ReadonlyArray<{ readonly dialog_id: number; readonly message_id: number; readonly snippet: string }>
  readonly coverage: ReadonlyArray<{
    readonly dialog_id: number
    readonly covered: ReadonlyArray<{ start_date: string; end_date: string }>
    readonly gaps: ReadonlyArray<{ start_date: string; end_date: string }>
  }>
}

let e2e: E2e

beforeAll(async () => {
  e2e = await startE2e({ scenario, realism: {} })
  await e2e.login("alice", 1001)
  for (const path of [
    `/api/v3/history/${CHANNEL_ID}?start_date=${encodeURIComponent(dateAt(CHANNEL_FROM))}&end_date=${encodeURIComponent(dateAt(CHANNEL_TO))}`,
    `/api/v3/history/${GROUP_ID}`
  ]) {
    const response = await e2e.api(path, { session: "alice" })
    expect(response.status).toBe(200)
    await response.text()
  }
}, 60_000)

afterAll(async () => {
  await e2e?.stop()
})

const CASES: ReadonlyArray<readonly [string, Filters]> = [
  ["bitcoin", {}],
  ["bitc", {}],
  ["криптовалюта", {}],
  ["крипт", {}],
  ["ОТЧЁТ", {}],
  ["strasse", {}],
  ["grusse schon", {}],
  ["cafe reunion", {}],
  ["比特", {}],
  ["比特币 -价格", {}],
  ["\"project update\"", {}],
  ["\"update project\"", {}],
  ["photo OR meeting", {}],
  ["report -weekend", {}],
  ["report", { sender_id: CHANNEL_ID }],
  ["report", { sender_id: BOB }],
  ["the", { has_media: true }],
  ["the", { has_media: false }],
  ["the", { media_type: "photos" }],
  ["bitcoin OR project OR meeting", { has_link: true }],
  ["bitcoin OR project OR meeting", { has_link: false }],
  ["report", { dialog_id: GROUP_ID }],
  ["report OR отчёт", { from: 40, until: 90 }]
]

describe("cache search against the scenario's oracle", () => {
  it.each(CASES)("%s %j: the same hits, newest first", async (q, filters) => {
    const response = await e2e.api(urlOf(q, filters, "date"), { session: "alice" })
    const body = await response.json() as Answer
    expect(response.status, JSON.stringify(body)).toBe(200)
    const expected = oracle(q, filters)
    expect(body.results.map((r) => `${r.dialog_id}:${r.message_id}`)).toEqual(expected)
    expect(body.total).toBe(expected.length)
    expect(body.index_complete).toBe(true)
    for (const r of body.results) expect(r.snippet).toContain("**")

    const relevance = await (await e2e.api(urlOf(q, filters, "relevance"), { session: "alice" })).json() as Answer
    expect(relevance.results.map((r) => `${r.dialog_id}:${r.message_id}`).sort()).toEqual([...expected].sort())
  })

  it("the oracle's cases are not all empty (the test can fail)", () => {
    const sizes = CASES.map(([q, f]) => oracle(q, f).length)
    expect(sizes.filter((n) => n > 0).length).toBeGreaterThan(CASES.length * 2 / 3)
    expect(sizes.some((n) => n === 0)).toBe(true)
  })

  it("coverage: the channel's fetched hours, the group whole, the private chat nothing", async () => {
    const response = await e2e.api(
      `/api/v3/search/messages?q=bitcoin&source=cache&dialog_id=${CHANNEL_ID}&dialog_id=${GROUP_ID}&dialog_id=${BOB}` +
        `&end_date=${encodeURIComponent(dateAt(0))}&start_date=${encodeURIComponent(dateAt(200))}`,
      { session: "alice" }
    )
    const body = await response.json() as Answer
    expect(response.status, JSON.stringify(body)).toBe(200)
    const byDialog = new Map(body.coverage.map((c) => [c.dialog_id, c]))
    expect(byDialog.get(CHANNEL_ID)?.covered).toEqual([{ start_date: dateAt(CHANNEL_FROM), end_date: dateAt(CHANNEL_TO) }])
    expect(byDialog.get(CHANNEL_ID)?.gaps).toEqual([
      { start_date: dateAt(0), end_date: dateAt(CHANNEL_FROM) },
      { start_date: dateAt(CHANNEL_TO), end_date: dateAt(200) }
    ])
    expect(byDialog.get(GROUP_ID)?.gaps).toEqual([])
    expect(byDialog.get(BOB)?.covered).toEqual([])
    expect(byDialog.get(BOB)?.gaps).toEqual([{ start_date: dateAt(0), end_date: dateAt(200) }])
  })
})
