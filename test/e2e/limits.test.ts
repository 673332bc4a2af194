/**
 * The server's bounds end to end (real server, emulator): pending QR logins
 * capped with a 429 whose Retry-After is when the oldest one expires, and a
 * place freed by a cancel; the longest dialog query accepted and scored,
 * one code point more refused. (Stream caps: test/http/historyLimits.test.ts.)
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { type E2e, startE2e } from "../support/E2e.js"

const ALICE = "alice"

describe("bounds on the real server", () => {
  let e2e: E2e
  beforeAll(async () => {
    e2e = await startE2e({ scenario: "test/fixtures/sample.json", serverArgs: ["--max-pending-logins", "2"] })
    await e2e.login(ALICE, 1001)
  }, 120_000)
  afterAll(async () => {
    await e2e?.stop()
  })

  const startLogin = (username: string) =>
    e2e.api("/api/v3/auth/qr", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ username })
    })

  it("at most --max-pending-logins QR logins wait at once: 429 with Retry-After, and a cancel frees a place", async () => {
    const first = await startLogin("one")
    expect(first.status).toBe(200)
    const { token } = await first.json() as { token: string }
    const second = await startLogin("two")
    expect(second.status).toBe(200)
    const refused = await startLogin("three")
    expect(refused.status).toBe(429)
    const retryAfter = Number(refused.headers.get("retry-after"))
    expect(retryAfter).toBeGreaterThanOrEqual(1)
    expect(retryAfter).toBeLessThanOrEqual(300)
    expect(await refused.json()).toEqual({
      detail: `Too many QR logins pending on this server (at most 2 at once): retry after ${retryAfter} seconds, ` +
        "or cancel one (DELETE /api/v3/auth/qr/{token})"
    })
    // The per-name rule is unchanged: a second login for a pending name is a 409.
    expect((await startLogin("two")).status).toBe(409)
    expect((await e2e.api(`/api/v3/auth/qr/${token}`, { method: "DELETE" })).status).toBe(200)
    const third = await startLogin("three")
    expect(third.status).toBe(200)
  }, 60_000)

  it("a dialog query of 256 code points is searched, even at min_score=0 (every title scored); 257 are refused", async () => {
    const longest = encodeURIComponent("crypto news ".repeat(30).slice(0, 255) + "🚀")
    const everyTitle = await e2e.api(`/api/v3/search/dialogs?q=${longest}&min_score=0&limit=500`, { session: ALICE })
    expect(everyTitle.status).toBe(200)
    const page = await everyTitle.json() as { total: number; results: Array<{ title: string; score: number }> }
    expect(page.total).toBeGreaterThan(5)
    expect(page.results[0]!.title).toBe("Crypto News")
    const tooLong = await e2e.api(`/api/v3/search/dialogs?query=${"e".repeat(257)}`, { session: ALICE })
    expect(tooLong.status).toBe(400)
    expect(await tooLong.json()).toEqual({ detail: "Invalid parameter 'query': must be at most 256 characters, got 257" })
    const messages = await e2e.api(`/api/v3/search/messages?q=${"e".repeat(257)}`, { session: ALICE })
    expect(messages.status).toBe(400)
  }, 60_000)
})
