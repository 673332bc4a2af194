/**
 * One server per data directory: a second one is refused with a clear
 * message, and the lock never outlives its process (not even SIGKILL).
 */
import * as http from "node:http"
import { describe, expect, it } from "vitest"
import { freePort, runServerCommand, startServer } from "../support/ServerProcess.js"

/** One GET /health: its status, 0 when refused, -1 when nothing answered within `ms` (a connection left hanging). */
const probe = (port: number, ms: number) =>
  new Promise<number>((resolve) => {
    const request = http.get({ host: "127.0.0.1", port, path: "/health", agent: false }, (res) => {
      res.resume()
      resolve(res.statusCode ?? 0)
    })
    request.setTimeout(ms, () => {
      request.destroy()
      resolve(-1)
    })
    request.on("error", () => resolve(0))
  })

describe("data directory lock", () => {
  it("refuses a second server on the same data directory, and frees the directory when the first dies", async () => {
    const first = await startServer()
    try {
      const second = await runServerCommand(["--data-dir", first.dataDir, "--port", "0"])
      expect(second.code).toBe(1)
      expect(second.stderr).toContain(`the data directory ${first.dataDir} is in use by another tgsc server`)
      expect((await fetch(first.url + "/health")).status).toBe(200)
    } finally {
      await first.stop("SIGKILL")
    }
    const third = await startServer({ dataDir: first.dataDir })
    try {
      expect((await fetch(third.url + "/health")).status).toBe(200)
    } finally {
      await third.stop()
    }
  })
})

describe("start-up", () => {
  it("no connection made while the server starts is left unanswered: the port is bound once the routes are ready", async () => {
    const port = await freePort()
    const started = startServer({ port })
    // A probe every 10 ms from the moment the process starts until one is answered, each given far longer
    // than a start-up takes: refused (0) is fine, left hanging (-1) is not.
    const probes: Array<Promise<number>> = []
    let answered = false
    while (!answered && probes.length < 1000) {
      const p = probe(port, 5_000)
      void p.then((status) => (answered ||= status === 200))
      probes.push(p)
      await new Promise((r) => setTimeout(r, 10))
    }
    const server = await started
    try {
      const statuses = await Promise.all(probes)
      expect(statuses).toContain(200)
      expect(statuses.filter((s) => s !== 0 && s !== 200)).toEqual([])
    } finally {
      await server.stop()
    }
  })
})
