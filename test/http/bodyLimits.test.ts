/**
 * Bounded request bodies on the real server process: 64 MB and 1 GB bodies,
 * generated while sent (never held in memory here), declared by
 * Content-Length or streamed chunked, to every endpoint that takes a body,
 * all at once: a quick JSON 413, the connection closed so the upload stops,
 * the server's memory flat, and the server healthy and unchanged afterwards.
 *
 * A tgsc-server process, not a server in the test's process: the memory
 * measured is the server's alone. (Run in the test worker, the same uploads
 * grew the worker by about 30 MB, against 1 or 2 MB for the server process:
 * too close to the bound below to tell the server's memory apart.)
 */
import * as fs from "node:fs/promises"
import * as path from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { json } from "../support/http.js"
import { rawRequest, requestHead, residentBytes, streamUpload } from "../support/RawHttp.js"
import { seedSession, type ServerProcess, startServer } from "../support/ServerProcess.js"

/**
 * Every state-changing endpoint (a new one is one line; the test below
 * checks /openapi.json has none missing), and whether it reads a body.
 * The session DELETE names a session that does not exist: a chunked DELETE
 * is answered without its body being read, and would remove a real one.
 */
const WRITE_ENDPOINTS: ReadonlyArray<{ readonly method: string; readonly path: string; readonly target: string; readonly payload: boolean }> = [
  { method: "POST", path: "/api/v3/auth/qr", target: "/api/v3/auth/qr", payload: true },
  { method: "POST", path: "/api/v3/auth/qr/{token}/2fa", target: "/api/v3/auth/qr/abc/2fa", payload: true },
  { method: "POST", path: "/api/v3/auth/phone", target: "/api/v3/auth/phone", payload: true },
  { method: "POST", path: "/api/v3/auth/phone/{token}/code", target: "/api/v3/auth/phone/abc/code", payload: true },
  { method: "POST", path: "/api/v3/auth/phone/{token}/resend", target: "/api/v3/auth/phone/abc/resend", payload: false },
  { method: "POST", path: "/api/v3/auth/phone/{token}/2fa", target: "/api/v3/auth/phone/abc/2fa", payload: true },
  { method: "PATCH", path: "/api/v3/settings", target: "/api/v3/settings", payload: true },
  { method: "DELETE", path: "/api/v3/auth/qr/{token}", target: "/api/v3/auth/qr/abc", payload: false },
  { method: "DELETE", path: "/api/v3/auth/phone/{token}", target: "/api/v3/auth/phone/abc", payload: false },
  { method: "DELETE", path: "/api/v3/sessions/{name}", target: "/api/v3/sessions/nobody", payload: false },
  // A bad dialog id: a 400 before Telegram (not configured here) is needed.
  { method: "POST", path: "/api/v3/sync/{dialog_id}", target: "/api/v3/sync/abc", payload: false },
  { method: "DELETE", path: "/api/v3/sync/{job_id}", target: "/api/v3/sync/nope", payload: false }
]

const MB = 1024 * 1024
const SIZES = [64 * MB, 1024 * MB]
/** Memory the server may gain while refusing all the uploads: far less than one 64 MB body. */
const RSS_GROWTH_LIMIT = 50 * MB
/**
 * Body bytes the socket may accept before the server's answer and close stop
 * it: socket buffers (a few MB on loopback), plus what a busy 2-core machine
 * lets through before the answer goes out. Either way far short of the body.
 */
const SENT_LIMIT = 32 * MB
const sentLimitFor = (size: number) => Math.max(SENT_LIMIT, size / 8)

let server: ServerProcess
const asAlice = { "X-Telegram-Username": "alice", "Content-Type": "application/json" }

beforeAll(async () => {
  server = await startServer()
  await seedSession(server.dataDir, "alice")
}, 60_000)

afterAll(async () => {
  await server?.stop()
})

