/**
 * The steps of a QR login as separate calls, for end-to-end tests that look
 * at every state in between (E2e.login() does the whole login at once).
 */
import * as fs from "node:fs"
import * as path from "node:path"
import { expect } from "vitest"
import type { E2e } from "./E2e.js"
import { projectRoot } from "./ServerProcess.js"

export interface LoginState {
  readonly status: "pending" | "password_required" | "success" | "expired" | "error"
  readonly username: string
  readonly qr_url: string | null
  readonly error: string | null
  readonly message: string
}

export interface Started {
  readonly token: string
  readonly qr_url: string
  readonly message: string
}

/** test/fixtures/sample.json with QR login tokens living `ttlSeconds`. */
export const sampleScenario = (ttlSeconds?: number): unknown => {
  const scenario = JSON.parse(fs.readFileSync(path.join(projectRoot, "test/fixtures/sample.json"), "utf8")) as {
    options?: Record<string, unknown>
  }
  if (ttlSeconds !== undefined) scenario.options = { ...scenario.options, login_token_ttl_seconds: ttlSeconds }
  return scenario
}

export const jsonInit = (body: unknown, method = "POST"): RequestInit => ({
  method,
  headers: { "content-type": "application/json" },
  body: JSON.stringify(body)
})

export const startLogin = async (e2e: E2e, body: unknown): Promise<{ status: number; body: Started & { detail?: string } }> => {
  const res = await e2e.api("/api/v3/auth/qr", jsonInit(body))
  return { status: res.status, body: await res.json() as Started & { detail?: string } }
}

/** Starts a login that must start. */
export const mustStart = async (e2e: E2e, username: string, force = false): Promise<Started> => {
  const { body, status } = await startLogin(e2e, force ? { username, force } : { username })
  expect(status, JSON.stringify(body)).toBe(200)
  return body
}

export const loginState = async (e2e: E2e, token: string): Promise<{ status: number; body: LoginState & { detail?: string } }> => {
  const res = await e2e.api(`/api/v3/auth/qr/${token}`)
  return { status: res.status, body: await res.json() as LoginState & { detail?: string } }
}

/** Polls the login until `done` holds (or fails after `timeoutMs`, saying what it last saw). */
export const waitForLogin = async (
  e2e: E2e,
  token: string,
  done: (state: LoginState | null) => boolean,
  timeoutMs = 20_000
): Promise<LoginState | null> => {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const { body, status } = await loginState(e2e, token)
    const state = status === 200 ? body : null
    if (done(state)) return state
    if (Date.now() > deadline) throw new Error(`login ${token} never reached the expected state; last: ${status} ${JSON.stringify(body)}`)
    await new Promise((r) => setTimeout(r, 50))
  }
}

/** The phone of `userId` scans `qrUrl`; the emulator's answer status (200 approved, 404, 410 expired). */
export const scan = async (e2e: E2e, qrUrl: string, userId: number): Promise<number> => {
  const res = await e2e.control("/scan", jsonInit({ qr_url: qrUrl, user_id: userId }))
  await res.text()
  return res.status
}

export const submitPassword = async (e2e: E2e, token: string, password: unknown) => {
  const res = await e2e.api(`/api/v3/auth/qr/${token}/2fa`, jsonInit({ password }))
  return { status: res.status, body: await res.json() as LoginState & { detail?: string } }
}

/** Every file under `dir`, as paths relative to it. */
export const listFiles = (dir: string): Array<string> => {
  if (!fs.existsSync(dir)) return []
  return (fs.readdirSync(dir, { recursive: true, withFileTypes: true }) as Array<fs.Dirent>)
    .filter((d) => d.isFile())
    .map((d) => path.relative(dir, path.join(d.parentPath ?? (d as unknown as { path: string }).path, d.name)))
    .sort()
}
