/**
 * Live updates end to end (issue 18): the server in process with
 * --follow-updates against the emulator over real MTProto, real SQLite in a
 * temp directory. Posts, edits and deletions made through the emulator's
 * control API arrive on GET /api/v3/updates in order; a restart with
 * changes made while the server was down resumes exactly after the last
 * event id; dropped pushes, updatesTooLong and a channel's pts hole are
 * recovered by the difference; follow=true neither loses nor repeats; two
 * accounts never cross; the caches hold what the emulator holds; a new
 * message's photo is downloaded before it is told.
 */
import * as path from "node:path"
import Database from "better-sqlite3"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { ALICE, BOB, type McpWorld, startMcpWorld } from "../mcp/McpFixture.js"
import { startInProcessServer } from "../support/InProcessServer.js"
import { freePort, makeTempDir } from "../support/ServerProcess.js"
import { TEST_API_HASH, TEST_API_ID } from "../support/E2e.js"
import { parsePeer } from "../emulator/Scenario.js"
import { createToken } from "../support/TokenCli.js"

const CRYPTO = -1000000003001
const RUST = -1000000003002
const BOB_CHAT = 1002
const FAMILY = -2001

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any

interface Event {
  readonly id: number
  readonly event: string
  readonly data: Json
}

let w: McpWorld
let dataDir: string
let url: string
let server: { stop: () => Promise<void> } | null = null

const startServer = async () => {
  const s = await startInProcessServer({
    dataDir,
    port: await freePort(),
    args: ["--log-level", "warning", "--follow-updates"],
    env: { ...w.emulator.env, TELEGRAM_API_ID: TEST_API_ID, TELEGRAM_API_HASH: TEST_API_HASH }
  })
  url = s.url
  server = s
}

beforeAll(async () => {
  dataDir = await makeTempDir("tgsc-live-e2e-")
  w = await startMcpWorld({ big: false, dataDir, args: ["--follow-updates"] })
  url = w.url
  await w.login(ALICE, 1001)
  await w.login(BOB, 1002, "hunter2")
}, 60_000)

afterAll(async () => {
  await server?.stop()
  await w?.stop()
})

const control = async (method: string, target: string, body?: unknown) => {
  const res = await fetch(w.emulator.control + target, { method, ...(body === undefined ? {} : { body: JSON.stringify(body) }) })
  if (res.status !== 200) throw new Error(`${method} ${target}: ${res.status} ${await res.text()}`)
  return (await res.json()) as Json
}
const post = (messages: Array<Json>) => control("POST", "/messages", { messages })
const now = () => new Date().toISOString().slice(0, 19).replace("T", " ")

/** Reads /updates (as `session`, after `since`) until `n` events came, then stops reading. */
const updates = async (
  n: number,
  options: { session?: string; since?: number; query?: string; token?: string; until?: (events: Array<Event>) => boolean } = {}
): Promise<Array<Event>> => {
  const params = new URLSearchParams(options.query ?? "")
  if (options.since !== undefined) params.set("since", String(options.since))
  const headers: Record<string, string> = { "x-telegram-username": options.session ?? ALICE }
  if (options.token !== undefined) headers["authorization"] = `Bearer ${options.token}`
  const res = await fetch(`${url}/api/v3/updates?${params}`, { headers })
  if (res.status !== 200) throw new Error(`GET /api/v3/updates: ${res.status} ${await res.text()}`)
  const reader = res.body!.getReader()
  const decoder = new TextDecoder()
  let text = ""
  // Whole blocks only: the last one may still be arriving.
  const parsed = () =>
    text.split("\n\n").slice(0, -1).flatMap((block) => {
      const id = /^id: (\d+)$/m.exec(block)?.[1]
      const event = /^event: (.+)$/m.exec(block)?.[1]
      const data = /^data: (.+)$/m.exec(block)?.[1]
      return id === undefined || event === undefined || data === undefined ? [] : [{ id: Number(id), event, data: JSON.parse(data) }]
    })
  const deadline = Date.now() + 20_000
  // Up to `n` events, or fewer once `until` holds for those read.
  const enough = () => parsed().length >= n || (options.until?.(parsed()) ?? false)
  while (!enough() && Date.now() < deadline) {
    const next = await Promise.race([reader.read(), new Promise<null>((r) => setTimeout(() => r(null), deadline - Date.now()))])
    if (next === null || next.done) break
    text += decoder.decode(next.value, { stream: true })
  }
  await reader.cancel()
  return parsed().slice(0, n)
}