describe("request body limit (64 KB)", () => {
  it("the table lists every state-changing operation of /openapi.json", async () => {
    const spec = await json(await fetch(server.url + "/openapi.json")) as { paths: Record<string, Record<string, unknown>> }
    const operations = Object.entries(spec.paths).flatMap(([p, methods]) =>
      Object.keys(methods).filter((m) => m !== "get").map((m) => `${m.toUpperCase()} ${p}`)
    )
    expect(operations.length).toBeGreaterThanOrEqual(4)
    expect(WRITE_ENDPOINTS.map((e) => `${e.method} ${e.path}`)).toEqual(expect.arrayContaining(operations))
  })

  // A declared body over the limit is a 413 before routing. A streamed one is a 413 once 64 KB of it are read;
  // an endpoint that reads no body answers without reading it. Either way the connection closes, the upload stops.
  // The uploads run at the same time: each waits for the server to drop its connection (LINGER_MS after the answer).
  it("64 MB and 1 GB bodies to every endpoint: 413 at once, upload cut, memory flat, server healthy and unchanged", async () => {
    const settingsFile = path.join(server.dataDir, "settings.yaml")
    const settingsBefore = await fs.readFile(settingsFile, "utf8").catch(() => null)
    expect((await fetch(server.url + "/health")).status).toBe(200)
    const baseline = residentBytes(server.child.pid!)
    let peak = baseline
    const sampler = setInterval(() => (peak = Math.max(peak, residentBytes(server.child.pid!))), 20)
    try {
      const uploads = WRITE_ENDPOINTS.flatMap((endpoint) =>
        SIZES.flatMap((size) => [false, true].map((chunked) => ({ endpoint, size, chunked })))
      )
      const results = await Promise.allSettled(uploads.map(({ chunked, endpoint, size }) =>
        streamUpload(server.port, { method: endpoint.method, target: endpoint.target, size, chunked, headers: asAlice })
      ))
      for (const [i, { chunked, endpoint, size }] of uploads.entries()) {
        const label = `${endpoint.method} ${endpoint.target} ${size / MB} MB ${chunked ? "chunked" : "Content-Length"}`
        const result = results[i]!
        if (result.status === "rejected") throw new Error(`${label}: ${String(result.reason)}`)
        const { response, sentBytes } = result.value
        expect(response.headers["content-type"], label).toMatch(/^application\/json/)
        expect(response.headers["connection"], label).toBe("close")
        if (endpoint.payload || !chunked) {
          expect(response.status, label).toBe(413)
          expect(JSON.parse(response.body), label).toEqual({
            detail: "Request body too large: the limit is 65536 bytes (64 KB)"
          })
        } else {
          expect(response.status, label).toBeGreaterThanOrEqual(400)
          expect(response.status, label).toBeLessThan(500)
        }
        expect(sentBytes, label).toBeLessThan(sentLimitFor(size))
      }
    } finally {
      clearInterval(sampler)
    }
    peak = Math.max(peak, residentBytes(server.child.pid!))
    expect(peak - baseline, `RSS ${baseline / MB | 0} MB -> peak ${peak / MB | 0} MB`).toBeLessThan(RSS_GROWTH_LIMIT)
    expect((await fetch(server.url + "/health")).status).toBe(200)
    expect(await fs.readFile(settingsFile, "utf8").catch(() => null)).toBe(settingsBefore)
    expect(server.output()).not.toMatch(/RangeError|Invalid string length|unhandled error/)
  }, 300_000)

  it("a body just under the limit is read; one byte over, streamed or declared, is a 413", async () => {
    const patchOf = (body: string, chunked: boolean) => {
      const bytes = Buffer.byteLength(body)
      const head = requestHead("PATCH", "/api/v3/settings", server.port, {
        ...asAlice,
        ...(chunked ? { "Transfer-Encoding": "chunked" } : { "Content-Length": String(bytes) })
      })
      return rawRequest(server.port, head, chunked ? `${bytes.toString(16)}\r\n${body}\r\n0\r\n\r\n` : body)
    }
    const json64k = (size: number) => `{"max_media_size_mb": 20${" ".repeat(size - 25)}}`
    expect(Buffer.byteLength(json64k(64 * 1024))).toBe(64 * 1024)
    for (const chunked of [false, true]) {
      const under = await patchOf(json64k(64 * 1024), chunked)
      expect(under.status, `${chunked}`).toBe(200)
      expect(JSON.parse(under.body).max_media_size_mb).toBe(20)
      const over = await patchOf(json64k(64 * 1024 + 1), chunked)
      expect(over.status, `${chunked}`).toBe(413)
      expect(over.headers["connection"]).toBe("close")
    }
  })

  it("a GET that declares a body over the limit is refused too, and a refused upload does not stay open", async () => {
    const res = await rawRequest(
      server.port,
      requestHead("GET", "/api/v3/settings", server.port, { "X-Telegram-Username": "alice", "Content-Length": String(10 * MB) })
    )
    expect(res.status).toBe(413)
    // A 415 sent before the body arrived closes the connection: the rest of the upload is not read.
    const form = await streamUpload(server.port, {
      method: "POST",
      target: "/api/v3/auth/qr",
      size: 64 * MB,
      chunked: true,
      headers: { "Content-Type": "application/x-www-form-urlencoded" }
    })
    expect(form.response.status).toBe(415)
    expect(form.response.headers["connection"]).toBe("close")
    expect(form.sentBytes).toBeLessThan(SENT_LIMIT)
  })
})
