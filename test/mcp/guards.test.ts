/**
 * /mcp behind the server's guards, tried the way an attacker would: raw
 * HTTP with odd spellings, no or a wrong API token, huge bodies, another
 * site's Origin or Host, another account's session. Whatever fails a
 * guard is answered before any tool runs (the emulator sees no call), in
 * the server's `{"detail"}` shape. And the transport itself: JSON-RPC ids
 * of any kind, notifications, unknown methods, narrowing X-Tgsc-Scope; the
 * GET stream of server messages (behind the same guards, with keep-alives,
 * counted against the server's stream caps with the history streams).
 */
import { Client } from "@modelcontextprotocol/sdk/client/index.js"
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { DEFAULTS } from "../../src/domain/Defaults.js"
import { rawRequest, requestHead, streamUpload } from "../support/RawHttp.js"
import { ALICE, BOB, type McpWorld, startMcpWorld, textOf } from "./McpFixture.js"

const TOKEN = "mcp-guards-token-5521"
const CRYPTO = -1000000003001
const CAROL = "carol"

let w: McpWorld

beforeAll(async () => {
  // Keep-alives every 0.2 s, so a test sees several on a GET stream.
  w = await startMcpWorld({ env: { TGSC_API_TOKEN: TOKEN }, big: false, args: ["--sse-keepalive-seconds", "0.2"] })
  await w.login(ALICE, 1001)
  await w.login(BOB, 1002, "hunter2")
  // Alice's account once more, under a session name no other test holds streams for.
  await w.login(CAROL, 1001)
}, 60_000)

afterAll(async () => {
  await w?.stop()
})

const READ = JSON.stringify({ jsonrpc: "2.0", id: 7, method: "tools/call", params: { name: "read_history", arguments: { dialog_id: CRYPTO } } })

const raw = (method: string, target: string, headers: Record<string, string>, body = "") =>
  rawRequest(
    w.server.port,
    requestHead(method, target, w.server.port, {
      ...(body === "" ? {} : { "Content-Type": "application/json", "Content-Length": String(Buffer.byteLength(body)) }),
      Accept: "application/json, text/event-stream",
      ...headers
    }),
    body
  )

const post = (body: unknown, headers: Record<string, string> = {}) =>
  fetch(`${w.url}/mcp`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      accept: "application/json, text/event-stream",
      authorization: `Bearer ${TOKEN}`,
      "x-telegram-username": ALICE,
      ...headers
    },
    body: typeof body === "string" ? body : JSON.stringify(body)
  })

const historyCalls = async () =>
  ((await (await fetch(`${w.emulator.control}/calls`)).json()) as Record<string, number>)["messages.GetHistory"] ?? 0

describe("the API token", () => {
  it("is required on /mcp however the path is spelled, and nothing reaches a tool without it", async () => {
    const before = await historyCalls()
    for (const target of ["/mcp", "//mcp", "/MCP", "/%6Dcp", "/mcp/", "/./mcp", `http://127.0.0.1:${w.server.port}/mcp`]) {
      for (const headers of [{}, { Authorization: "Bearer wrong" }, { Authorization: `Basic ${TOKEN}` }] as Array<Record<string, string>>) {
        const response = await raw("POST", target, { "X-Telegram-Username": ALICE, ...headers }, READ)
        expect(response.status, `${target} ${JSON.stringify(headers)}`).toBe(401)
        expect(JSON.parse(response.body).detail).toBe(
          "Missing or wrong API token: send 'Authorization: Bearer <token>' with TGSC_API_TOKEN or a token from tgsc-auth token create"
        )
        expect(response.headers["www-authenticate"]).toBe("Bearer")
      }
    }
    expect(await historyCalls()).toBe(before)
    const get = await raw("GET", "/mcp", {})
    expect(get.status).toBe(401)
  })

  it("lets a request with the token through to the session rules, then to the tools", async () => {
    const response = await raw("POST", "/MCP", { Authorization: `Bearer ${TOKEN}`, "X-Telegram-Username": ALICE }, READ)
    expect(response.status).toBe(200)
    const answer = JSON.parse(response.body)
    expect(answer.id).toBe(7)
    expect(answer.result.structuredContent.messages.length).toBe(4)
  })
})