const newest = async (session = ALICE) => {
  // The newest id so far: the events after 0, all of them (few in this file).
  const res = await fetch(`${url}/api/v3/updates?since=0`, { headers: { "x-telegram-username": session } })
  const reader = res.body!.getReader()
  let text = ""
  const started = Date.now()
  while (Date.now() - started < 1500) {
    const next = await Promise.race([reader.read(), new Promise<null>((r) => setTimeout(() => r(null), 300))])
    if (next === null || next.done) break
    text += new TextDecoder().decode(next.value)
  }
  await reader.cancel()
  const ids = [...text.matchAll(/^id: (\d+)$/gm)].map((m) => Number(m[1]))
  return ids.length === 0 ? 0 : Math.max(...ids)
}

/** A channel's messages as the emulator holds them now, oldest first. */
const worldMessages = (peer: string): Array<{ id: number; text: string }> => {
  const t = w.world.timelineOf(parsePeer(peer)!, null)!
  return Array.from({ length: t.count }, (_, k) => t.idAtDesc(k)).reverse()
    .map((id) => ({ id, text: (t.message(id) as { text?: string } | undefined)?.text ?? "" }))
}

const summary = (events: ReadonlyArray<Event>) =>
  events.map((e) => `${e.event}:${e.data.dialog_id}:${e.data.message_id ?? e.data.message_ids.join(",")}${e.data.message === undefined ? "" : `:${e.data.message}`}`)

