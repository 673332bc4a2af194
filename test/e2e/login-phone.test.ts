/**
 * Phone-code login end to end: the real server process, the emulator as
 * Telegram, the code read from the account's phone through the emulator's
 * control API. A wrong then a right code, 2FA after the code on another DC,
 * resends (app, SMS, call, then none), an expired code, the cap on wrong
 * codes, Telegram's refusals (invalid, banned, unknown number, rate limits on
 * sending and on checking a code),
 * force, cancel, the rules shared with QR logins, and no number or code in
 * any log line or file.
 */
import * as fs from "node:fs"
import * as path from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { type E2e, startE2e } from "../support/E2e.js"
import { json } from "../support/http.js"
import {
  ALICE_PHONE,
  BANNED_PHONE,
  BOB_PHONE,
  codesSent,
  lastCode,
  phoneScenario,
  phoneState,
  resendCode,
  startPhoneLogin,
  submitCode,
  submitPhonePassword,
  UNKNOWN_PHONE,
  wrongCodeFor
} from "../support/PhoneLoginSteps.js"
import { jsonInit, listFiles, mustStart } from "../support/QrLoginSteps.js"
import { sessionFilePath } from "../support/ServerProcess.js"

const PASSWORD = "hunter2"

let e2e: E2e
/** Every code the tests typed, right or wrong: none may show up in a log. */
const codesTyped = new Set<string>()

beforeAll(async () => {
  // Many codes for one number in this file: the hourly FLOOD_WAIT (tested in the emulator's own tests) stays out of the way.
  e2e = await startE2e({ scenario: phoneScenario({ phone_codes_per_hour: 1000 }), serverArgs: ["--log-level", "debug"] })
})

afterAll(async () => {
  await e2e?.stop()
})

const type = async (token: string, code: string) => {
  codesTyped.add(code)
  return submitCode(e2e, token, code)
}

const dialogCount = async (session: string) => {
  const res = await e2e.api("/api/v3/search/dialogs?limit=500", { session })
  expect(res.status, await res.clone().text()).toBe(200)
  return ((await res.json()) as { total: number }).total
}

/** Starts a phone login that must start. */
const mustStartPhone = async (username: string, phone: string, force = false) => {
  const started = await startPhoneLogin(e2e, { username, phone, ...(force ? { force } : {}) })
  expect(started.status, JSON.stringify(started.body)).toBe(200)
  return started.body as typeof started.body & { token: string }
}