describe("the session header", () => {
  it("is required and must name a logged-in session, as on /api", async () => {
    const missing = await post(READ, { "x-telegram-username": "" })
    expect(missing.status).toBe(401)
    expect(((await missing.json()) as any).detail).toMatch(/^Missing X-Telegram-Username header/)
    const unknown = await post(READ, { "x-telegram-username": "mallory" })
    expect(unknown.status).toBe(401)
    expect(((await unknown.json()) as any).detail).toBe("Session 'mallory' is not logged in: start a login with POST /api/v3/auth/qr")
    const malformed = await post(READ, { "x-telegram-username": "../alice" })
    expect(malformed.status).toBe(400)
  })

  it("acts for that session's account only: another account's dialogs and media do not exist for it", async () => {
    const bobReads = await post(READ, { "x-telegram-username": BOB })
    const answer = (await bobReads.json()) as any
    expect(answer.result.isError).toBe(true)
    expect(answer.result.content[0].text).toBe(`Dialog ${CRYPTO} not found: this account cannot see it`)
    const alicePage = (await (await post(
      { jsonrpc: "2.0", id: 1, method: "tools/call", params: { name: "read_history", arguments: { dialog_id: CRYPTO, format: "json" } } }
    )).json()) as any
    const uuid = alicePage.result.structuredContent.messages[0].media_uuid
    const bobFile = (await (await post(
      { jsonrpc: "2.0", id: 2, method: "tools/call", params: { name: "get_file_info", arguments: { file_uuid: uuid } } },
      { "x-telegram-username": BOB }
    )).json()) as any
    expect(bobFile.result.isError).toBe(true)
    expect(bobFile.result.content[0].text).toBe(`No media file with id '${uuid}' for this account`)
    const bobClient = await w.connect(BOB)
    const dialogs = await bobClient.callTool({ name: "search_dialogs", arguments: {} }) as any
    expect(dialogs.structuredContent.results.map((r: any) => r.id)).not.toContain(CRYPTO)
  })
})

describe("bodies, origins and hosts", () => {
  it("refuses bodies over 64 KB, declared or streamed, and non-JSON bodies", async () => {
    const auth = { Authorization: `Bearer ${TOKEN}`, "X-Telegram-Username": ALICE, "Content-Type": "application/json" }
    // Both at once: each connection lingers a moment after its answer before it is closed.
    const uploads = await Promise.all([false, true].map((chunked) =>
      streamUpload(w.server.port, { method: "POST", target: "/mcp", size: 8 * 1024 * 1024, chunked, headers: auth })
    ))
    for (const { response, sentBytes } of uploads) {
      expect(response.status).toBe(413)
      expect(JSON.parse(response.body).detail).toBe("Request body too large: the limit is 65536 bytes (64 KB)")
      expect(sentBytes).toBeLessThan(8 * 1024 * 1024)
    }
    const text = await post(READ, { "content-type": "text/plain" })
    expect(text.status).toBe(415)
    const broken = await post("{\"jsonrpc\": ")
    expect(broken.status).toBe(400)
    expect(((await broken.json()) as any).detail).toMatch(/^Invalid request body: not valid JSON/)
  })

  it("refuses another site's Origin and another host name", async () => {
    const before = await historyCalls()
    const foreign = await post(READ, { origin: "https://evil.example" })
    expect(foreign.status).toBe(403)
    expect(((await foreign.json()) as any).detail).toMatch(/^Cross-origin request refused: Origin 'https:\/\/evil\.example'/)
    // A DNS-rebinding page's request: its own host name in Host.
    const rebound = await rawRequest(
      w.server.port,
      `POST /mcp HTTP/1.1\r\nHost: evil.example:${w.server.port}\r\nAuthorization: Bearer ${TOKEN}\r\n` +
        `X-Telegram-Username: ${ALICE}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(READ)}\r\n` +
        "Connection: close\r\n\r\n",
      READ
    )
    expect(rebound.status).toBe(403)
    expect(JSON.parse(rebound.body).detail).toMatch(/^Host 'evil\.example:\d+' is not allowed/)
    expect(await historyCalls()).toBe(before)
    const same = await post({ jsonrpc: "2.0", id: 1, method: "ping" }, { origin: w.url })
    expect(same.status).toBe(200)
  })

  it("answers DELETE with 405 (no session to end), and an unsupported protocol version with 400", async () => {
    const response = await fetch(`${w.url}/mcp`, {
      method: "DELETE",
      headers: { authorization: `Bearer ${TOKEN}`, "x-telegram-username": ALICE, "mcp-session-id": "x" }
    })
    expect(response.status).toBe(405)
    expect(response.headers.get("allow")).toBe("GET, POST")
    expect(await response.json()).toEqual({ detail: "DELETE /mcp is not offered: this MCP server keeps no session to end" })
    const old = await post({ jsonrpc: "2.0", id: 1, method: "ping" }, { "mcp-protocol-version": "1999-01-01" })
    expect(old.status).toBe(400)
  })
})

