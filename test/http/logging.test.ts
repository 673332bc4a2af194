/**
 * Logs as operators read them: JSON lines with LOG_FORMAT=json carrying the
 * request fields, and LOG_LEVEL respected (request lines are info).
 */
import { describe, expect, it } from "vitest"
import { freePort, startServer } from "../support/ServerProcess.js"

describe("logs", () => {
  it("LOG_FORMAT=json writes one JSON object per line, requests with method, path, status, duration, request id and session", async () => {
    const server = await startServer({ env: { LOG_FORMAT: "json" } })
    try {
      await fetch(server.url + "/api/v3/settings?secret=QUERYTEXT", { headers: { "X-Telegram-Username": "nobody" } })
      await new Promise((r) => setTimeout(r, 100))
      const lines = server.output().split("\n").filter((l) => l.trim() !== "")
      const entries = lines.map((l) => JSON.parse(l) as { message: unknown; logLevel: string; annotations: Record<string, unknown> })
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
    const server = await startServer({ env: { LOG_LEVEL: "warning" }, port: await freePort() })
    try {
      expect((await fetch(server.url + "/health")).status).toBe(200)
      await new Promise((r) => setTimeout(r, 100))
      expect(server.output()).not.toMatch(/path=\/health/)
    } finally {
      await server.stop()
    }
  })
})