describe("GET /api/v3/updates against the emulator", () => {
  it("tells new, edited and deleted messages of channels, private chats and basic groups, in order", async () => {
    const start = await newest()
    const stream = updates(3, { since: start })
    const placed = await post([
      { peer: "channel:3001", date: now(), text: "live one" },
      { peer: "user:1002", owner: 1001, from: "user:1002", date: now(), text: "hi alice" },
      { peer: "chat:2001", owner: 1001, from: "user:1003", date: now(), text: "family news" }
    ])
    const [channelPost, chatPost] = placed.messages as Array<{ id: number }>
    // The private chat's messages come short, so through the difference: one asked after the deletion would tell
    // the final state (no "hi alice"). The edit and the deletion wait for the new messages' events.
    const created = await stream
    const rest = updates(2, { since: start + 3 })
    await post([{ peer: "channel:3001", id: channelPost!.id, text: "live one, edited" }])
    await control("DELETE", "/messages", { peer: "user:1002", owner: 1001, id: chatPost!.id })
    const events = [...created, ...(await rest)]
    expect(events.map((e) => e.id)).toEqual([1, 2, 3, 4, 5].map((k) => start + k))
    expect(summary(events)).toEqual([
      `new_message:${CRYPTO}:${channelPost!.id}:live one`,
      `new_message:${BOB_CHAT}:${chatPost!.id}:hi alice`,
      `new_message:${FAMILY}:${(placed.messages[2] as { id: number }).id}:family news`,
      `edit_message:${CRYPTO}:${channelPost!.id}:live one, edited`,
      `delete_messages:null:${chatPost!.id}`
    ])
    // The message as history gives it.
    const history = await (await fetch(`${url}/api/v3/history/${CRYPTO}?start_date=2020-01-01`, { headers: { "x-telegram-username": ALICE } })).text()
    const fromHistory = [...history.matchAll(/^data: (.+)$/gm)].flatMap((m) => JSON.parse(m[1]!).messages as Array<Json>)
      .find((m) => m.message_id === channelPost!.id)
    const { dialog_id: _, ...fromEvent } = events[3]!.data
    expect(fromEvent).toEqual(fromHistory)
  })

  it("recovers dropped pushes, updatesTooLong and a channel's pts hole through the difference", async () => {
    const start = await newest()
    const stream = updates(4, { since: start })
    await control("POST", "/faults/updates", { drop_pushes: 2, user_id: 1001 })
    await post([{ peer: "channel:3001", date: now(), text: "dropped 1" }, { peer: "channel:3001", date: now(), text: "dropped 2" }])
    await post([{ peer: "channel:3001", date: now(), text: "after the hole" }])
    await control("POST", "/faults/updates", { channel_hole: "channel:3002", count: 1 })
    await post([{ peer: "channel:3002", date: now(), from: "user:1003", text: "in the hole" }])
    await control("POST", "/faults/updates", { updates_too_long: true, user_id: 1001 })
    const events = await stream
    expect(summary(events).map((s) => s.split(":").slice(0, 2).join(":") + ":" + s.split(":").slice(3).join(":"))).toEqual([
      `new_message:${CRYPTO}:dropped 1`,
      `new_message:${CRYPTO}:dropped 2`,
      `new_message:${CRYPTO}:after the hole`,
      `new_message:${RUST}:in the hole`
    ])
  })

  it("keeps two accounts apart", async () => {
    const aliceStart = await newest(ALICE)
    const bobStart = await newest(BOB)
    // Bob's first event may be the one the earlier test's channel hole held back (he is in Rust Devs too).
    const bobStream = updates(3, { session: BOB, since: bobStart, until: (events) => events.some((e) => e.data.message === "both, again") })
    const aliceStream = updates(2, { session: ALICE, since: aliceStart })
    await post([{ peer: "channel:3001", date: now(), text: "only alice is here" }])
    await post([{ peer: "channel:3002", date: now(), from: "user:1003", text: "both are here" }])
    await post([{ peer: "channel:3002", date: now(), from: "user:1003", text: "both, again" }])
    const bob = await bobStream
    const alice = await aliceStream
    // Bob is not in Crypto News: none of its messages; both of Rust Devs'.
    expect(bob.every((e) => e.data.dialog_id === RUST)).toBe(true)
    expect(summary(bob).map((s) => s.split(":").slice(3).join(":")).filter((t) => t !== "in the hole")).toEqual(["both are here", "both, again"])
    expect(summary(alice).map((s) => s.split(":").slice(3).join(":"))).toEqual(["only alice is here", "both are here"])
    expect(alice.every((e) => e.data.dialog_id === CRYPTO || e.data.dialog_id === RUST)).toBe(true)
  })

  it("filters by dialog_id and by folder, and shows a named token its scope only", async () => {
    const start = await newest()
    const token = await createToken(dataDir, "watcher", ["--session", ALICE, "--scope", `dialog:${CRYPTO}`])
    const byDialog = updates(1, { since: start, query: `dialog_id=${RUST}` })
    // Work: Rust Devs and groups, not channels (Crypto News).
    const byFolder = updates(1, { since: start, query: "folder=Work" })
    const scoped = updates(1, { since: start, token })
    await post([{ peer: "channel:3001", date: now(), text: "crypto only" }])
    await post([{ peer: "channel:3002", date: now(), from: "user:1003", text: "rust only" }])
    const texts = (events: ReadonlyArray<Event>) => events.map((e) => `${e.data.dialog_id}:${e.data.message}`)
    expect(texts(await byDialog)).toEqual([`${RUST}:rust only`])
    expect(texts(await byFolder)).toEqual([`${RUST}:rust only`])
    expect(texts(await scoped)).toEqual([`${CRYPTO}:crypto only`])
    // Outside its scope: asking for another dialog's events gives none of them, not an error that says it exists.
    const asked = updates(1, { since: start, token, query: `dialog_id=${RUST}` })
    await post([{ peer: "channel:3002", date: now(), from: "user:1003", text: "rust again" }])
    await post([{ peer: "channel:3001", date: now(), text: "crypto again" }])
    expect(await Promise.race([asked, new Promise((r) => setTimeout(() => r("nothing"), 3000))])).toBe("nothing")
  })

  it("gives the same events to an agent: MCP get_updates pages them with next_since", async () => {
    const client = await w.connect(ALICE)
    const first = (await client.callTool({ name: "get_updates", arguments: { since: 0, limit: 3 } })) as Json
    expect(first.isError).toBeFalsy()
    const page = first.structuredContent
    expect(page.events.map((e: Json) => e.id)).toEqual([1, 2, 3])
    expect(page.next_since).toBe(3)
    expect(page.following).toBe(true)
    expect(page.events[0]).toMatchObject({ kind: "new_message", dialog_id: CRYPTO, data: { dialog_id: CRYPTO, message: "live one" } })
    const next = ((await client.callTool({ name: "get_updates", arguments: { since: page.next_since, limit: 2 } })) as Json).structuredContent
    expect(next.events.map((e: Json) => e.id)).toEqual([4, 5])
    const bad = (await client.callTool({ name: "get_updates", arguments: { since: 10_000_000 } })) as Json
    expect(bad.isError).toBe(true)
  })

  it("resumes after a restart exactly after the last event, with what changed while it was down, once and in order", async () => {
    const start = await newest()
    await w.server.stop()
    const placed = await post([
      { peer: "channel:3001", date: now(), text: "while down 1" },
      { peer: "channel:3001", date: now(), text: "while down 2" },
      { peer: "chat:2001", owner: 1001, from: "user:1003", date: now(), text: "family, while down" }
    ])
    const [first] = placed.messages as Array<{ id: number }>
    await post([{ peer: "channel:3001", id: first!.id, text: "while down 1, edited" }])
    await control("DELETE", "/messages", { peer: "channel:3001", id: first!.id })
    await startServer()
    // The difference tells the final state: a message deleted since it was posted may come as its deletion only.
    const events = await updates(4, {
      since: start,
      until: (read) =>
        read.some((e) => e.data.message === "family, while down") && read.some((e) => e.data.message === "while down 2") &&
        read.some((e) => e.event === "delete_messages" && e.data.message_ids.includes(first!.id))
    })
    expect(events.map((e) => e.id)).toEqual(events.map((_, k) => start + k + 1))
    const texts = summary(events)
    expect(texts).toContain(`new_message:${FAMILY}:${(placed.messages[2] as { id: number }).id}:family, while down`)
    expect(texts.filter((t) => t.includes("while down 2"))).toHaveLength(1)
    const ofFirst = events.filter((e) => e.data.dialog_id === CRYPTO && (e.data.message_id === first!.id || e.data.message_ids?.includes(first!.id)))
    expect(ofFirst.at(-1)!.event).toBe("delete_messages")
    // Again from the same id: the same events, none twice.
    expect((await updates(events.length, { since: start })).map((e) => e.id)).toEqual(events.map((e) => e.id))
  })

  it("tells every message of more than a difference holds, posted while down (channelDifferenceTooLong), from the history", async () => {
    const start = await newest()
    await server?.stop()
    await w.server.stop().catch(() => undefined)
    // Telegram's channel difference tells at most 100 new messages: past that it answers "too long".
    const texts = Array.from({ length: 150 }, (_, k) => `gap ${k}`)
    const placed = await post(texts.map((text) => ({ peer: "channel:3002", date: now(), text })))
    const ids = (placed.messages as Array<{ id: number }>).map((m) => m.id)
    await startServer()
    const events = await updates(150, { since: start })
    expect(events.map((e) => `${e.event}:${e.data.dialog_id}:${e.data.message_id}:${e.data.message}`))
      .toEqual(ids.map((id, k) => `new_message:${RUST}:${id}:${texts[k]}`))
    // The sequence goes on after the gap: the next message once.
    const [next] = (await post([{ peer: "channel:3002", date: now(), text: "after the gap" }])).messages as Array<{ id: number }>
    expect(summary(await updates(1, { since: events.at(-1)!.id }))).toEqual([`new_message:${RUST}:${next!.id}:after the gap`])
  })

  it("applies edits and deletions to a cache, which then holds what the emulator holds", async () => {
    const start = await newest()
    // A history request caches the channel.
    await (await fetch(`${url}/api/v3/history/${CRYPTO}?start_date=2020-01-01`, { headers: { "x-telegram-username": ALICE } })).text()
    const stream = updates(3, { since: start })
    await post([{ peer: "channel:3001", id: 1, text: "edited live" }])
    await control("DELETE", "/messages", { peer: "channel:3001", id: 2 })
    await post([{ peer: "channel:3001", date: now(), text: "newest" }])
    await stream
    const db = new Database(path.join(dataDir, "accounts", "1001", "dialogs", String(CRYPTO), `${CRYPTO}.db`), { readonly: true })
    const rows = db.prepare("SELECT id, text FROM messages ORDER BY id").all() as Array<{ id: number; text: string }>
    db.close()
    expect(rows.find((r) => r.id === 1)?.text).toBe("edited live")
    expect(rows.some((r) => r.id === 2)).toBe(false)
    expect(rows.map((r) => [r.id, r.text])).toEqual(worldMessages("channel:3001").map((m) => [m.id, m.text]))
  })

  it("downloads the photo of a new message before telling it: the event shows it as history does, its file is served at once", async () => {
    const start = await newest()
    // Cached: a new message is written to the cache, and its media resolved as history would.
    await (await fetch(`${url}/api/v3/history/${CRYPTO}?start_date=2020-01-01`, { headers: { "x-telegram-username": ALICE } })).text()
    const stream = updates(3, { since: start })
    // One file on the DC of the session (GramJS fetches it on a second session of the same key), one on DC 2.
    const placed = (await post([
      { peer: "channel:3001", date: now(), text: "live photo", media: { type: "photo", size: 300_000 } },
      { peer: "channel:3001", date: now(), text: "live photo on DC 2", media: { type: "photo", size: 200_000, dc: 2 } }
    ])).messages as Array<{ id: number }>
    // Pushes still come after the downloads.
    await post([{ peer: "channel:3001", date: now(), text: "after the photos" }])
    const events = await stream
    expect(summary(events).map((s) => s.split(":").slice(3).join(":"))).toEqual(["live photo", "live photo on DC 2", "after the photos"])
    for (const [k, size] of [300_000, 200_000].entries()) {
      const data = events[k]!.data
      expect(data).toMatchObject({ message_id: placed[k]!.id, media_type: "MessageMediaPhoto", media_size: size })
      expect(data.media_uuid).toEqual(expect.any(String))
      // Served before any history request asked for it: the bytes the emulator holds.
      const file = await fetch(`${url}/api/v3/files/${data.media_uuid}`, { headers: { "x-telegram-username": ALICE } })
      expect(file.status).toBe(200)
      const bytes = Buffer.from(await file.arrayBuffer())
      const expected = await fetch(`${w.emulator.control}/media?peer=channel:3001&id=${placed[k]!.id}`)
      expect(bytes.equals(Buffer.from(await expected.arrayBuffer()))).toBe(true)
    }
    // The same fields as the history gives.
    const history = await (await fetch(`${url}/api/v3/history/${CRYPTO}?start_date=2020-01-01`, { headers: { "x-telegram-username": ALICE } })).text()
    const fromHistory = [...history.matchAll(/^data: (.+)$/gm)].flatMap((m) => JSON.parse(m[1]!).messages as Array<Json>)
    for (const event of events.slice(0, 2)) {
      const { dialog_id: _, ...fromEvent } = event.data
      expect(fromEvent).toEqual(fromHistory.find((m) => m.message_id === event.data.message_id))
    }
  })
})

describe("GET /api/v3/history/{dialog_id}?follow=true against the emulator", () => {
  it("streams the history, then the new messages, none lost or repeated around the switch", async () => {
    const res = await fetch(`${url}/api/v3/history/${RUST}?follow=true&chunk_size=5`, { headers: { "x-telegram-username": ALICE } })
    expect(res.status).toBe(200)
    // Posted while the range is being streamed, and after.
    const during = post([1, 2, 3].map((k) => ({ peer: "channel:3002", date: now(), from: "user:1003", text: `during ${k}` })))
    const reader = res.body!.getReader()
    let text = ""
    const decoder = new TextDecoder()
    await during
    await new Promise((r) => setTimeout(r, 500))
    await post([{ peer: "channel:3002", date: now(), from: "user:1003", text: "after" }])
    while (!text.includes("\"message\": \"after\"")) {
      const next = await reader.read()
      if (next.done) break
      text += decoder.decode(next.value, { stream: true })
    }
    await reader.cancel()
    const ids = [...text.matchAll(/^data: (.+)$/gm)].flatMap((m) => (JSON.parse(m[1]!).messages as Array<Json>).map((x) => x.message_id as number))
    expect(ids).toEqual(worldMessages("channel:3002").map((m) => m.id))
  })
})
