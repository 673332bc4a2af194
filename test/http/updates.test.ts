/**
 * GET /api/v3/updates and GET /api/v3/history/{id}?follow=true over HTTP
 * (a real Node server in this process, fakes at the Telegram ports, the real
 * SQLite caches and update log): SSE framing with ids, resume by
 * Last-Event-ID and since, the statuses before the stream (409, 410, 400),
 * the dialog filter, keep-alives, the stream caps, and the follow phase.
 */
import { Effect, Ref } from "effect"
import { afterEach, describe, expect, it } from "vitest"
import { message } from "../adapters/sqlite/MessageFixtures.js"
import { TelegramFake } from "../app/HistoryTelegramFake.js"
import { json } from "../support/http.js"
import { type HistoryServer, readUntil, startHistoryServer } from "./historyServer.js"

const CHANNEL = -1001234567890
const CHAT = 1002
const T = 1_700_000_000

const servers: Array<HistoryServer> = []
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()))
})
const start = async (options: Parameters<typeof startHistoryServer>[1] = {}) => {
  const fake = new TelegramFake()
  fake.set(CHANNEL, [message(1, T)])
  fake.set(CHAT, []) // a dialog the account has: its messages come without a `dialog` event
  const server = await startHistoryServer(fake, { keepAliveSeconds: 1, ...options, settings: { follow_updates: true } })
  servers.push(server)
  return server
}

interface Framed {
  readonly id: string | null
  readonly event: string
  readonly data: Record<string, unknown>
}

/** The events of an SSE text, with their ids. */
const framed = (text: string): Array<Framed> =>
  text.split("\n\n").flatMap((block) => {
    let id: string | null = null
    let event = "message"
    let data: string | null = null
    for (const line of block.split("\n")) {
      if (line.startsWith("id: ")) id = line.slice(4)
      else if (line.startsWith("event: ")) event = line.slice(7)
      else if (line.startsWith("data: ")) data = line.slice(6)
    }
    return data === null ? [] : [{ id, event, data: JSON.parse(data) as Record<string, unknown> }]
  })

/** Reads the stream until `n` events came, then stops reading. */
const events = async (response: Response, n: number) => {
  const { reader, text } = await readUntil(response, (t) => framed(t).length >= n)
  await reader.cancel()
  return framed(text)
}

