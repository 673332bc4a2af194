/**
 * The HTTP shell end to end: the server as tgsc-server runs it, from its
 * command line and environment, on an ephemeral port over a real data
 * directory in a temp folder. In this process (one server per describe)
 * where the HTTP answers are tested; as a tgsc-server process where the
 * process is: the command line's errors and exit codes, SIGTERM.
 */
import * as net from "node:net"
import { OpenApi } from "@effect/platform"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { TgscApi } from "../../src/http/Api.js"
import { type InProcessServer, startInProcessServer } from "../support/InProcessServer.js"
import { runServerCommand, seedSession, startServer } from "../support/ServerProcess.js"
import { json } from "../support/http.js"

const CONTRACT_PATHS = [
  "/health",
  "/api/v3/auth/qr",
  "/api/v3/auth/qr/{token}",
  "/api/v3/auth/qr/{token}/2fa",
  "/api/v3/auth/phone",
  "/api/v3/auth/phone/{token}",
  "/api/v3/auth/phone/{token}/code",
  "/api/v3/auth/phone/{token}/resend",
  "/api/v3/auth/phone/{token}/2fa",
  "/api/v3/search/dialogs",
  "/api/v3/folders",
  "/api/v3/search/messages/{dialog_id}",
  "/api/v3/search/messages",
  "/api/v3/history/{dialog_id}",
  "/api/v3/dialogs/{dialog_id}/topics",
  "/api/v3/files/{file_uuid}",
  "/api/v3/settings"
]

