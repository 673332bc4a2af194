/**
 * A fuzz test of the real server, with the emulator and a logged-in session:
 * over a thousand malformed requests (FuzzRequests.ts) sent as raw bytes on
 * sockets, across every endpoint. None may answer 5xx; every 4xx is JSON
 * `{"detail": string}` and nothing else; the server is healthy afterwards;
 * and nothing under the data directory changed (every file's path, mode,
 * size and SHA-256, hashed before and after). The seed is printed on
 * failure; FUZZ_SEED=<n> replays a run.
 */
import { createHash } from "node:crypto"
import * as fs from "node:fs/promises"
import * as net from "node:net"
import * as path from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { type E2e, startE2e } from "../support/E2e.js"
import { type FuzzRequest, fuzzRequests } from "./FuzzRequests.js"

const SEED = process.env.FUZZ_SEED === undefined ? Math.floor(Math.random() * 2 ** 31) : Number(process.env.FUZZ_SEED)
const COUNT = 1200
const CONCURRENCY = 6
const ALICE = "alice"

interface Answer {
  readonly status: number
  readonly headers: Record<string, string>
  readonly body: string
}

/** Sends the bytes, reads the response until the server closes the connection (every request says Connection: close). */
const send = (port: number, request: FuzzRequest) =>
  new Promise<Answer>((resolve, reject) => {
    const socket = net.connect(port, "127.0.0.1")
    const chunks: Array<Buffer> = []
    const timer = setTimeout(() => {
      socket.destroy()
      reject(new Error(`no complete answer in 15 s to ${request.label}`))
    }, 15_000)
    socket.on("data", (d) => chunks.push(d))
    socket.on("error", () => {}) // a reset after the answer (the server closing early) is judged by what arrived
    socket.on("close", () => {
      clearTimeout(timer)
      const raw = Buffer.concat(chunks).toString("latin1")
      // Skip interim 1xx answers.
      const text = raw.replace(/^(HTTP\/1\.1 1\d\d[^\r]*\r\n(?:[^\r]+\r\n)*\r\n)+/, "")
      const end = text.indexOf("\r\n\r\n")
      const match = /^HTTP\/1\.1 (\d{3})/.exec(text)
      if (match === null || end < 0) return reject(new Error(`no HTTP answer to ${request.label}: ${JSON.stringify(raw.slice(0, 200))}`))
      const headers: Record<string, string> = {}
      for (const line of text.slice(0, end).split("\r\n").slice(1)) {
        const colon = line.indexOf(":")
        headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim()
      }
      let body = text.slice(end + 4)
      if (/chunked/i.test(headers["transfer-encoding"] ?? "")) {
        let decoded = ""
        for (let rest = body; ;) {
          const lineEnd = rest.indexOf("\r\n")
          const size = parseInt(rest.slice(0, lineEnd), 16)
          if (!(size > 0)) break
          decoded += rest.slice(lineEnd + 2, lineEnd + 2 + size)
          rest = rest.slice(lineEnd + 2 + size + 2)
        }
        body = decoded
      }
      resolve({ status: Number(match[1]), headers, body: Buffer.from(body, "latin1").toString("utf8") })
    })
    socket.write(request.bytes)
  })

/** Every entry under `dir`: path, mode and size, and for files their SHA-256. */
const snapshot = async (dir: string): Promise<Array<string>> => {
  const lines: Array<string> = []
  const walk = async (at: string) => {
    for (const entry of (await fs.readdir(at, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name))) {
      const full = path.join(at, entry.name)
      const stat = await fs.lstat(full)
      const rel = path.relative(dir, full)
      if (entry.isDirectory()) {
        lines.push(`${rel}/ ${(stat.mode & 0o7777).toString(8)}`)
        await walk(full)
      } else {
        const hash = entry.isFile() ? createHash("sha256").update(await fs.readFile(full)).digest("hex") : "not a file"
        lines.push(`${rel} ${(stat.mode & 0o7777).toString(8)} ${stat.size} ${hash}`)
      }
    }
  }
  await walk(dir)
  return lines
}

