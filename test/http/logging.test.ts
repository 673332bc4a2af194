/**
 * Logs as operators read them: JSON lines with LOG_FORMAT=json carrying the
 * request fields, LOG_LEVEL respected (request lines are info), and a
 * connection to Telegram dropped by the emulator logged at info, with the
 * session name, as it is re-established (and a rate-limit wait likewise).
 *
 * The request logs come from the server as tgsc-server runs it from its
 * environment, in this process, its log lines as the binary prints them;
 * the connection logs from the end-to-end fixture's tgsc-server process
 * (so the binary's JSON lines are read from its stdout there).
 */
import { describe, expect, it } from "vitest"
import { startE2e, TEST_API_HASH } from "../support/E2e.js"
import { startInProcessServer } from "../support/InProcessServer.js"
import { freePort } from "../support/ServerProcess.js"

interface LogEntry {
  readonly message: unknown
  readonly logLevel: string
  readonly annotations: Record<string, unknown>
}

const jsonLines = (output: string): Array<LogEntry> =>
  output.split("\n").filter((l) => l.trim() !== "").map((l) => JSON.parse(l) as LogEntry)

describe("logs", () => {
  it("LOG_FORMAT=json writes one JSON object per line, requests with method, path, status, duration, request id and session", async () => {
    const server = await startInProcessServer({ env: { LOG_FORMAT: "json" } })
    try {
      await fetch(server.url + "/api/v3/settings?secret=QUERYTEXT", { headers: { "X-Telegram-Username": "nobody" } })
      await new Promise((r) => setTimeout(r, 100))
      const entries = jsonLines(server.output())
      const request = entries.find((e) => e.annotations?.path === "/api/v3/settings")
      expect(request).toMatchObject({
        logLevel: "INFO",
        annotations: { method: "GET", path: "/api/v3/settings", status: 401, session: "nobody", request_id: expect.any(String) }
      })
      expect(typeof request!.annotations.duration_ms).toBe("number")
      expect(server.output()).not.toContain("QUERYTEXT")
    } finally {
      await server.stop()
    }
  })

  it("LOG_LEVEL=warning leaves out the info lines (requests), but the server still answers", async () => {
    const server = await startInProcessServer({ env: { LOG_LEVEL: "warning" }, port: await freePort() })
    try {
      expect((await fetch(server.url + "/health")).status).toBe(200)
      await new Promise((r) => setTimeout(r, 100))
      expect(server.output()).not.toMatch(/path=\/health/)
    } finally {
      await server.stop()
    }
  })
})

describe("Telegram connection logs", () => {
  it("a dropped connection is logged at info with the session name as it reconnects, the request still succeeds; rate-limit waits are info too", async () => {
    const e2e = await startE2e({
      scenario: "test/fixtures/sample.json",
      serverArgs: ["--dialog-cache-ttl", "0"], // every dialog search asks Telegram
      serverEnv: { LOG_FORMAT: "json" }
    })
    try {
      await e2e.login("alice", 1001)
      const search = () => e2e.api("/api/v3/search/dialogs?q=crypto", { session: "alice" })
      expect((await search()).status).toBe(200)
      const fault = await e2e.control("/faults", {
        method: "POST",
        body: JSON.stringify({ method: "messages.GetDialogs", error: "DISCONNECT" })
      })
      expect(fault.status).toBe(200)
      const res = await search()
      expect(res.status).toBe(200)
      expect(await res.text()).toContain("Crypto News")

      const connectionLines = () =>
        jsonLines(e2e.server.output()).filter((e) => /Telegram closed|reconnect/.test(String(e.message)))
      const deadline = Date.now() + 10_000
      while (!connectionLines().some((e) => String(e.message).startsWith("reconnected")) && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 50))
      }
      expect(connectionLines().map((e) => [e.logLevel, e.message])).toEqual([
        ["INFO", "Telegram closed the connection"],
        ["INFO", "reconnecting to Telegram"],
        ["INFO", expect.stringMatching(/^reconnected to Telegram \(127\.0\.0\.\d+:\d+\)$/)]
      ])
      // The session name only: not the annotations of the request that happened to connect the client.
      for (const line of connectionLines()) expect(line.annotations).toEqual({ session: "alice" })

      // The reconnected client serves the next request.
      expect((await search()).status).toBe(200)

      // A rate limit waited out inside a history stream is logged at info too, with the session.
      await e2e.control("/faults", { method: "POST", body: JSON.stringify({ method: "messages.GetHistory", error: "FLOOD_WAIT_1" }) })
      const history = await e2e.api("/api/v3/history/-1000000003001", { session: "alice" })
      expect(history.status).toBe(200)
      expect(await history.text()).toContain("data: ")
      const wait = jsonLines(e2e.server.output()).find((e) => String(e.message).startsWith("Telegram rate limit"))
      expect(wait).toMatchObject({
        logLevel: "INFO",
        message: "Telegram rate limit on messages.GetHistory: waiting 1 s",
        annotations: { session: "alice" }
      })
      expect(e2e.server.output()).not.toContain(TEST_API_HASH)
    } finally {
      await e2e.stop()
    }
  })
})
