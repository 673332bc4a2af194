/**
 * One server per data directory: a second one is refused with a clear
 * message, and the lock never outlives its process (not even SIGKILL).
 */
import { describe, expect, it } from "vitest"
import { runServerCommand, startServer } from "../support/ServerProcess.js"

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
