/**
 * QR logins running out of time, and Telegram out of reach, end to end. The
 * server runs with a 5 s login timeout (enough for a login to reach its 2FA
 * step on a loaded machine) and keeps finished logins readable 2 s (the documented TGSC_LOGIN_TIMEOUT_SECONDS / TGSC_LOGIN_KEEP_SECONDS;
 * the defaults, 300 s and 120 s, are checked in test/app/QrLogins.test.ts).
 */
import * as fs from "node:fs"
import * as path from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { type E2e, startE2e } from "../support/E2e.js"
import { json } from "../support/http.js"
import { listFiles, loginState, mustStart, sampleScenario, scan, startLogin, submitPassword, waitForLogin } from "../support/QrLoginSteps.js"

let e2e: E2e

beforeAll(async () => {
  e2e = await startE2e({
    scenario: sampleScenario(),
    serverEnv: { TGSC_LOGIN_TIMEOUT_SECONDS: "5", TGSC_LOGIN_KEEP_SECONDS: "2" }
  })
})

afterAll(async () => {
  await e2e?.stop()
})

const sessionsDir = () => path.join(e2e.server.dataDir, "sessions")

describe("expiry", () => {
  it("a login nobody scans expires; the end stays readable for a while, then the token is gone", async () => {
    const started = await mustStart(e2e, "slow")
    const expired = await waitForLogin(e2e, started.token, (s) => s?.status !== "pending")
    expect(expired).toEqual({
      status: "expired",
      username: "slow",
      qr_url: null,
      error: null,
      message: expect.stringMatching(/expired.*POST \/api\/v3\/auth\/qr/)
    })
    expect((await e2e.api(`/api/v3/auth/qr/${started.token}/qr.svg`)).status).toBe(404)
    expect((await submitPassword(e2e, started.token, "x")).status).toBe(409)
    const cancel = await e2e.api(`/api/v3/auth/qr/${started.token}`, { method: "DELETE" })
    expect(cancel.status).toBe(409)
    expect((await json(cancel)).detail).toMatch(/expired/)

    // The name is free at once, even while the expired login is still readable.
    const next = await mustStart(e2e, "slow")
    expect((await loginState(e2e, started.token)).body.status).toBe("expired")

    // A phone scanning the old code changes nothing.
    await scan(e2e, started.qr_url, 1001)
    await waitForLogin(e2e, started.token, (s) => s === null)
    expect((await loginState(e2e, started.token)).status).toBe(404)
    await e2e.api(`/api/v3/auth/qr/${next.token}`, { method: "DELETE" })
    expect(listFiles(sessionsDir())).toEqual([])
  })

  it("a login waiting for its 2FA password expires too, and then takes no password", async () => {
    const started = await mustStart(e2e, "forgetful")
    expect(await scan(e2e, started.qr_url, 1002)).toBe(200)
    await waitForLogin(e2e, started.token, (s) => s?.status === "password_required")
    const expired = await waitForLogin(e2e, started.token, (s) => s?.status !== "password_required")
    expect(expired?.status).toBe("expired")
    const late = await submitPassword(e2e, started.token, "hunter2")
    expect(late.status).toBe(409)
    expect(late.body.detail).toMatch(/expired/)
    expect(fs.existsSync(path.join(sessionsDir(), "forgetful.session"))).toBe(false)
  })
})

describe("Telegram out of reach", () => {
  it("starting a login is a 502 with a detail, and logged-in sessions answer 502 instead of hanging", async () => {
    await e2e.login("alice", 1001)
    expect((await e2e.api("/api/v3/search/messages?q=hi", { session: "alice" })).status).toBe(200)
    await e2e.emulator.stop()

    const res = await startLogin(e2e, { username: "nowhere" })
    expect(res.status).toBe(502)
    expect(res.body.detail).toMatch(/^Failed to connect to Telegram for QR login/)
    // Nothing is left pending for the name.
    expect((await startLogin(e2e, { username: "nowhere" })).status).toBe(502)

    const search = await e2e.api("/api/v3/search/messages?q=hi", { session: "alice" })
    expect(search.status).toBe(502)
    expect((await json(search)).detail).toMatch(/Telegram could not be reached/)
    expect(listFiles(sessionsDir())).toEqual(["alice.session"])
  })
})