describe("HTTP shell", () => {
  let server: InProcessServer
  const get = (path: string, headers: Record<string, string> = {}) => fetch(server.url + path, { headers })
  const asUser = { "X-Telegram-Username": "alice" }

  beforeAll(async () => {
    server = await startInProcessServer()
    await seedSession(server.dataDir, "alice")
  })
  afterAll(async () => {
    await server?.stop()
  })

  it("GET /health", async () => {
    const res = await get("/health")
    expect(res.status).toBe(200)
    expect(await json(res)).toEqual({ status: "healthy" })
  })

  it("GET / describes the service", async () => {
    const body = await json(await get("/"))
    expect(body).toMatchObject({ name: "tgsc", docs: "/docs", openapi: "/openapi.json" })
  })

  it("serves Swagger UI at /docs", async () => {
    const res = await get("/docs")
    expect(res.status).toBe(200)
    expect(res.headers.get("content-type")).toContain("text/html")
    expect(await res.text()).toContain("swagger")
  })

  it("/openapi.json describes every endpoint of the contract with its error statuses", async () => {
    const spec = await json(await get("/openapi.json")) as {
      paths: Record<string, Record<string, { responses: Record<string, unknown>; parameters?: Array<{ name: string }> }>>
    }
    for (const p of CONTRACT_PATHS) expect(Object.keys(spec.paths)).toContain(p)
    expect(Object.keys(spec.paths["/api/v3/auth/qr/{token}"]!)).toEqual(expect.arrayContaining(["get", "delete"]))
    expect(Object.keys(spec.paths["/api/v3/settings"]!)).toEqual(expect.arrayContaining(["get", "patch"]))
    const dialogs = spec.paths["/api/v3/search/dialogs"]!.get!
    expect(Object.keys(dialogs.responses)).toEqual(expect.arrayContaining(["200", "400", "401", "429"]))
    const names = dialogs.parameters!.map((p) => p.name)
    for (const n of ["q", "query", "match", "min_score", "type", "folder", "is_archived", "min_messages", "max_messages",
      "min_participants", "max_participants", "last_message_after", "last_message_before", "created_after",
      "created_before", "is_creator", "has_username", "is_verified", "sort", "order", "limit", "offset"]) {
      expect(names).toContain(n)
    }
    expect(Object.keys(spec.paths["/api/v3/settings"]!.patch!.responses)).toEqual(expect.arrayContaining(["403", "413", "415", "422"]))
    expect(Object.keys(spec.paths["/api/v3/auth/qr"]!.post!.responses)).toEqual(expect.arrayContaining(["403", "413", "415"]))
    expect(Object.keys(spec.paths["/api/v3/auth/phone"]!.post!.responses))
      .toEqual(expect.arrayContaining(["200", "400", "403", "409", "413", "415", "429", "502", "503"]))
    expect(Object.keys(spec.paths["/api/v3/auth/phone/{token}"]!)).toEqual(expect.arrayContaining(["get", "delete"]))
    expect(Object.keys(spec.paths["/api/v3/auth/phone/{token}/resend"]!.post!.responses)).toEqual(expect.arrayContaining(["400", "404", "409", "429"]))
    expect(Object.keys(spec.paths["/api/v3/auth/qr/{token}"]!.delete!.responses)).toContain("403")
    expect(Object.keys(dialogs.responses)).not.toContain("415")
    // A named API token outside its sessions (every session route, reads too) or on an admin-only route: 403.
    for (const [p, method] of [["/api/v3/search/dialogs", "get"], ["/api/v3/history/{dialog_id}", "get"], ["/api/v3/files/{file_uuid}", "get"],
      ["/api/v3/sessions/{name}", "delete"], ["/api/v3/auth/qr/{token}", "get"]] as const) {
      expect((spec.paths[p]![method]!.responses["403"] as { description: string }).description, `${method} ${p}`).toMatch(/named API token/)
    }
    // Every endpoint is implemented: none documents a 501.
    const statuses = Object.values(spec.paths).flatMap((methods) => Object.values(methods).flatMap((op) => Object.keys(op.responses)))
    expect(statuses).not.toContain("501")
  })

  it("/openapi.json is the document @effect/platform writes for TgscApi, written once on first request and kept", async () => {
    const first = await get("/openapi.json")
    expect(first.status).toBe(200)
    expect(first.headers.get("content-type")).toBe("application/json")
    const body = await first.text()
    expect(JSON.parse(body)).toEqual(JSON.parse(JSON.stringify(OpenApi.fromApi(TgscApi))))
    expect(await (await get("/openapi.json")).text()).toBe(body)
  })

  it("/openapi.json documents the error bodies really sent, Retry-After on 429, and parameter defaults", async () => {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const spec = await json(await get("/openapi.json")) as any
    const errorDetail = { $ref: "#/components/schemas/ErrorDetail" }
    expect(spec.components.schemas.ErrorDetail).toEqual({
      type: "object",
      required: ["detail"],
      properties: { detail: expect.objectContaining({ type: "string" }) },
      additionalProperties: false
    })
    let errors = 0
    for (const [path, methods] of Object.entries<Record<string, { responses: Record<string, any> }>>(spec.paths)) {
      for (const [method, op] of Object.entries(methods)) {
        for (const [status, response] of Object.entries(op.responses)) {
          if (Number(status) < 400) continue
          errors++
          expect(response.content, `${method} ${path} ${status}`).toEqual({ "application/json": { schema: errorDetail } })
          if (status === "429") expect(response.headers["Retry-After"].schema).toMatchObject({ type: "integer" })
        }
      }
    }
    expect(errors).toBeGreaterThan(50)
    // The error classes' own fields (_tag, retryAfter, issues) are nowhere to be seen.
    const text = JSON.stringify(spec)
    for (const gone of ["HttpApiDecodeError", "\"_tag\"", "retryAfter", "\"issues\""]) expect(text).not.toContain(gone)
    const defaults = (path: string) =>
      Object.fromEntries(
        (spec.paths[path].get.parameters as Array<{ name: string; schema: { default?: unknown } }>)
          .filter((p) => p.schema.default !== undefined)
          .map((p) => [p.name, p.schema.default])
      )
    expect(defaults("/api/v3/search/dialogs")).toEqual({
      match: "fuzzy", min_score: "0.8", sort: "last_message", order: "desc", limit: "50", offset: "0"
    })
    const searchDefaults = { limit: "50", source: "telegram", offset: "0", sort: "date", ensure: "false" }
    expect(defaults("/api/v3/search/messages")).toEqual(searchDefaults)
    expect(defaults("/api/v3/search/messages/{dialog_id}")).toEqual(searchDefaults)
    expect(defaults("/api/v3/history/{dialog_id}")).toEqual({
      chunk_size: "100", force_refresh: "false", reverse: "false", progress: "false", follow: "false"
    })
    expect(defaults("/api/v3/files/{file_uuid}")).toEqual({ metadata_only: "false" })
  })

  it("a URL over Node's header size limit gets a JSON 431, not an empty body", async () => {
    const res = await get("/api/v3/search/dialogs?q=" + "a".repeat(20_000), asUser)
    expect(res.status).toBe(431)
    expect(res.headers.get("content-type")).toBe("application/json")
    expect(res.headers.get("connection")).toBe("close")
    expect(await json(res)).toEqual({ detail: expect.stringMatching(/^Request header fields too large: /) })
    expect((await get("/health")).status).toBe(200)
  })

  it("malformed HTTP gets a JSON 400 and the connection is closed", async () => {
    const socket = net.connect(server.port, "127.0.0.1")
    socket.write("GET /health HTTP/1.1\r\nHost: x\r\nNot a header\r\n\r\n")
    let reply = ""
    socket.on("data", (d) => (reply += d))
    await new Promise((r) => socket.on("close", r))
    expect(reply).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/)
    expect(reply).toContain("Content-Type: application/json\r\n")
    expect(JSON.parse(reply.slice(reply.indexOf("\r\n\r\n") + 4))).toEqual({ detail: expect.stringMatching(/^Bad request/) })
  })

  describe("login request bodies", () => {
    const post = (path: string, body: string, contentType?: string) =>
      fetch(server.url + path, {
        method: "POST",
        headers: contentType === undefined ? {} : { "content-type": contentType },
        body: contentType === undefined ? new Blob([body]) : body
      })
    it("deeply nested JSON is a 400, never a 500", async () => {
      for (const path of ["/api/v3/auth/qr", "/api/v3/auth/qr/abc/2fa"]) {
        const res = await post(path, "[".repeat(3000) + "]".repeat(3000), "application/json")
        expect(res.status, path).toBe(400)
        expect(await json(res)).toEqual({ detail: expect.stringMatching(/^Invalid request body: /) })
      }
      expect(server.output()).not.toMatch(/RangeError|Maximum call stack/)
    })
    it("a JSON body sent as curl -d sends it (form content type), as text/plain or without Content-Type is a 415", async () => {
      for (const contentType of ["application/x-www-form-urlencoded", "text/plain", "multipart/form-data; boundary=x", undefined]) {
        for (const path of ["/api/v3/auth/qr", "/api/v3/auth/qr/abc/2fa"]) {
          const res = await post(path, JSON.stringify({ username: "bob", password: "x" }), contentType)
          expect(res.status, `${path} ${contentType}`).toBe(415)
          expect((await json(res)).detail).toMatch(/Content-Type: application\/json/)
        }
      }
    })
    it("a POST without a body needs no Content-Type: it is read as {}", async () => {
      const res = await fetch(server.url + "/api/v3/auth/qr", { method: "POST" })
      expect(res.status).toBe(400)
      expect((await json(res)).detail).toMatch(/username/)
    })
  })

  it("unknown routes answer a JSON 404", async () => {
    const res = await get("/no/such/route")
    expect(res.status).toBe(404)
    expect(await json(res)).toEqual({ detail: expect.any(String) })
  })

  describe("X-Telegram-Username", () => {
    it("401 when missing", async () => {
      const res = await get("/api/v3/settings")
      expect(res.status).toBe(401)
      expect((await json(res)).detail).toMatch(/X-Telegram-Username/)
    })
    it("401 for a session that was never logged in", async () => {
      const res = await get("/api/v3/settings", { "X-Telegram-Username": "nobody" })
      expect(res.status).toBe(401)
      expect((await json(res)).detail).toMatch(/nobody/)
    })
    it.each(["../etc/passwd", "..", ".hidden", "-dash", "a/b", "a b", "x".repeat(65), "é"])(
      "400 for the malformed name %j",
      async (name) => {
        const res = await get("/api/v3/settings", { "X-Telegram-Username": encodeURIComponent(name) === name ? name : name })
          .catch(() => null)
        if (res === null) return // fetch itself refuses some header values
        expect(res.status).toBe(400)
        expect((await json(res)).detail).toMatch(/session name/i)
      }
    )
    it("quotes a non-ASCII name as sent (UTF-8), not as Node's latin1 reading of it", async () => {
      // fetch sends each character of a header value as one byte: these are the UTF-8 bytes of "démo".
      const res = await get("/api/v3/settings", { "X-Telegram-Username": Buffer.from("démo", "utf8").toString("latin1") })
      expect(res.status).toBe(400)
      const { detail } = await json(res)
      expect(detail).toContain(`Invalid session name "démo"`)
      expect(detail).not.toContain("Ã")
    })
    it("applies to every /api/v3 endpoint but login", async () => {
      for (const p of ["/api/v3/search/dialogs", "/api/v3/folders", "/api/v3/search/messages?q=x",
        "/api/v3/search/messages/5?q=x", "/api/v3/history/5", "/api/v3/dialogs/5/topics", "/api/v3/files/abc",
        "/api/v3/updates"]) {
        expect((await get(p)).status, p).toBe(401)
      }
    })
  })

  describe("parameter validation: 400 with a detail naming the parameter", () => {
    const cases: Array<[string, RegExp]> = [
      ["/api/v3/search/dialogs?limit=0", /limit/],
      ["/api/v3/search/dialogs?limit=501", /limit/],
      ["/api/v3/search/dialogs?limit=abc", /limit/],
      ["/api/v3/search/dialogs?offset=-1", /offset/],
      ["/api/v3/search/dialogs?min_score=1.5", /min_score/],
      ["/api/v3/search/dialogs?type=robot", /type/],
      ["/api/v3/search/dialogs?type=group&type=nope", /type/],
      ["/api/v3/search/dialogs?match=regex", /match/],
      ["/api/v3/search/dialogs?sort=size", /sort/],
      ["/api/v3/search/dialogs?order=up", /order/],
      ["/api/v3/search/dialogs?is_archived=maybe", /is_archived/],
      ["/api/v3/search/dialogs?min_messages=1.5", /min_messages/],
      ["/api/v3/search/dialogs?last_message_after=2024-13-01", /last_message_after.*Invalid date format/],
      ["/api/v3/search/dialogs?created_before=yesterday", /created_before.*Invalid date format/],
      ["/api/v3/search/messages/abc?q=x", /dialog_id/],
      ["/api/v3/search/messages/5?q=x&from_user=abc", /from_user/],
      ["/api/v3/search/messages?q=x&limit=1000", /limit/],
      ["/api/v3/search/messages?q=x&start_date=2024-02-30", /start_date.*Invalid date format/],
      ["/api/v3/history/5?chunk_size=0", /chunk_size/],
      ["/api/v3/history/5?follow=sometimes", /follow/],
      ["/api/v3/updates?since=-1", /since/],
      ["/api/v3/updates?dialog_id=abc", /dialog_id/],
      ["/api/v3/history/5?chunk_size=-3", /chunk_size/],
      ["/api/v3/history/5?force_refresh=perhaps", /force_refresh/],
      ["/api/v3/history/5?topic_id=0", /topic_id/],
      ["/api/v3/history/5?thread=abc", /thread/],
      ["/api/v3/history/5?topic_id=1&thread=2", /topic_id or thread/],
      ["/api/v3/search/messages/5?q=x&topic_id=-1", /topic_id/],
      ["/api/v3/dialogs/abc/topics", /dialog_id/],
      ["/api/v3/history/5?start_date=01/02/2024", /start_date.*Invalid date format/],
      ["/api/v3/files/abc?metadata_only=2", /metadata_only/],
      ["/api/v3/history/5?chunk_size=1001", /^Invalid parameter 'chunk_size': must be an integer between 1 and 1000/],
      [`/api/v3/search/dialogs?q=${"a".repeat(257)}`, /^Invalid parameter 'q': must be at most 256 characters, got 257$/],
      [`/api/v3/search/dialogs?query=${"é".repeat(300)}`, /^Invalid parameter 'query': must be at most 256 characters, got 300$/],
      [`/api/v3/search/messages?q=${"x".repeat(16_000)}`, /^Invalid parameter 'q': must be at most 256 characters, got 16000$/],
      [`/api/v3/search/messages/5?query=${encodeURIComponent("🚀".repeat(257))}`, /'query': must be at most 256 characters, got 257$/]
    ]
    it.each(cases)("%s", async (path, detail) => {
      const res = await get(path, asUser)
      expect(res.status).toBe(400)
      const body = await json(res)
      expect(Object.keys(body)).toEqual(["detail"])
      expect(body.detail).toMatch(detail)
    })
  })

  it("a query of 256 characters passes, counted in code points (256 emoji are 512 UTF-16 units)", async () => {
    for (const path of [
      `/api/v3/search/dialogs?q=${encodeURIComponent("🚀".repeat(256))}`,
      `/api/v3/search/messages?query=${"a".repeat(256)}`,
      "/api/v3/history/5?chunk_size=1000"
    ]) {
      // Past validation: this server has no Telegram credentials.
      expect((await get(path, asUser)).status, path).toBe(503)
    }
  })

  it("endpoints needing Telegram say which variable is missing (503)", async () => {
    const res = await get("/api/v3/search/dialogs", asUser)
    expect(res.status).toBe(503)
    expect((await json(res)).detail).toMatch(/TELEGRAM_API_ID and TELEGRAM_API_HASH/)
    const login = await fetch(server.url + "/api/v3/auth/qr", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ username: "bob" })
    })
    expect(login.status).toBe(503)
  })

  it("a wrong request is a 400 even without Telegram credentials (checked before the 503)", async () => {
    const cases: Array<[string, RegExp]> = [
      ["/api/v3/search/messages", /'q': is required/],
      ["/api/v3/search/messages?q=a&query=b", /either 'q' or 'query'/],
      ["/api/v3/search/messages?q=a&start_date=2024-01-01&end_date=2024-02-01", /end_date must be earlier than start_date/],
      ["/api/v3/search/messages/5", /'q': is required/],
      ["/api/v3/search/messages/5?q=a&start_date=2024-01-01&end_date=2024-01-01", /end_date must be earlier than start_date/],
      ["/api/v3/search/dialogs?q=a&query=b", /either 'q' or 'query'/],
      ["/api/v3/history/5?start_date=2024-02-01&end_date=2024-01-01", /start_date must be earlier than end_date/]
    ]
    for (const [path, detail] of cases) {
      const res = await get(path, asUser)
      expect(res.status, path).toBe(400)
      expect((await json(res)).detail, path).toMatch(detail)
    }
    const login = await fetch(server.url + "/api/v3/auth/qr", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ username: "../bob" })
    })
    expect(login.status).toBe(400)
    expect((await json(login)).detail).toMatch(/Invalid session name/)
  })

  it("a request id comes back on every response", async () => {
    const res = await get("/health", { "x-request-id": "abc-123" })
    expect(res.headers.get("x-request-id")).toBe("abc-123")
    expect((await get("/health")).headers.get("x-request-id")).toMatch(/^[0-9a-f]{8}$/)
  })

  it("logs one line per request with method, path, status and session, but no query text", async () => {
    await get("/api/v3/search/messages?q=SECRETWORD", asUser)
    await new Promise((r) => setTimeout(r, 100))
    const line = server.output().split("\n").findLast((l) => l.includes("path=/api/v3/search/messages ") && l.includes("session=alice"))
    expect(line).toBeDefined()
    expect(line).toMatch(/message="GET \/api\/v3\/search\/messages 503"/)
    expect(line).toMatch(/status=503/)
    expect(line).toMatch(/duration_ms=\d+/)
    expect(line).toMatch(/request_id=\w+/)
    expect(server.output()).not.toContain("SECRETWORD")
  })
})

