/**
 * The caps on concurrent history streams, per session and for the server,
 * over HTTP: 429 with Retry-After beyond them, and a slot freed when its
 * stream ends, whether it finished or its client went away.
 */
import { Effect } from "effect"
import { afterEach, describe, expect, it } from "vitest"
import { message } from "../adapters/sqlite/MessageFixtures.js"
import { TelegramFake } from "../app/HistoryTelegramFake.js"
import { json } from "../support/http.js"
import { type HistoryServer, startHistoryServer } from "./historyServer.js"

const DIALOG = -1001234567890
const JAN = Date.UTC(2024, 0, 1) / 1000

let server: HistoryServer | undefined
afterEach(async () => {
  await server?.close()
  server = undefined
})

const gate = () => {
  let open!: () => void
  const promise = new Promise<void>((r) => (open = r))
  return { promise, open }
}

interface Opened {
  readonly response: Response
  readonly abort: () => void
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

describe("concurrent history streams", () => {
  it("per session and in all: 429 with Retry-After beyond the cap; a slot comes back when a client disconnects or a stream ends", async () => {
    const fake = new TelegramFake()
    fake.set(DIALOG, Array.from({ length: 5 }, (_, k) => message(k + 1, JAN + k * 60)))
    fake.accounts.set("bob", 1002)
    let held = gate()
    fake.beforeHistory = () => Effect.promise(() => held.promise)
    // Headers go out with a keep-alive after 0.1 s while the first page is held.
    server = await startHistoryServer(fake, { keepAliveSeconds: 0.1, limits: { maxStreamsPerSession: 2, maxStreams: 3 } })
    const s = server
    const open = async (session: string, query = ""): Promise<Opened> => {
      const controller = new AbortController()
      const response = await s.get(`/api/v3/history/${DIALOG}${query}`, { "x-telegram-username": session }, controller.signal)
      return { response, abort: () => controller.abort() }
    }
    const refused = async (session: string, detail: RegExp) => {
      const { response } = await open(session)
      expect(response.status).toBe(429)
      expect(response.headers.get("retry-after")).toBe("5")
      expect(await json(response)).toEqual({ detail: expect.stringMatching(detail) })
    }

    const alice1 = await open("alice")
    const alice2 = await open("alice")
    expect([alice1.response.status, alice2.response.status]).toEqual([200, 200])
    await refused("alice", /^Too many streams open for session 'alice' \(history and MCP streams together, at most 2 at once\): retry after 5 seconds/)
    const bob1 = await open("bob")
    expect(bob1.response.status).toBe(200)
    await refused("bob", /^Too many streams open on this server \(history and MCP streams together, at most 3 at once\)/)

    // A client that goes away frees its slot (the server notices the closed socket).
    alice1.abort()
    let again: Opened | undefined
    for (let attempt = 0; attempt < 200 && again === undefined; attempt++) {
      const next = await open("alice")
      if (next.response.status === 200) again = next
      else {
        expect(next.response.status).toBe(429)
        await next.response.body?.cancel()
        await sleep(25)
      }
    }
    expect(again?.response.status).toBe(200)

    // Streams that finish free theirs: release Telegram, read every stream to its end.
    held.open()
    const bodies = await Promise.all([alice2, bob1, again!].map((o) => o.response.text()))
    for (const body of bodies) expect(body).toContain("data: ")
    held = gate()
    const refreshed = await Promise.all([open("alice", "?force_refresh=true"), open("alice", "?force_refresh=true"), open("bob", "?force_refresh=true")])
    expect(refreshed.map((o) => o.response.status)).toEqual([200, 200, 200])
    held.open()
    await Promise.all(refreshed.map((o) => o.response.text()))
  }, 30_000)
})