describe("the JSON-RPC transport", () => {
  it("keeps any request id, answers notifications with 202, unknown methods with -32601, batches with arrays", async () => {
    const stringId = (await (await post({ jsonrpc: "2.0", id: "a-7", method: "ping" })).json()) as any
    expect(stringId).toEqual({ jsonrpc: "2.0", id: "a-7", result: {} })
    const zero = (await (await post({ jsonrpc: "2.0", id: 0, method: "tools/list" })).json()) as any
    expect(zero.id).toBe(0)
    expect(zero.result.tools.every((t: any) => t.outputSchema.type === "object")).toBe(true)
    const notification = await post({ jsonrpc: "2.0", method: "notifications/initialized" })
    expect(notification.status).toBe(202)
    expect(await notification.text()).toBe("")
    const unknown = (await (await post({ jsonrpc: "2.0", id: 3, method: "settings/update", params: {} })).json()) as any
    expect(unknown).toEqual({ jsonrpc: "2.0", id: 3, error: { code: -32601, message: "Method not found: settings/update" } })
    const batch = (await (await post([
      { jsonrpc: "2.0", id: 1, method: "ping" },
      { jsonrpc: "2.0", id: 2, method: "nope" }
    ])).json()) as Array<any>
    expect(batch.map((m) => m.id).sort()).toEqual([1, 2])
    const invalid = (await (await post({ id: 4, method: "ping" })).json()) as any
    expect(invalid.error.code).toBe(-32600)
  })

  it("narrows what a request sees to X-Tgsc-Scope, and refuses a malformed one", async () => {
    const client = await w.connect(ALICE, { "x-tgsc-scope": `dialog:${CRYPTO},${encodeURIComponent("folder:News & bots")}` })
    const dialogs = await client.callTool({ name: "search_dialogs", arguments: {} }) as any
    const ids = dialogs.structuredContent.results.map((r: any) => r.id)
    expect(ids).toContain(CRYPTO)
    expect(ids).not.toContain(-1000000003002)
    const hidden = await client.callTool({ name: "read_history", arguments: { dialog_id: -1000000003002 } })
    expect(textOf(hidden)).toBe("Dialog -1000000003002 not found: this account cannot see it")
    const bad = await post({ jsonrpc: "2.0", id: 1, method: "ping" }, { "x-tgsc-scope": "chat:1" })
    expect(bad.status).toBe(400)
    expect(((await bad.json()) as any).detail).toMatch(/^Invalid X-Tgsc-Scope header: invalid scope "chat:1"/)
  })
})

interface Listening {
  readonly response: Response
  /** Reads the stream until `done` holds for what was read so far (or `ms` pass); all text read. */
  readonly readUntil: (done: (text: string) => boolean, ms?: number) => Promise<string>
  readonly close: () => void
}

/** GET /mcp as an MCP client opens it, as `session`, with the headers given (the token's and Accept by default). */
const listen = async (headers: Record<string, string> = {}, session = ALICE): Promise<Listening> => {
  const controller = new AbortController()
  const response = await fetch(`${w.url}/mcp`, {
    headers: { accept: "text/event-stream", authorization: `Bearer ${TOKEN}`, "x-telegram-username": session, ...headers },
    signal: controller.signal
  })
  let text = ""
  let reader: ReadableStreamDefaultReader<Uint8Array> | undefined
  const decoder = new TextDecoder()
  const readUntil = async (done: (text: string) => boolean, ms = 5000) => {
    reader ??= response.body?.getReader()
    const deadline = Date.now() + ms
    while (!done(text) && Date.now() < deadline && reader !== undefined) {
      const next = await Promise.race([
        reader.read(),
        new Promise<"late">((r) => setTimeout(() => r("late"), Math.max(1, deadline - Date.now())))
      ])
      if (next === "late" || next.done) break
      text += decoder.decode(next.value, { stream: true })
    }
    return text
  }
  return { response, readUntil, close: () => controller.abort() }
}