/** The request's head as text, long values cut, for a failure message. */
const headOf = (request: FuzzRequest) => {
  const text = request.bytes.toString("utf8")
  return JSON.stringify(text.slice(0, text.indexOf("\r\n\r\n") + 4).replace(/([^\r\n]{120})[^\r\n]+/g, "$1..."))
}

/** What is wrong with an answer, or null. */
const problemWith = (answer: Answer): string | null => {
  if (answer.status >= 500) return `status ${answer.status}: ${answer.body.slice(0, 300)}`
  if (answer.status < 400) return null
  if (!/^application\/json/.test(answer.headers["content-type"] ?? "")) {
    return `status ${answer.status} with content-type ${answer.headers["content-type"]}: ${JSON.stringify(answer.body.slice(0, 200))}`
  }
  try {
    const body = JSON.parse(answer.body) as unknown
    const ok = typeof body === "object" && body !== null && !Array.isArray(body) &&
      Object.keys(body).join() === "detail" && typeof (body as { detail: unknown }).detail === "string"
    return ok ? null : `status ${answer.status}, body not {"detail": string}: ${answer.body.slice(0, 300)}`
  } catch {
    return `status ${answer.status}, body not JSON: ${JSON.stringify(answer.body.slice(0, 200))}`
  }
}

describe(`fuzz: ${COUNT} malformed requests (seed ${SEED}; FUZZ_SEED=${SEED} replays it)`, () => {
  let e2e: E2e
  beforeAll(async () => {
    e2e = await startE2e({ scenario: "test/fixtures/sample.json" })
    await e2e.login(ALICE, 1001)
    // Reads that open lazily created files do it now, before the snapshot: the fuzz must change nothing.
    for (const p of ["/api/v3/search/dialogs?q=crypto", "/api/v3/folders", "/api/v3/files/0b1e7d3c-1111-4222-8333-444455556666", "/api/v3/settings"]) {
      await (await e2e.api(p, { session: ALICE })).text()
    }
  }, 120_000)
  afterAll(async () => {
    await e2e?.stop()
  })

  it("no 5xx, every 4xx a JSON {detail}, the server healthy and the data directory unchanged", async () => {
    const requests = fuzzRequests(SEED, COUNT, { session: ALICE, host: `127.0.0.1:${e2e.server.port}` })
    const before = await snapshot(e2e.server.dataDir)
    const problems: Array<string> = []
    const statuses = new Map<number, number>()
    // Requests answered 2xx, for a failure message if the data directory changed.
    const accepted: Array<string> = []
    let next = 0
    const worker = async () => {
      while (next < requests.length) {
        const request = requests[next++]!
        try {
          const answer = await send(e2e.server.port, request)
          statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1)
          if (answer.status < 300) accepted.push(`${request.label} ${headOf(request)}`)
          const problem = problemWith(answer)
          if (problem !== null) problems.push(`${request.label}\n    ${problem}\n    ${headOf(request)}`)
        } catch (error) {
          problems.push(`${request.label}\n    ${(error as Error).message}`)
        }
      }
    }
    await Promise.all(Array.from({ length: CONCURRENCY }, worker))
    const health = await fetch(`${e2e.server.url}/health`)
    const after = await snapshot(e2e.server.dataDir)
    const summary = [...statuses].sort(([a], [b]) => a - b).map(([s, n]) => `${s}: ${n}`).join(", ")
    expect(problems, `seed ${SEED} (FUZZ_SEED=${SEED} to replay); statuses ${summary}`).toEqual([])
    expect(health.status, `seed ${SEED}`).toBe(200)
    const changed = `seed ${SEED}: the data directory changed; requests answered 2xx:\n${accepted.filter((a) => !/GET \/(health|docs|openapi|login|api\/v3\/(search|folders|settings))/.test(a)).join("\n")}`
    expect(after, changed).toEqual(before)
    // The fuzz reached the handlers, not only the HTTP parser and the Host check.
    expect([...statuses.keys()]).toEqual(expect.arrayContaining([400, 401, 404]))
  }, 120_000)
})
