/** The quickest whole-product check: log in through the emulator, list dialogs. */
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { type E2e, startE2e } from "../support/E2e.js"

describe("end to end smoke", () => {
  let e2e: E2e
  beforeAll(async () => {
    e2e = await startE2e({ scenario: "test/fixtures/sample.json" })
  })
  afterAll(async () => {
    await e2e?.stop()
  })

  it("logs in by QR (with 2FA on another home DC) and lists dialogs", async () => {
    await e2e.login("alice", 1001)
    await e2e.login("bob", 1002, { password: "hunter2" })
    for (const session of ["alice", "bob"]) {
      const res = await e2e.api("/api/v3/search/dialogs?limit=3", { session })
      expect(res.status).toBe(200)
      const body = await res.json() as { total: number; results: Array<{ id: number }> }
      expect(body.results.length).toBeGreaterThan(0)
    }
  })
})