describe("GET /api/v3/updates", () => {
  it("streams each change with its id and kind, then resumes exactly after Last-Event-ID or since", async () => {
    const server = await start()
    const live = await server.get("/api/v3/updates")
    expect(live.status).toBe(200)
    expect(live.headers.get("content-type")).toContain("text/event-stream")
    server.updates.post("alice", CHANNEL, message(2, T + 1, { text: "two" }))
    server.updates.post("alice", CHAT, message(900, T + 2, { text: "private" }))
    server.updates.edit("alice", CHANNEL, 2, "two, edited")
    server.updates.remove("alice", CHANNEL, [2])
    const first = await events(live, 4)
    expect(first.map((e) => [e.id, e.event, e.data["dialog_id"]])).toEqual([
      ["1", "new_message", CHANNEL],
      ["2", "new_message", CHAT],
      ["3", "edit_message", CHANNEL],
      ["4", "delete_messages", CHANNEL]
    ])
    expect(first[0]!.data).toMatchObject({ message_id: 2, message: "two", date: "2023-11-14 22:13:21", media_uuid: null })
    expect(first[3]!.data).toEqual({ dialog_id: CHANNEL, message_ids: [2] })

    const resumed = await server.get("/api/v3/updates", { "x-telegram-username": "alice", "last-event-id": "2" })
    expect((await events(resumed, 2)).map((e) => e.id)).toEqual(["3", "4"])
    // The header wins over since (a browser's EventSource keeps the URL and sends the header when it reconnects).
    const both = await server.get("/api/v3/updates?since=0", { "x-telegram-username": "alice", "last-event-id": "3" })
    expect((await events(both, 1)).map((e) => e.id)).toEqual(["4"])
    const bySince = await server.get("/api/v3/updates?since=1&dialog_id=" + CHANNEL)
    expect((await events(bySince, 2)).map((e) => [e.id, e.event])).toEqual([["3", "edit_message"], ["4", "delete_messages"]])
  })

  it("answers 409 while following is off, 410 before the retention, 400 for an id never given or not a number", async () => {
    const server = await start({ retention: { maxAgeSeconds: 3600, maxEvents: 2 } })
    Effect.runSync(Ref.update(server.settings, (s) => ({ ...s, follow_updates: false })))
    const off = await server.get("/api/v3/updates")
    expect(off.status).toBe(409)
    expect((await json(off)).detail).toMatch(/follow_updates/)
    Effect.runSync(Ref.update(server.settings, (s) => ({ ...s, follow_updates: true })))
    const open = await server.get("/api/v3/updates")
    for (let i = 2; i <= 5; i++) server.updates.post("alice", CHANNEL, message(i, T + i))
    // Until the fourth is committed: the first two may be dropped (retention: 2 events) before the stream reads them.
    const { reader } = await readUntil(open, (t) => framed(t).some((e) => e.id === "4"))
    await reader.cancel()
    const gone = await server.get("/api/v3/updates?since=1")
    expect(gone.status).toBe(410)
    expect((await json(gone)).detail).toMatch(/oldest available event id is 3/)
    expect((await server.get("/api/v3/updates?since=2")).status).toBe(200)
    const unknown = await server.get("/api/v3/updates", { "x-telegram-username": "alice", "last-event-id": "77" })
    expect(unknown.status).toBe(400)
    expect((await json(unknown)).detail).toMatch(/newest event of this account \(4\)/)
    for (const bad of ["/api/v3/updates?since=-1", "/api/v3/updates?since=abc", "/api/v3/updates?dialog_id=x"]) {
      const res = await server.get(bad)
      expect(res.status, bad).toBe(400)
    }
    const badHeader = await server.get("/api/v3/updates", { "x-telegram-username": "alice", "last-event-id": "x1" })
    expect(badHeader.status).toBe(400)
  })

  it("starts \"from now on\" once the account is followed: a message posted as the stream opens is told", async () => {
    const fake = new TelegramFake()
    fake.set(CHANNEL, [message(1, T)])
    const server = await startHistoryServer(fake, { settings: { follow_updates: false } })
    servers.push(server)
    expect((await server.get("/api/v3/updates")).status).toBe(409)
    // Following just turned on, and Telegram slow to say where the account stands: the stream opens after it said.
    Effect.runSync(Ref.update(server.settings, (s) => ({ ...s, follow_updates: true })))
    server.updates.stateDelayMillis = 300
    const open = await server.get("/api/v3/updates")
    server.updates.post("alice", CHANNEL, message(2, T + 1, { text: "at once" }))
    expect((await events(open, 1)).map((e) => e.data["message"])).toEqual(["at once"])
  })

  it("sends keep-alives while nothing happens, and counts against the stream caps", async () => {
    const server = await start({ keepAliveSeconds: 1, limits: { maxStreamsPerSession: 1, maxStreams: 4 } })
    const open = await server.get("/api/v3/updates")
    const { reader, text } = await readUntil(open, (t) => t.split(": keep-alive").length > 2)
    expect(text).toContain(": keep-alive")
    const second = await server.get("/api/v3/updates")
    expect(second.status).toBe(429)
    await reader.cancel()
  })
})

describe("GET /api/v3/history/{dialog_id}?follow=true", () => {
  it("streams the history, then the dialog's new messages only", async () => {
    const server = await start()
    const res = await server.get(`/api/v3/history/${CHANNEL}?follow=true`)
    expect(res.status).toBe(200)
    const { reader, text } = await readUntil(res, (t) => t.includes("\"message_id\": 1"))
    server.updates.post("alice", CHAT, message(901, T + 5))
    server.updates.post("alice", CHANNEL, message(2, T + 6, { text: "live" }))
    let all = text
    const decoder = new TextDecoder()
    while (!all.includes("\"message\": \"live\"")) {
      const { done, value } = await reader.read()
      if (done) break
      all += decoder.decode(value, { stream: true })
    }
    await reader.cancel()
    const ids = framed(all).flatMap((e) => (e.data["messages"] as Array<{ message_id: number }>).map((m) => m.message_id))
    expect(ids).toEqual([1, 2])
    expect(all).not.toContain("901")
  })

  it("refuses what follow cannot do, and follow while following is off", async () => {
    const server = await start()
    for (const q of ["follow=true&end_date=2024-01-01", "follow=true&reverse=true", "follow=true&topic_id=1"]) {
      const res = await server.get(`/api/v3/history/${CHANNEL}?${q}`)
      expect(res.status, q).toBe(400)
    }
    Effect.runSync(Ref.update(server.settings, (s) => ({ ...s, follow_updates: false })))
    expect((await server.get(`/api/v3/history/${CHANNEL}?follow=true`)).status).toBe(409)
    expect((await server.get(`/api/v3/history/${CHANNEL}?follow=maybe`)).status).toBe(400)
  })
})
