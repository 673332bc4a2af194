/**
 * The HTTP shell end to end: the real server process on an ephemeral port,
 * a real data directory in a temp folder.
 */
import * as net from "node:net"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { runServerCommand, seedSession, type ServerProcess, startServer } from "../support/ServerProcess.js"
import { json } from "../support/http.js"

const CONTRACT_PATHS = [
  "/health",
  "/api/v3/auth/qr",
  "/api/v3/auth/qr/{token}",
  "/api/v3/auth/qr/{token}/2fa",
  "/api/v3/search/dialogs",
  "/api/v3/folders",
  "/api/v3/search/messages/{dialog_id}",
  "/api/v3/search/messages",
  "/api/v3/history/{dialog_id}",
  "/api/v3/files/{file_uuid}",
  "/api/v3/settings"
]

describe("HTTP shell", () => {
  let server: ServerProcess
  const get = (path: string, headers: Record<string, string> = {}) => fetch(server.url + path, { headers })
  const asUser = { "X-Telegram-Username": "alice" }

  beforeAll(async () => {
    server = await startServer()
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
    expect(Object.keys(spec.paths["/api/v3/settings"]!.patch!.responses)).toContain("422")
    // Every endpoint is implemented: none documents a 501.
    const statuses = Object.values(spec.paths).flatMap((methods) => Object.values(methods).flatMap((op) => Object.keys(op.responses)))
    expect(statuses).not.toContain("501")
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
    it("applies to every /api/v3 endpoint but login", async () => {
      for (const p of ["/api/v3/search/dialogs", "/api/v3/folders", "/api/v3/search/messages?q=x",
        "/api/v3/search/messages/5?q=x", "/api/v3/history/5", "/api/v3/files/abc"]) {
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
      ["/api/v3/history/5?chunk_size=-3", /chunk_size/],
      ["/api/v3/history/5?force_refresh=perhaps", /force_refresh/],
      ["/api/v3/history/5?start_date=01/02/2024", /start_date.*Invalid date format/],
      ["/api/v3/files/abc?metadata_only=2", /metadata_only/]
    ]
    it.each(cases)("%s", async (path, detail) => {
      const res = await get(path, asUser)
      expect(res.status).toBe(400)
      const body = await json(res)
      expect(Object.keys(body)).toEqual(["detail"])
      expect(body.detail).toMatch(detail)
    })
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
  let server: ServerProcess
  beforeAll(async () => {
    server = await startServer({ env: { TELEGRAM_API_ID: "12345", TELEGRAM_API_HASH: "0123456789abcdef0123456789abcdef" } })
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
  let server: ServerProcess
  beforeAll(async () => {
    server = await startServer({ env: { TGSC_API_TOKEN: "s3cret-token" } })
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