describe("phone login", () => {
  it("code_required (app, then sms) -> a wrong code is a 400 with attempts left -> the right one saves the session", async () => {
    const started = await mustStartPhone("alice", ALICE_PHONE)
    expect(started).toMatchObject({
      status: "code_required",
      phone: "+15*******01",
      code_type: "app",
      next_type: "sms",
      timeout: 60,
      attempts_left: 5
    })
    expect(started.token).toMatch(/^[A-Za-z0-9_-]{20,}$/)
    expect(started.message).toContain(`/api/v3/auth/phone/${started.token}/code`)
    const sent = await lastCode(e2e, ALICE_PHONE)
    expect(sent).toMatchObject({ type: "app", status: "active" })

    const wrong = await type(started.token, wrongCodeFor(sent.code))
    expect(wrong.status).toBe(400)
    expect(wrong.body.detail).toBe("The code is wrong (PHONE_CODE_INVALID): 4 attempts left")
    const after = await phoneState(e2e, started.token)
    expect(after.body).toMatchObject({ status: "code_required", attempts_left: 4, error: "The code was wrong: 4 attempts left" })
    expect(fs.existsSync(sessionFilePath(e2e.server.dataDir, "alice"))).toBe(false)

    const right = await type(started.token, ` ${sent.code.slice(0, 2)} ${sent.code.slice(2)} `)
    expect(right.status, JSON.stringify(right.body)).toBe(200)
    expect(right.body).toMatchObject({ status: "success", username: "alice", error: null })
    expect(listFiles(path.join(e2e.server.dataDir, "sessions"))).toEqual(["alice.session"])
    expect(fs.statSync(sessionFilePath(e2e.server.dataDir, "alice")).mode & 0o777).toBe(0o600)
    expect(await dialogCount("alice")).toBeGreaterThan(0)
    expect((await lastCode(e2e, ALICE_PHONE)).status).toBe("used")
    // Done: no more codes taken.
    expect((await type(started.token, sent.code)).status).toBe(409)
  })

  it("an account on another DC with 2FA: the code, password_required, a wrong password, the right one", async () => {
    const started = await mustStartPhone("bob", BOB_PHONE)
    const { code } = await lastCode(e2e, BOB_PHONE)
    const afterCode = await type(started.token, code)
    expect(afterCode.status).toBe(200)
    expect(afterCode.body).toMatchObject({ status: "password_required", error: null })
    expect(afterCode.body.message).toContain(`/api/v3/auth/phone/${started.token}/2fa`)
    const wrong = await submitPhonePassword(e2e, started.token, "not-the-password")
    expect(wrong.body).toMatchObject({ status: "password_required", error: "Wrong 2FA password, try again" })
    expect((await submitPhonePassword(e2e, started.token, PASSWORD)).body.status).toBe("success")
    expect(await dialogCount("bob")).toBeGreaterThan(0)
    const session = fs.readFileSync(sessionFilePath(e2e.server.dataDir, "bob"), "utf8")
    expect(session).not.toContain(PASSWORD)
  })

  it("resend: by SMS, then by call, then Telegram has no other way (400); only the newest code logs in", async () => {
    const started = await mustStartPhone("carol", ALICE_PHONE)
    const first = await lastCode(e2e, ALICE_PHONE)
    const sms = await resendCode(e2e, started.token)
    expect(sms.status, JSON.stringify(sms.body)).toBe(200)
    expect(sms.body).toMatchObject({ status: "code_required", code_type: "sms", next_type: "call" })
    const call = await resendCode(e2e, started.token)
    expect(call.body).toMatchObject({ code_type: "call", next_type: null, timeout: null })
    const none = await resendCode(e2e, started.token)
    expect(none.status).toBe(400)
    expect(none.body.detail).toMatch(/SEND_CODE_UNAVAILABLE/)
    expect((await phoneState(e2e, started.token)).body.status).toBe("code_required")
    const newest = await lastCode(e2e, ALICE_PHONE)
    expect(newest.type).toBe("call")
    if (first.code !== newest.code) expect((await type(started.token, first.code)).status).toBe(400)
    expect((await type(started.token, newest.code)).body.status).toBe("success")
  })

  it("an expired code is a 400 naming resend; the resend sends a new one that works", async () => {
    const started = await mustStartPhone("dave", ALICE_PHONE)
    const old = await lastCode(e2e, ALICE_PHONE)
    // The emulator's clock jumps past the code's 300 s (from wherever realistic mode had it).
    const { clock_offset_seconds: offset } = await (await e2e.control("/realism")).json() as { clock_offset_seconds: number }
    await e2e.control("/realism", jsonInit({ realism: { clock_offset_seconds: offset + 301 } }))
    try {
      const expired = await type(started.token, old.code)
      expect(expired.status).toBe(400)
      expect(expired.body.detail).toBe(
        `The code has expired (PHONE_CODE_EXPIRED): ask for a new one with POST /api/v3/auth/phone/${started.token}/resend`
      )
      const resent = await resendCode(e2e, started.token)
      expect(resent.status, JSON.stringify(resent.body)).toBe(200)
      expect(resent.body).toMatchObject({ status: "code_required", error: null })
      expect((await type(started.token, (await lastCode(e2e, ALICE_PHONE)).code)).body.status).toBe("success")
    } finally {
      await e2e.control("/realism", jsonInit({ realism: { clock_offset_seconds: offset } }))
    }
  })

  it("5 wrong codes end the login: the 5th is a 400 saying so, the code is withdrawn at Telegram, nothing saved", async () => {
    const started = await mustStartPhone("erin", ALICE_PHONE)
    const { code } = await lastCode(e2e, ALICE_PHONE)
    const wrong = wrongCodeFor(code)
    for (const left of [4, 3, 2, 1]) expect((await type(started.token, wrong)).body.detail).toMatch(new RegExp(`${left} attempts? left`))
    const last = await type(started.token, wrong)
    expect(last.status).toBe(400)
    expect(last.body.detail).toMatch(/for the 5th time: the login was ended; start a new one with POST \/api\/v3\/auth\/phone/)
    expect((await phoneState(e2e, started.token)).body).toMatchObject({ status: "error", attempts_left: 0 })
    await expect.poll(async () => (await lastCode(e2e, ALICE_PHONE)).status).toBe("cancelled")
    expect((await lastCode(e2e, ALICE_PHONE)).wrong_attempts).toBe(5)
    expect(fs.existsSync(sessionFilePath(e2e.server.dataDir, "erin"))).toBe(false)
  })

  it("Telegram's refusals: an invalid number (400), a banned one (400), one without an account (the code, then an error)", async () => {
    const malformed = await startPhoneLogin(e2e, { username: "frank", phone: "call me" })
    expect(malformed.status).toBe(400)
    expect(malformed.body.detail).toMatch(/^Invalid phone number/)
    const invalid = await startPhoneLogin(e2e, { username: "frank", phone: "+1 5" })
    expect(invalid.status).toBe(400)
    const banned = await startPhoneLogin(e2e, { username: "frank", phone: BANNED_PHONE })
    expect(banned.status).toBe(400)
    expect(banned.body.detail).toBe("Telegram has banned this phone number (PHONE_NUMBER_BANNED): it cannot log in")
    const unknown = await mustStartPhone("frank", UNKNOWN_PHONE)
    const signUp = await type(unknown.token, (await lastCode(e2e, UNKNOWN_PHONE)).code)
    expect(signUp.body).toMatchObject({ status: "error" })
    expect(signUp.body.error).toMatch(/PHONE_NUMBER_UNOCCUPIED/)
    expect(fs.existsSync(sessionFilePath(e2e.server.dataDir, "frank"))).toBe(false)
  })

  it("FLOOD_WAIT on sending a code is a 429 with Retry-After; on a resend too, the login then still waits for its code", async () => {
    await e2e.control("/faults", jsonInit({ method: "auth.SendCode", error: "FLOOD_WAIT_420" }))
    const flooded = await startPhoneLogin(e2e, { username: "gina", phone: ALICE_PHONE })
    expect(flooded.status).toBe(429)
    expect(flooded.headers.get("retry-after")).toBe("420")
    expect(flooded.body.detail).toBe("Telegram rate limit exceeded. Retry after 420 seconds.")
    const started = await mustStartPhone("gina", ALICE_PHONE)
    await e2e.control("/faults", jsonInit({ method: "auth.ResendCode", error: "FLOOD_WAIT_75" }))
    const resend = await resendCode(e2e, started.token)
    expect(resend.status).toBe(429)
    expect(resend.headers.get("retry-after")).toBe("75")
    expect((await type(started.token, (await lastCode(e2e, ALICE_PHONE)).code)).body.status).toBe("success")
  })

  it("FLOOD_WAIT on submitting a code is a 429 with Retry-After naming the wait; the login stays, the same code works after", async () => {
    const started = await mustStartPhone("gwen", ALICE_PHONE)
    const { code } = await lastCode(e2e, ALICE_PHONE)
    await e2e.control("/faults", jsonInit({ method: "auth.SignIn", error: "FLOOD_WAIT_45" }))
    const flooded = await type(started.token, code)
    expect(flooded.status, JSON.stringify(flooded.body)).toBe(429)
    expect(flooded.headers.get("retry-after")).toBe("45")
    expect(flooded.body.detail).toBe(
      "Telegram rate limit exceeded. Retry after 45 seconds. The code was not checked: the login still waits for it, submit it again then."
    )
    expect((await phoneState(e2e, started.token)).body).toMatchObject({
      status: "code_required",
      attempts_left: 5,
      error: "Telegram did not check the code: Telegram rate limit: retry after 45 s; then submit it again"
    })
    expect((await lastCode(e2e, ALICE_PHONE)).status).toBe("active")
    const right = await type(started.token, code)
    expect(right.status, JSON.stringify(right.body)).toBe(200)
    expect(right.body.status).toBe("success")
  })

  it("Telegram's own PHONE_NUMBER_INVALID, for a number the server's check lets through, is a 400 saying so", async () => {
    await e2e.control("/faults", jsonInit({ method: "auth.SendCode", error: "PHONE_NUMBER_INVALID" }))
    const invalid = await startPhoneLogin(e2e, { username: "gwen2", phone: ALICE_PHONE })
    expect(invalid.status, JSON.stringify(invalid.body)).toBe(400)
    expect(invalid.body.detail).toBe(
      "Telegram does not accept this phone number (PHONE_NUMBER_INVALID): check the country code and the number"
    )
    expect(fs.existsSync(sessionFilePath(e2e.server.dataDir, "gwen2"))).toBe(false)
    // The name is free again: nothing of the refused login is left pending.
    const again = await mustStartPhone("gwen2", ALICE_PHONE)
    expect((await e2e.api(`/api/v3/auth/phone/${again.token}`, { method: "DELETE" })).status).toBe(200)
  })

  it("the rules QR logins follow: 409 for an existing name, force replaces it (the old login logged out), one login per name", async () => {
    const existing = await startPhoneLogin(e2e, { username: "alice", phone: ALICE_PHONE })
    expect(existing.status).toBe(409)
    expect(existing.body.detail).toMatch(/already exists: send "force": true/)
    const before = fs.readFileSync(sessionFilePath(e2e.server.dataDir, "alice"), "utf8")
    const forced = await mustStartPhone("alice", ALICE_PHONE, true)
    // A QR login for the same name waits its turn, and so does a second phone login.
    expect((await e2e.api("/api/v3/auth/qr", jsonInit({ username: "alice", force: true }))).status).toBe(409)
    expect((await startPhoneLogin(e2e, { username: "alice", phone: ALICE_PHONE, force: true })).status).toBe(409)
    expect(fs.readFileSync(sessionFilePath(e2e.server.dataDir, "alice"), "utf8")).toBe(before)
    expect((await type(forced.token, (await lastCode(e2e, ALICE_PHONE)).code)).body.status).toBe("success")
    expect(fs.readFileSync(sessionFilePath(e2e.server.dataDir, "alice"), "utf8")).not.toBe(before)
    expect(await dialogCount("alice")).toBeGreaterThan(0)
  })

  it("cancel withdraws the code and forgets the login; tokens of QR and phone logins are not interchangeable", async () => {
    const started = await mustStartPhone("hank", ALICE_PHONE)
    const qr = await mustStart(e2e, "ivy")
    expect((await e2e.api(`/api/v3/auth/qr/${started.token}`)).status).toBe(404)
    expect((await phoneState(e2e, qr.token)).status).toBe(404)
    expect((await e2e.api(`/api/v3/auth/qr/${qr.token}`, { method: "DELETE" })).status).toBe(200)
    const cancelled = await e2e.api(`/api/v3/auth/phone/${started.token}`, { method: "DELETE" })
    expect(await json(cancelled)).toMatchObject({ status: "cancelled" })
    await expect.poll(async () => (await lastCode(e2e, ALICE_PHONE)).status).toBe("cancelled")
    expect((await phoneState(e2e, started.token)).status).toBe(404)
    expect((await e2e.api(`/api/v3/auth/phone/${started.token}`, { method: "DELETE" })).status).toBe(404)
    expect((await type(started.token, "12345")).status).toBe(404)
    expect((await resendCode(e2e, started.token)).status).toBe(404)
  })

  it("bad requests: a missing or malformed code, a bad session name, an empty password", async () => {
    const started = await mustStartPhone("jack", ALICE_PHONE)
    expect((await submitCode(e2e, started.token, "")).status).toBe(400)
    expect((await submitCode(e2e, started.token, 12345)).status).toBe(400)
    expect((await e2e.api(`/api/v3/auth/phone/${started.token}/code`, jsonInit({}))).status).toBe(400)
    expect((await submitPhonePassword(e2e, started.token, "")).status).toBe(400)
    expect((await submitPhonePassword(e2e, started.token, "x")).status).toBe(409)
    expect((await startPhoneLogin(e2e, { username: "../evil", phone: ALICE_PHONE })).status).toBe(400)
    expect((await startPhoneLogin(e2e, { username: "kim" })).status).toBe(400)
    expect((await e2e.api(`/api/v3/auth/phone/${started.token}`, { method: "DELETE" })).status).toBe(200)
  })

  it("no phone number, code or login token in the server's log; the numbers only masked", async () => {
    const log = e2e.server.output()
    expect(log).toContain("+15*******01")
    for (const digits of ["15550001001", "5550001001", "15550001002", "447700900123"]) expect(log).not.toContain(digits)
    for (const code of codesTyped) expect(log, `code ${code} in the log`).not.toMatch(new RegExp(`\\b${code.trim()}\\b`))
    expect(log).toMatch(/path=\/api\/v3\/auth\/phone\/\*\*\*\/code/)
    const sent = await codesSent(e2e, ALICE_PHONE)
    for (const { code } of sent) expect(log).not.toMatch(new RegExp(`\\b${code}\\b`))
    for (const file of listFiles(e2e.server.dataDir)) {
      const text = fs.readFileSync(path.join(e2e.server.dataDir, file)).toString("latin1")
      expect(text, file).not.toContain("15550001001")
    }
  })
})
