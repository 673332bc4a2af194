/**
 * The API token holds on every spelling of every path: the real server with
 * TGSC_API_TOKEN against the emulator, requests written by hand over a
 * socket (no client normalises them). Without the token, every spelling the
 * router would serve a protected route for is a 401 and nothing is read or
 * written (settings.yaml unchanged, no login started at Telegram); with the
 * token, the same spellings reach their routes and answer sanely.
 */
import * as fs from "node:fs/promises"
import * as path from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { type E2e, startE2e } from "../support/E2e.js"
import { rawRequest, requestHead } from "../support/RawHttp.js"
import { sampleScenario } from "../support/QrLoginSteps.js"
import { seedSession } from "../support/ServerProcess.js"
import { callCount, resetCalls } from "./HistoryExpect.js"

const API_TOKEN = "route-test-token-8807"
const EXPORT_LOGIN_TOKEN = "auth.ExportLoginToken"

let e2e: E2e
let settingsFile: string

beforeAll(async () => {
  e2e = await startE2e({ scenario: sampleScenario(), serverEnv: { TGSC_API_TOKEN: API_TOKEN } })
  await seedSession(e2e.server.dataDir, "alice")
  settingsFile = path.join(e2e.server.dataDir, "settings.yaml")
}, 60_000)

afterAll(async () => {
  await e2e?.stop()
})

const SETTINGS_SPELLINGS = [
  "//api/v3/settings",
  "/API/v3/settings",
  "/Api/V3/Settings",
  "/%61pi/v3/settings",
  "/api/v3/%73ettings",
  "/api//v3/settings",
  "/api/v3/settings/",
  "/api/v3/settings;x",
  "/./api/v3/settings",
  "/api/./v3/settings",
  "/api/v3/../v3/settings"
]

const send = (method: string, target: string, headers: Record<string, string>, body = "") =>
  rawRequest(
    e2e.server.port,
    requestHead(method, target, e2e.server.port, {
      "X-Telegram-Username": "alice",
      ...(body === "" ? {} : { "Content-Type": "application/json", "Content-Length": String(Buffer.byteLength(body)) }),
      ...headers
    }),
    body
  )

const withToken = { Authorization: `Bearer ${API_TOKEN}` }
const PATCH_BODY = JSON.stringify({ download_media: false })
const absolute = (target: string) => `http://127.0.0.1:${e2e.server.port}${target}`

const expect401 = (res: { status: number; headers: Record<string, string>; body: string }, label: string) => {
  expect(res.status, label).toBe(401)
  expect(res.headers["www-authenticate"], label).toBe("Bearer")
  expect(JSON.parse(res.body), label).toEqual({ detail: expect.stringMatching(/API token/) })
}

