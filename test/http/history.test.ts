/** GET /api/v3/history/{dialog_id} over HTTP: SSE framing, parameters, errors, keep-alives, aborts. */
import { Effect } from "effect"
import { afterEach, describe, expect, it } from "vitest"
import { FloodWait } from "../../src/ports/TelegramGateway.js"
import { document, message, photo, webPage } from "../adapters/sqlite/MessageFixtures.js"
import { TelegramFake } from "../app/HistoryTelegramFake.js"
import { json } from "../support/http.js"
import { DETAILS_KEYS, NO_DETAILS } from "../support/MessageDetailsView.js"
import { type HistoryServer, parseSse, readUntil, startHistoryServer } from "./historyServer.js"

const DIALOG = -1001234567890
const JAN = Date.UTC(2024, 0, 1) / 1000

const servers: Array<HistoryServer> = []
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()))
})
const start = async (fake: TelegramFake, options: Parameters<typeof startHistoryServer>[1] = {}) => {
  const server = await startHistoryServer(fake, options)
  servers.push(server)
  return server
}

const sample = () => [
  message(1, JAN, { media: photo("p1", 2458) }),
  message(2, JAN + 1, {
    media: document("d2", { fileName: "résumé.pdf", size: 4000 }),
    replyTo: 1,
    editDate: JAN + 100
  }),
  message(3, JAN + 2, { media: webPage, text: "see https://example.org" }),
  message(4, JAN + 3, { isForwarded: true, forwardedFromChannelId: -1009876543210, senderId: DIALOG, postAuthor: "Editor" }),
  message(5, JAN + 4)
]

/** A fake with one dialog of `count` plain messages a minute apart. */
const plainDialog = (count: number) => {
  const fake = new TelegramFake()
  fake.set(DIALOG, Array.from({ length: count }, (_, k) => message(k + 1, JAN + k * 60)))
  return fake
}

const deferred = () => {
  let resolve!: () => void
  const promise = new Promise<void>((r) => (resolve = r))
  return { promise, resolve }
}