const keepAlives = (text: string) => text.split(": keep-alive\n\n").length - 1

describe("GET /mcp, the stream of server messages", () => {
  it("is behind the same guards as POST: token, session, Origin, Host, scope, protocol version; nothing opens without them", async () => {
    for (const target of ["/mcp", "//mcp", "/MCP", "/%6Dcp"]) {
      for (const headers of [{}, { Authorization: "Bearer wrong" }] as Array<Record<string, string>>) {
        const response = await raw("GET", target, { "X-Telegram-Username": ALICE, Accept: "text/event-stream", ...headers })
        expect(response.status, `${target} ${JSON.stringify(headers)}`).toBe(401)
        expect(JSON.parse(response.body).detail).toMatch(/^Missing or wrong API token/)
      }
    }
    const refusals: Array<[Record<string, string>, number, RegExp]> = [
      [{ "x-telegram-username": "" }, 401, /^Missing X-Telegram-Username header/],
      [{ "x-telegram-username": "mallory" }, 401, /^Session 'mallory' is not logged in/],
      [{ "x-telegram-username": "../alice" }, 400, /./],
      [{ origin: "https://evil.example" }, 403, /^Cross-origin request refused: Origin .https:\/\/evil\.example. is not this server.s origin\. MCP connections are accepted only/],
      [{ origin: "null" }, 403, /^Cross-origin request refused: Origin .null./],
      [{ "x-tgsc-scope": "chat:1" }, 400, /^Invalid X-Tgsc-Scope header/],
      [{ "mcp-protocol-version": "1999-01-01" }, 400, /^Unsupported MCP-Protocol-Version '1999-01-01'/]
    ]
    for (const [headers, status, detail] of refusals) {
      const { response } = await listen(headers)
      expect(response.status, JSON.stringify(headers)).toBe(status)
      expect(response.headers.get("content-type")).toMatch(/^application\/json/)
      expect(((await response.json()) as any).detail).toMatch(detail)
    }
    const rebound = await rawRequest(
      w.server.port,
      `GET /mcp HTTP/1.1\r\nHost: evil.example:${w.server.port}\r\nAuthorization: Bearer ${TOKEN}\r\n` +
        `X-Telegram-Username: ${ALICE}\r\nAccept: text/event-stream\r\nConnection: close\r\n\r\n`
    )
    expect(rebound.status).toBe(403)
    expect(JSON.parse(rebound.body).detail).toMatch(/^Host 'evil\.example:\d+' is not allowed/)
  })

  it("answers 406 to a GET that does not accept text/event-stream", async () => {
    const { response } = await listen({ accept: "application/json" })
    expect(response.status).toBe(406)
    expect(await response.json()).toEqual({
      detail: "GET /mcp opens a stream of server messages: send 'Accept: text/event-stream' (requests go with POST)"
    })
  })

  it("opens an SSE stream that sends keep-alives at once and at the server's interval, until the client closes it", async () => {
    const stream = await listen({ origin: w.url })
    expect(stream.response.status).toBe(200)
    expect(stream.response.headers.get("content-type")).toMatch(/^text\/event-stream/)
    expect(stream.response.headers.get("cache-control")).toBe("no-cache")
    expect(stream.response.headers.get("mcp-session-id")).toBeNull()
    const text = await stream.readUntil((t) => keepAlives(t) >= 3)
    expect(keepAlives(text)).toBeGreaterThanOrEqual(3)
    // Nothing but keep-alives: this server has no message to push once started.
    expect(text.replaceAll(": keep-alive\n\n", "")).toBe("")
    stream.close()
  })

  it("counts against the server's stream caps together with the history streams: 429 with Retry-After, freed on disconnect", async () => {
    const cap = DEFAULTS.maxStreamsPerSession
    const open: Array<Listening> = []
    try {
      for (let i = 0; i < cap; i++) open.push(await listen({}, CAROL))
      expect(open.map((s) => s.response.status)).toEqual(Array(cap).fill(200))
      const refused = await listen({}, CAROL)
      expect(refused.response.status).toBe(429)
      expect(refused.response.headers.get("retry-after")).toBe("5")
      expect(await refused.response.json()).toEqual({
        detail: `Too many streams open for session '${CAROL}' (history and MCP streams together, at most ${cap} at once): ` +
          "retry after 5 seconds, once another stream has ended"
      })
      // A history stream of the same session meets the same cap.
      const history = await fetch(`${w.url}/api/v3/history/${CRYPTO}`, {
        headers: { authorization: `Bearer ${TOKEN}`, "x-telegram-username": CAROL }
      })
      expect(history.status).toBe(429)
      expect(((await history.json()) as any).detail).toMatch(/^Too many streams open for session 'carol'/)
      // Another session is not held back by this one's streams.
      const other = await listen({}, BOB)
      expect(other.response.status).toBe(200)
      other.close()
      // A client that goes away frees its slot.
      open.shift()!.close()
      let again: Listening | undefined
      for (let attempt = 0; attempt < 200 && again === undefined; attempt++) {
        const next = await listen({}, CAROL)
        if (next.response.status === 200) again = next
        else {
          expect(next.response.status).toBe(429)
          await next.response.body?.cancel()
          await new Promise((r) => setTimeout(r, 25))
        }
      }
      expect(again?.response.status).toBe(200)
      open.push(again!)
    } finally {
      for (const stream of open) stream.close()
    }
  })

  it("is opened by the SDK client after initialize, and the client works over POST with it open", async () => {
    const gets: Array<{ status: number; contentType: string | null }> = []
    const client = new Client({ name: "tgsc-test", version: "1.0.0" })
    const transport = new StreamableHTTPClientTransport(new URL(`${w.url}/mcp`), {
      requestInit: { headers: { "x-telegram-username": ALICE, authorization: `Bearer ${TOKEN}` } },
      fetch: async (url, init) => {
        const response = await fetch(url, init)
        if ((init?.method ?? "GET") === "GET") gets.push({ status: response.status, contentType: response.headers.get("content-type") })
        return response
      }
    })
    const errors: Array<unknown> = []
    client.onerror = (error) => errors.push(error)
    await client.connect(transport)
    try {
      for (let i = 0; i < 100 && gets.length === 0; i++) await new Promise((r) => setTimeout(r, 20))
      expect(gets).toEqual([{ status: 200, contentType: expect.stringMatching(/^text\/event-stream/) }])
      const page = await client.callTool({ name: "read_history", arguments: { dialog_id: CRYPTO, format: "json" } }) as any
      expect(page.structuredContent.messages.length).toBe(4)
      expect((await client.listResources()).resources.map((r) => r.uri)).toEqual(["tgsc://dialogs", "tgsc://folders"])
      // Several keep-alives went by on the open stream: still one GET, no reconnection, no error.
      await new Promise((r) => setTimeout(r, 500))
      expect(gets.length).toBe(1)
      expect(errors).toEqual([])
    } finally {
      await client.close()
    }
  })
})

describe("GET /mcp when the server stops", () => {
  it("ends the open stream, and the server stops without waiting for it", async () => {
    const own = await startMcpWorld({ big: false })
    try {
      await own.login(ALICE, 1001)
      const response = await fetch(`${own.url}/mcp`, { headers: { accept: "text/event-stream", "x-telegram-username": ALICE } })
      expect(response.status).toBe(200)
      const reader = response.body!.getReader()
      expect(new TextDecoder().decode((await reader.read()).value)).toBe(": keep-alive\n\n")
      const started = Date.now()
      await own.server.stop()
      expect(Date.now() - started).toBeLessThan(5000)
      // The stream is over (ended or cut with the connection): no read waits for ever.
      const end = await reader.read().then((r) => (r.done ? "done" : "data"), () => "cut")
      expect(["done", "cut"]).toContain(end)
    } finally {
      await own.stop().catch(() => undefined)
    }
  })
})
