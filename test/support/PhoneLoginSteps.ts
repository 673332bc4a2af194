/**
 * The steps of a phone-code login as separate calls, for end-to-end tests:
 * the sample scenario with phone numbers for both accounts, the API calls,
 * and the code as the account's phone shows it (the emulator's GET /codes).
 */
import * as fs from "node:fs"
import * as path from "node:path"
import type { E2e } from "./E2e.js"
import { jsonInit } from "./QrLoginSteps.js"
import { projectRoot } from "./ServerProcess.js"

/** Alice (1001): no 2FA, home DC 1. */
export const ALICE_PHONE = "+1 555 000 1001"
/** Bob (1002): 2FA "hunter2", home DC 2 (sendCode on DC 1 answers PHONE_MIGRATE_2). */
export const BOB_PHONE = "+15550001002"
/** Dave (1004) has no account here, and his number is banned. */
export const BANNED_PHONE = "+15550001004"
/** No user has it: Telegram sends a code, then wants a sign-up. */
export const UNKNOWN_PHONE = "+447700900123"

export interface PhoneState {
  readonly status: "code_required" | "password_required" | "success" | "expired" | "error"
  readonly username: string
  readonly phone: string
  readonly code_type: string | null
  readonly next_type: string | null
  readonly timeout: number | null
  readonly attempts_left: number
  readonly error: string | null
  readonly message: string
  readonly token?: string
  readonly detail?: string
}

/** test/fixtures/sample.json with numbers for Bob and a banned one for Dave, plus the options given. */
export const phoneScenario = (options: Record<string, unknown> = {}): unknown => {
  const scenario = JSON.parse(fs.readFileSync(path.join(projectRoot, "test/fixtures/sample.json"), "utf8")) as {
    options?: Record<string, unknown>
    users: Array<Record<string, unknown>>
  }
  scenario.options = { ...scenario.options, ...options }
  scenario.users = scenario.users.map((u) =>
    u.id === 1002 ? { ...u, phone: "15550001002" } : u.id === 1004 ? { ...u, phone: "15550001004", phone_banned: true } : u
  )
  return scenario
}

const answer = async (res: Response) => ({ status: res.status, headers: res.headers, body: await res.json() as PhoneState })

export const startPhoneLogin = async (e2e: E2e, body: unknown) => answer(await e2e.api("/api/v3/auth/phone", jsonInit(body)))

export const phoneState = async (e2e: E2e, token: string) => answer(await e2e.api(`/api/v3/auth/phone/${token}`))

export const submitCode = async (e2e: E2e, token: string, code: unknown) =>
  answer(await e2e.api(`/api/v3/auth/phone/${token}/code`, jsonInit({ code })))

export const resendCode = async (e2e: E2e, token: string) =>
  answer(await e2e.api(`/api/v3/auth/phone/${token}/resend`, { method: "POST" }))

export const submitPhonePassword = async (e2e: E2e, token: string, password: unknown) =>
  answer(await e2e.api(`/api/v3/auth/phone/${token}/2fa`, jsonInit({ password })))

export interface SentCodeSeen {
  readonly code: string
  readonly type: string
  readonly status: string
  readonly wrong_attempts: number
}

/** The codes the account's phone was sent, oldest first. */
export const codesSent = async (e2e: E2e, phone: string): Promise<Array<SentCodeSeen>> => {
  const res = await e2e.control(`/codes?phone=${encodeURIComponent(phone)}`)
  if (res.status !== 200) throw new Error(`GET /codes: ${res.status} ${await res.text()}`)
  return ((await res.json()) as { codes: Array<SentCodeSeen> }).codes
}

/** The newest code the phone shows. */
export const lastCode = async (e2e: E2e, phone: string): Promise<SentCodeSeen> => {
  const codes = await codesSent(e2e, phone)
  if (codes.length === 0) throw new Error(`no code was sent to ${phone}`)
  return codes.at(-1)!
}

/** A code that is not `code` (same length). */
export const wrongCodeFor = (code: string) => code.split("").map((d) => String((Number(d) + 1) % 10)).join("")