describe("with Telegram credentials", () => {
  let server: InProcessServer
  beforeAll(async () => {
    server = await startInProcessServer({ env: { TELEGRAM_API_ID: "12345", TELEGRAM_API_HASH: "0123456789abcdef0123456789abcdef" } })
    await seedSession(server.dataDir, "alice")
  })
  afterAll(async () => {
    await server?.stop()
  })
  it("a session file that holds no valid login answers 401 telling to log in again, never 500", async () => {
    for (const path of ["/api/v3/history/5", "/api/v3/search/dialogs", "/api/v3/folders", "/api/v3/search/messages?q=x"]) {
      const res = await fetch(server.url + path, { headers: { "X-Telegram-Username": "alice" } })
      expect(res.status).toBe(401)
      expect((await json(res) as { detail: string }).detail).toMatch(/not a valid Telegram login.*log in again/)
    }
  })
  it("never logs the API hash", async () => {
    await fetch(server.url + "/health")
    expect(server.output()).not.toContain("0123456789abcdef0123456789abcdef")
  })
})

describe("TGSC_API_TOKEN", () => {
  let server: InProcessServer
  beforeAll(async () => {
    server = await startInProcessServer({ env: { TGSC_API_TOKEN: "s3cret-token" } })
    await seedSession(server.dataDir, "alice")
  })
  afterAll(async () => {
    await server?.stop()
  })
  it("401 without or with a wrong bearer token on /api", async () => {
    const none = await fetch(server.url + "/api/v3/settings", { headers: { "X-Telegram-Username": "alice" } })
    expect(none.status).toBe(401)
    expect((await json(none)).detail).toMatch(/token/i)
    const wrong = await fetch(server.url + "/api/v3/settings", {
      headers: { "X-Telegram-Username": "alice", authorization: "Bearer nope" }
    })
    expect(wrong.status).toBe(401)
  })
  it("passes with the right token; /health needs none", async () => {
    const ok = await fetch(server.url + "/api/v3/settings", {
      headers: { "X-Telegram-Username": "alice", authorization: "Bearer s3cret-token" }
    })
    expect(ok.status).toBe(200)
    expect((await fetch(server.url + "/health")).status).toBe(200)
  })
})