describe("GET /api/v3/history/{dialog_id}", () => {
  it("streams data: {\"messages\": [...]} events of chunk_size flat contract messages", async () => {
    const fake = new TelegramFake()
    fake.set(DIALOG, sample())
    const s = await start(fake)
    const res = await s.get(`/api/v3/history/${DIALOG}?chunk_size=2`)
    expect(res.status).toBe(200)
    expect(res.headers.get("content-type")).toMatch(/^text\/event-stream/)
    expect(res.headers.get("cache-control")).toBe("no-cache")
    const text = await res.text()
    expect(text.startsWith('data: {"messages": [{"message_id": 1, "date": "2024-01-01 00:00:00", ')).toBe(true)
    const { events } = parseSse(text)
    expect(events.map((e) => e.event)).toEqual(["message", "message", "message"])
    const messages = events.flatMap((e) => (e.data as { messages: Array<Record<string, unknown>> }).messages)
    expect(events.map((e) => (e.data as { messages: Array<unknown> }).messages.length)).toEqual([2, 2, 1])
    expect(messages[0]).toEqual({
      message_id: 1,
      date: "2024-01-01 00:00:00",
      edit_date: null,
      sender_id: 1002,
      first_name: "Bob",
      last_name: null,
      username: "bob",
      message: "message 1",
      reply_to: null,
      post_author: null,
      is_forwarded: 0,
      forwarded_from_channel_id: null,
      media_type: "MessageMediaPhoto",
      media_uuid: expect.stringMatching(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/),
      media_original_filename: null,
      media_size: 2458,
      media_category: "photos",
      ...NO_DETAILS
    })
    expect(Object.keys(messages[0]!).slice(-DETAILS_KEYS.length)).toEqual(DETAILS_KEYS)
    expect(messages[1]).toMatchObject({
      edit_date: "2024-01-01 00:01:40",
      reply_to: 1,
      media_type: "MessageMediaDocument",
      media_original_filename: "résumé.pdf",
      media_size: 4000,
      media_category: "files"
    })
    expect(messages[2]).toMatchObject({ media_type: "MessageMediaWebPage", media_uuid: null, media_size: null, media_original_filename: null })
    expect(messages[3]).toMatchObject({ is_forwarded: 1, forwarded_from_channel_id: -1009876543210, sender_id: DIALOG, post_author: "Editor" })
    expect(messages[4]).toMatchObject({ media_type: null, media_uuid: null })
  })

  it("honours start_date (inclusive), end_date (exclusive), reverse, and the default chunk_size of 100", async () => {
    const s = await start(plainDialog(250))
    const ids = async (query: string) =>
      parseSse(await (await s.get(`/api/v3/history/${DIALOG}${query}`)).text()).events.map((e) =>
        (e.data as { messages: Array<{ message_id: number }> }).messages.map((m) => m.message_id)
      )
    const all = await ids("")
    expect(all.map((c) => c.length)).toEqual([100, 100, 50])
    expect(await ids("?start_date=2024-01-01 00:02:00&end_date=2024-01-01T00:05:00Z")).toEqual([[3, 4, 5]])
    expect((await ids("?reverse=true&chunk_size=200")).flat()).toEqual(all.flat().reverse())
  })

  it.each([
    ["?start_date=2024-02-01&end_date=2024-01-01", /start_date must be earlier than end_date/],
    ["?start_date=2024-01-01&end_date=2024-01-01", /start_date must be earlier than end_date/],
    ["?start_date=3000-01-01", /start_date must be earlier than end_date \(which defaults to now\)/],
    ["?start_date=yesterday", /Invalid date format/],
    ["?end_date=2024-13-01", /Invalid date format/],
    ["?chunk_size=0", /chunk_size/],
    ["?chunk_size=ten", /chunk_size/],
    ["?force_refresh=maybe", /force_refresh/]
  ])("400 with a clear detail for %s", async (query, detail) => {
    const fake = plainDialog(3)
    const s = await start(fake)
    const res = await s.get(`/api/v3/history/${DIALOG}${query}`)
    expect(res.status).toBe(400)
    expect((await json(res)).detail).toMatch(detail)
    expect(fake.calls.length).toBe(0)
  })

  it("404 before the stream starts for a dialog the account cannot see; 401 without a session; 503 without credentials (400 before it)", async () => {
    const s = await start(plainDialog(3))
    const res = await s.get("/api/v3/history/-1009999999999")
    expect(res.status).toBe(404)
    expect(await json(res)).toEqual({ detail: "Dialog -1009999999999 not found: this account cannot see it" })
    expect((await s.get(`/api/v3/history/${DIALOG}`, {})).status).toBe(401)
    const offline = await start(plainDialog(3), { telegram: false })
    const unavailable = await offline.get(`/api/v3/history/${DIALOG}`)
    expect(unavailable.status).toBe(503)
    expect((await json(unavailable)).detail).toMatch(/TELEGRAM_API_ID/)
    // A wrong request is still a 400 first: fixing the credentials would not make it right.
    const wrong = await offline.get(`/api/v3/history/${DIALOG}?start_date=2024-02-01&end_date=2024-01-01`)
    expect(wrong.status).toBe(400)
    expect((await json(wrong)).detail).toMatch(/start_date must be earlier than end_date/)
  })

  it("429 with Retry-After when Telegram's rate limit is over the threshold before anything was sent", async () => {
    const fake = plainDialog(3)
    fake.historyFailures = [new FloodWait({ seconds: 300, method: "messages.GetHistory" })]
    const s = await start(fake)
    const res = await s.get(`/api/v3/history/${DIALOG}`)
    expect(res.status).toBe(429)
    expect(res.headers.get("retry-after")).toBe("300")
    expect(await json(res)).toEqual({ detail: "Telegram rate limit exceeded. Retry after 300 seconds." })
  })

  it("a failure after the stream started ends it with event: error carrying detail, status and retry_after", async () => {
    const fake = plainDialog(30)
    fake.beforeHistory = (n) =>
      n === 1 ? Effect.sync(() => fake.historyFailures.push(new FloodWait({ seconds: 42, method: "messages.GetHistory" }))) : Effect.void
    const s = await start(fake, { settings: { telegram_batch_size: 10 } })
    const res = await s.get(`/api/v3/history/${DIALOG}?chunk_size=5`)
    expect(res.status).toBe(200)
    const { events } = parseSse(await res.text())
    // The first page proved the first nine minutes (the tenth may continue on the next page): all of them go out first.
    expect(events.map((e) => e.event)).toEqual(["message", "message", "error"])
    const ids = events.slice(0, 2).flatMap((e) => (e.data as { messages: Array<{ message_id: number }> }).messages.map((m) => m.message_id))
    expect(ids).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9])
    expect(events.at(-1)).toEqual({
      event: "error",
      data: { detail: "Telegram rate limit exceeded. Retry after 42 seconds.", status: 429, retry_after: 42 }
    })
  })

  it("sends the headers and keep-alive comments while the first chunk is slow to come", async () => {
    const fake = plainDialog(3)
    const gate = deferred()
    fake.beforeHistory = (n) => (n === 0 ? Effect.promise(() => gate.promise) : Effect.void)
    const s = await start(fake, { keepAliveSeconds: 0.05 })
    const res = await s.get(`/api/v3/history/${DIALOG}`)
    expect(res.status).toBe(200)
    const { reader, text } = await readUntil(res, (t) => (t.match(/: keep-alive\n\n/g) ?? []).length >= 2)
    expect(parseSse(text).events).toEqual([])
    gate.resolve()
    let rest = ""
    for (;;) {
      const { done, value } = await reader.read()
      if (done) break
      rest += new TextDecoder().decode(value)
    }
    const ids = parseSse(rest).events.flatMap((e) => (e.data as { messages: Array<{ message_id: number }> }).messages.map((m) => m.message_id))
    expect(ids).toEqual([1, 2, 3])
  })

  it("keeps sending keep-alive comments while a later page is slow", async () => {
    const fake = plainDialog(30)
    const gate = deferred()
    fake.beforeHistory = (n) => (n === 1 ? Effect.promise(() => gate.promise) : Effect.void)
    const s = await start(fake, { keepAliveSeconds: 0.05, settings: { telegram_batch_size: 10 } })
    const res = await s.get(`/api/v3/history/${DIALOG}?chunk_size=5`)
    const { reader, text } = await readUntil(res, (t) => (t.match(/: keep-alive\n\n/g) ?? []).length >= 3)
    // The first page's full chunk went out at once (its last minute may go on in the next page), then the
    // keep-alives came while the second page was held back.
    expect(text.indexOf("data: ")).toBeLessThan(text.indexOf(": keep-alive"))
    expect(parseSse(text).events.flatMap((e) => (e.data as { messages: Array<unknown> }).messages).length).toBe(5)
    gate.resolve()
    let rest = ""
    for (;;) {
      const { done, value } = await reader.read()
      if (done) break
      rest += new TextDecoder().decode(value)
    }
    const ids = parseSse(text + rest).events.flatMap((e) =>
      (e.data as { messages: Array<{ message_id: number }> }).messages.map((m) => m.message_id)
    )
    expect(ids).toEqual(Array.from({ length: 30 }, (_, k) => k + 1))
  })

  it("a rate-limit wait being waited out sends the headers at once, and a progress event when asked", async () => {
    for (const progress of [false, true]) {
      const fake = plainDialog(3)
      const gate = deferred()
      fake.floodWaits = [30]
      fake.beforeHistory = (n) => (n === 0 ? Effect.promise(() => gate.promise) : Effect.void)
      const s = await start(fake, { keepAliveSeconds: 3600 })
      const res = await s.get(`/api/v3/history/${DIALOG}${progress ? "?progress=true" : ""}`)
      expect(res.status).toBe(200)
      const { reader, text } = await readUntil(res, (t) => t.includes("\n\n"))
      if (progress) {
        expect(parseSse(text).events[0]).toEqual({
          event: "progress",
          data: { fetched: 0, range: { start_date: "1970-01-01 00:00:00", end_date: expect.any(String) }, rate_limit_wait: 30 }
        })
      } else {
        expect(text).toBe(": keep-alive\n\n")
      }
      gate.resolve()
      await reader.cancel()
    }
  })

  it("progress=true reports messages fetched so far and the range being fetched", async () => {
    const s = await start(plainDialog(25), { settings: { telegram_batch_size: 10 } })
    const { events } = parseSse(await (await s.get(`/api/v3/history/${DIALOG}?progress=true&end_date=2024-02-01`)).text())
    const progress = events.filter((e) => e.event === "progress").map((e) => e.data)
    // The range is what is still missing: it shrinks as pages come in.
    expect(progress).toEqual([
      [10, "1970-01-01 00:00:00"],
      [20, "2024-01-01 00:09:00"],
      [25, "2024-01-01 00:19:00"],
      // A short page proves nothing: the empty page after it closes the range (domain/HistoryWalk.ts).
      [25, "2024-01-01 00:24:00"]
    ].map(([fetched, from]) => ({ fetched, range: { start_date: from, end_date: "2024-02-01 00:00:00" }, rate_limit_wait: 0 })))
    expect(events.filter((e) => e.event === "message").length).toBe(1)
  })

  it("a client that disconnects stops the work for it at once", async () => {
    const fake = plainDialog(50)
    const interrupted = deferred()
    fake.beforeHistory = (n) =>
      n === 1 ? Effect.never.pipe(Effect.onInterrupt(() => Effect.sync(() => interrupted.resolve()))) : Effect.void
    const s = await start(fake, { settings: { telegram_batch_size: 10 } })
    const abort = new AbortController()
    const res = await s.get(`/api/v3/history/${DIALOG}?chunk_size=5`, undefined, abort.signal)
    await readUntil(res, (t) => t.includes("data: "))
    abort.abort()
    await interrupted.promise
    expect(fake.calls.length).toBe(1)
  })
})