describe("without the token", () => {
  it("every spelling of GET and PATCH settings, absolute form included, is a 401; settings.yaml is not touched", async () => {
    const before = await fs.readFile(settingsFile, "utf8").catch(() => null)
    for (const target of [...SETTINGS_SPELLINGS, absolute("/api/v3/settings"), absolute("//API/v3/settings")]) {
      expect401(await send("GET", target, {}), `GET ${target}`)
      expect401(await send("PATCH", target, {}, PATCH_BODY), `PATCH ${target}`)
    }
    expect(await fs.readFile(settingsFile, "utf8").catch(() => null)).toBe(before)
  })

  it("every spelling of POST /api/v3/auth/qr is a 401 and no login starts at Telegram", async () => {
    await resetCalls(e2e)
    const body = JSON.stringify({ username: "mallory" })
    for (const target of ["/Api/v3/auth/qr", "//api/v3/auth/qr", "/api/v3/AUTH/qr", "/%61pi/v3/auth/qr", absolute("/api/v3/auth/qr")]) {
      expect401(await send("POST", target, {}, body), `POST ${target}`)
    }
    expect(await callCount(e2e, EXPORT_LOGIN_TOKEN)).toBe(0)
  })

  it("every spelling of the phone login routes is a 401: no code sent, taken, resent or withdrawn at Telegram", async () => {
    const started = await send("POST", "/api/v3/auth/phone", withToken, JSON.stringify({ username: "pat", phone: "+15550001001" }))
    expect(started.status, started.body).toBe(200)
    const { token } = JSON.parse(started.body) as { token: string }
    await resetCalls(e2e)
    const start = JSON.stringify({ username: "mallory", phone: "+15550001001" })
    for (const target of ["/Api/v3/auth/phone", "//api/v3/auth/phone", "/api/v3/AUTH/Phone", "/%61pi/v3/auth/phone", absolute("/api/v3/auth/phone")]) {
      expect401(await send("POST", target, {}, start), `POST ${target}`)
    }
    for (const [method, target, body] of [
      ["POST", `/api/v3/auth/phone/${token}/code`, JSON.stringify({ code: "12345" })],
      ["POST", `//API/v3/auth/phone/${token}/resend`, ""],
      ["POST", `/api/v3/auth/%70hone/${token}/2fa`, JSON.stringify({ password: "x" })],
      ["DELETE", `/api/v3/auth/phone/${token}`, ""],
      ["GET", `/api/v3/auth/phone/${token}`, ""]
    ] as const) {
      expect401(await send(method, target, {}, body), `${method} ${target}`)
    }
    for (const method of ["auth.SendCode", "auth.SignIn", "auth.ResendCode", "auth.CancelCode"]) {
      expect(await callCount(e2e, method), method).toBe(0)
    }
    const still = await send("GET", `/api/v3/auth/phone/${token}`, withToken)
    expect(JSON.parse(still.body)).toMatchObject({ status: "code_required", code_type: "app" })
    expect((await send("DELETE", `/api/v3/auth/phone/${token}`, withToken)).status).toBe(200)
  })

  it("a wrong token, or one of another length, is a 401", async () => {
    for (const token of ["route-test-token-8808", "route", `${API_TOKEN}x`, ""]) {
      expect401(await send("GET", "/api/v3/settings", { Authorization: `Bearer ${token}` }), token)
    }
  })

  it("unknown paths and other methods on public paths need the token too (default-deny)", async () => {
    for (const [method, target] of [["GET", "/no-such-route"], ["POST", "/health"], ["DELETE", "/login"], ["POST", "/app"], ["PUT", "/app/app.js"], ["GET", "/app/x/app.js"], ["OPTIONS", "/api/v3/settings"]]) {
      expect401(await send(method!, target!, {}), `${method} ${target}`)
    }
  })

  it("the public routes answer without it, however spelled", async () => {
    for (const target of ["/", "/health", "//health", "/HEALTH", "/health/", "/docs", "/openapi.json", "/login", "/app", "/app/", "/APP/app.js", absolute("/health")]) {
      const res = await send("GET", target, {})
      expect(res.status, target).toBe(200)
    }
  })
})

describe("with the token", () => {
  it("the same spellings reach their routes: GET reads, PATCH writes, nothing is a 5xx", async () => {
    for (const target of [...SETTINGS_SPELLINGS, absolute("/api/v3/settings")]) {
      const res = await send("GET", target, withToken)
      expect(res.status, target).toBeLessThan(500)
      if (res.status === 200) expect(JSON.parse(res.body), target).toHaveProperty("download_media")
      else expect(JSON.parse(res.body), target).toEqual({ detail: expect.any(String) })
    }
    const patched = await send("PATCH", "//API/v3/settings", withToken, PATCH_BODY)
    expect(patched.status).toBe(200)
    expect(await fs.readFile(settingsFile, "utf8")).toMatch(/download_media: false/)
  })

  it("POST /Api/v3/auth/Phone starts a phone login; its steps answer with the token", async () => {
    await resetCalls(e2e)
    const res = await send("POST", "/Api/v3/auth/Phone", withToken, JSON.stringify({ username: "quinn", phone: "+15550001001" }))
    expect(res.status, res.body).toBe(200)
    const { token } = JSON.parse(res.body) as { token: string }
    expect(await callCount(e2e, "auth.SendCode")).toBe(1)
    expect((await send("POST", `/api/v3/auth/phone/${token}/code`, withToken, JSON.stringify({ code: "0" }))).status).toBe(400)
    expect((await send("DELETE", `/api/v3/auth/phone/${token}`, withToken)).status).toBe(200)
  })

  it("POST /Api/v3/auth/qr starts a login", async () => {
    await resetCalls(e2e)
    const res = await send("POST", "/Api/v3/auth/qr", withToken, JSON.stringify({ username: "carol" }))
    expect(res.status).toBe(200)
    const { token } = JSON.parse(res.body) as { token: string }
    expect(await callCount(e2e, EXPORT_LOGIN_TOKEN)).toBeGreaterThan(0)
    expect((await send("DELETE", `/api/v3/auth/qr/${token}`, withToken)).status).toBe(200)
  })
})