// The binary itself: what it prints and the exit code it ends with.
describe("command line", () => {
  it("--help lists the options", async () => {
    const { code, stdout } = await runServerCommand(["--help"])
    expect(code).toBe(0)
    for (const flag of ["--data-dir", "--host", "--port", "--settings", "TELEGRAM_API_ID", "TGSC_API_TOKEN", "--telegram-dc", "--client-idle"]) {
      expect(stdout).toContain(flag)
    }
  })
  it.each([
    [["--port", "abc"], /--port must be a port number/],
    [["--port", "70000"], /--port must be a port number/],
    [["--bogus"], /Unknown option/],
    [["--log-level", "loud"], /--log-level must be one of/],
    [["--client-idle", "0"], /--client-idle must be a number of seconds > 0/],
    [["--telegram-dc", "127.0.0.1:1"], /--telegram-dc is set but --telegram-public-key \(or TGSC_TELEGRAM_PUBLIC_KEY\) is not/],
    [["--telegram-dc", "127.0.0.1:1", "--telegram-public-key", "/nonexistent/key.pem"], /--telegram-public-key: cannot read "\/nonexistent\/key.pem"/]
  ])("rejects %j with a clear message", async (args, message) => {
    const { code, stderr } = await runServerCommand(args)
    expect(code).toBe(2)
    expect(stderr).toMatch(message)
  })
  it("a busy port is a clear start-up error", async () => {
    const blocker = net.createServer()
    await new Promise<void>((r) => blocker.listen(0, "127.0.0.1", () => r()))
    const port = (blocker.address() as net.AddressInfo).port
    const { code, stderr } = await runServerCommand(["--port", String(port), "--data-dir", "/tmp/tgsc-busy-port"])
    blocker.close()
    expect(code).toBe(1)
    expect(stderr).toMatch(/already in use/)
  })
})

// The process: a signal ends it.
describe("shutdown", () => {
  it("SIGTERM ends the server promptly even with a client connection held open", async () => {
    const server = await startServer()
    const socket = net.connect(server.port, "127.0.0.1")
    await new Promise<void>((r) => socket.on("connect", () => r()))
    // A request whose body never finishes keeps the connection busy.
    socket.write("POST /api/v3/auth/qr HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{")
    await new Promise((r) => setTimeout(r, 200))
    const code = await server.stop("SIGTERM")
    socket.destroy()
    expect(code).toBe(0)
  })
})
