/**
 * Logging in by phone code, as Telegram does it: auth.sendCode sends a code
 * to the account's Telegram app (the emulated phone), auth.resendCode sends
 * a new one by the next way (app, then SMS, then a call, then no more:
 * SEND_CODE_UNAVAILABLE), auth.signIn checks it (then
 * SESSION_PASSWORD_NEEDED and the SRP check of Logins when the account has
 * 2FA), auth.cancelCode withdraws it. The codes sent are read back through
 * the control API (`GET /codes?phone=`), as a person reads them on the phone.
 *
 * Errors as Telegram answers them: PHONE_NUMBER_INVALID (not 7 to 15
 * digits), PHONE_NUMBER_BANNED (the user's `phone_banned`), PHONE_MIGRATE_n
 * (the account lives on DC n: GramJS moves there and asks again),
 * FLOOD_WAIT_n (more than `phone_codes_per_hour` codes for one number in an
 * hour), PHONE_CODE_EMPTY, PHONE_CODE_INVALID (a wrong code; it may be tried
 * again), PHONE_CODE_EXPIRED (older than `phone_code_ttl_seconds`, replaced
 * by a resend, cancelled, already used, or a hash never given). A well-formed
 * number no account has gets its code too, and auth.signIn then answers
 * auth.authorizationSignUpRequired, as Telegram does for a new number.
 */
import { randomBytes, randomInt } from "node:crypto"
import { Api } from "telegram"
import type { CallContext } from "../RpcContext.js"
import { RpcError } from "../RpcContext.js"
import type { World } from "../World.js"
import type { HandlerTable } from "./Handler.js"

export type CodeDelivery = "app" | "sms" | "call"

export type CodeStatus = "active" | "used" | "expired" | "cancelled" | "replaced"

/** One code sent, as the control API shows it. */
export interface SentCodeView {
  readonly code: string
  readonly type: CodeDelivery
  readonly status: CodeStatus
  /** Epoch ms. */
  readonly sentAt: number
  readonly expiresAt: number
  /** auth.signIn calls with a wrong code. */
  readonly wrongAttempts: number
}

interface SentCodeRecord {
  readonly phone: string
  readonly hash: string
  readonly code: string
  readonly type: CodeDelivery
  readonly sentAt: number
  readonly expiresAt: number
  /** Set once the code can no longer sign in (the signIn that used it, a resend, a cancel). */
  ended?: "used" | "cancelled" | "replaced"
  wrongAttempts: number
}

const CODE_LENGTH = 5
const HOUR_MS = 3_600_000
/** Seconds Telegram asks a client to wait before offering the next way (auth.sentCode.timeout). */
const RESEND_TIMEOUT_SECONDS = 60

const NEXT: Readonly<Record<CodeDelivery, CodeDelivery | null>> = { app: "sms", sms: "call", call: null }

/** The digits of a phone number as given ("+1 555-000 1001" -> "15550001001"), or undefined if it is no number. */
export const phoneDigits = (text: string): string | undefined => {
  if (!/^\+?[\d\s().-]+$/.test(text)) return undefined
  const digits = text.replace(/\D/g, "")
  return digits.length >= 7 && digits.length <= 15 ? digits : undefined
}

const sentCodeType = (type: CodeDelivery): Api.auth.TypeSentCodeType => {
  switch (type) {
    case "app":
      return new Api.auth.SentCodeTypeApp({ length: CODE_LENGTH })
    case "sms":
      return new Api.auth.SentCodeTypeSms({ length: CODE_LENGTH })
    case "call":
      return new Api.auth.SentCodeTypeCall({ length: CODE_LENGTH })
  }
}

const codeType = (type: CodeDelivery): Api.auth.TypeCodeType =>
  type === "sms" ? new Api.auth.CodeTypeSms() : new Api.auth.CodeTypeCall()

export class PhoneCodes {
  private readonly byHash = new Map<string, SentCodeRecord>()
  private readonly byPhone = new Map<string, Array<SentCodeRecord>>()

  constructor(
    private readonly world: World,
    private readonly options: { readonly codeTtlSeconds: number; readonly codesPerHour: number }
  ) {}

  /** The account whose user has this number, if any. */
  private accountOf(digits: string): number | undefined {
    for (const account of this.world.accounts.values()) {
      const phone = this.world.users.get(account.userId)?.phone
      if (phone != null && phoneDigits(phone) === digits) return account.userId
    }
    return undefined
  }

  private checkedPhone(text: string | null | undefined): string {
    const digits = phoneDigits(text ?? "")
    if (digits === undefined) throw new RpcError(400, "PHONE_NUMBER_INVALID")
    const banned = [...this.world.users.values()].some((u) => u.phoneBanned && u.phone != null && phoneDigits(u.phone) === digits)
    if (banned) throw new RpcError(400, "PHONE_NUMBER_BANNED")
    return digits
  }

  /** FLOOD_WAIT once the number had its hourly share of codes: the wait lasts until the oldest of them is an hour old. */
  private checkFlood(digits: string): void {
    const now = this.world.now()
    const recent = (this.byPhone.get(digits) ?? []).filter((c) => c.sentAt > now - HOUR_MS)
    if (recent.length >= this.options.codesPerHour) {
      throw new RpcError(420, `FLOOD_WAIT_${Math.max(1, Math.ceil((recent[0]!.sentAt + HOUR_MS - now) / 1000))}`)
    }
  }

  private issue(digits: string, type: CodeDelivery): Api.auth.SentCode {
    const now = this.world.now()
    const record: SentCodeRecord = {
      phone: digits,
      hash: randomBytes(9).toString("hex"),
      code: String(randomInt(0, 10 ** CODE_LENGTH)).padStart(CODE_LENGTH, "0"),
      type,
      sentAt: now,
      expiresAt: now + this.options.codeTtlSeconds * 1000,
      wrongAttempts: 0
    }
    this.byHash.set(record.hash, record)
    this.byPhone.set(digits, [...(this.byPhone.get(digits) ?? []), record])
    const next = NEXT[type]
    return new Api.auth.SentCode({
      type: sentCodeType(type),
      phoneCodeHash: record.hash,
      ...(next === null ? {} : { nextType: codeType(next), timeout: RESEND_TIMEOUT_SECONDS })
    })
  }

  /** A code sent for this number that may still be answered; PHONE_CODE_EXPIRED otherwise. */
  private live(digits: string, hash: string | null | undefined): SentCodeRecord {
    const record = hash == null ? undefined : this.byHash.get(hash)
    if (record === undefined || record.phone !== digits || record.ended !== undefined || record.expiresAt <= this.world.now()) {
      throw new RpcError(400, "PHONE_CODE_EXPIRED")
    }
    return record
  }

  sendCode(ctx: CallContext, phoneNumber: string): Api.auth.SentCode {
    const digits = this.checkedPhone(phoneNumber)
    const userId = this.accountOf(digits)
    if (userId !== undefined) {
      const home = this.world.accounts.get(userId)!.homeDc
      if (home !== ctx.dcId) throw new RpcError(303, `PHONE_MIGRATE_${home}`)
    }
    this.checkFlood(digits)
    return this.issue(digits, "app")
  }

  resendCode(phoneNumber: string, hash: string): Api.auth.SentCode {
    const digits = this.checkedPhone(phoneNumber)
    const previous = this.live(digits, hash)
    const next = NEXT[previous.type]
    if (next === null) throw new RpcError(400, "SEND_CODE_UNAVAILABLE")
    this.checkFlood(digits)
    previous.ended = "replaced"
    return this.issue(digits, next)
  }

  signIn(ctx: CallContext, phoneNumber: string, hash: string, code: string | null | undefined): Api.auth.TypeAuthorization {
    const digits = this.checkedPhone(phoneNumber)
    if (code == null || code === "") throw new RpcError(400, "PHONE_CODE_EMPTY")
    const record = this.live(digits, hash)
    if (code.trim() !== record.code) {
      record.wrongAttempts++
      throw new RpcError(400, "PHONE_CODE_INVALID")
    }
    record.ended = "used"
    const userId = this.accountOf(digits)
    if (userId === undefined) return new Api.auth.AuthorizationSignUpRequired({})
    if (this.world.accounts.get(userId)!.spec.password !== null) {
      this.world.logins.awaitPassword(ctx.authKeyId, userId)
      throw new RpcError(401, "SESSION_PASSWORD_NEEDED")
    }
    return this.world.logins.authorize(ctx.authKeyId, userId)
  }

  cancelCode(phoneNumber: string, hash: string): boolean {
    const digits = this.checkedPhone(phoneNumber)
    this.live(digits, hash).ended = "cancelled"
    return true
  }

  /** The codes sent for a number (any spelling of it), oldest first; undefined when it is no phone number. */
  codesFor(phone: string): ReadonlyArray<SentCodeView> | undefined {
    const digits = phoneDigits(phone)
    if (digits === undefined) return undefined
    const now = this.world.now()
    return (this.byPhone.get(digits) ?? []).map((c) => ({
      code: c.code,
      type: c.type,
      status: c.ended ?? (c.expiresAt <= now ? "expired" : "active"),
      sentAt: c.sentAt,
      expiresAt: c.expiresAt,
      wrongAttempts: c.wrongAttempts
    }))
  }
}

export const phoneCodeHandlers: HandlerTable = {
  "auth.SendCode": (req: Api.auth.SendCode, ctx, world) => world.phoneCodes.sendCode(ctx, req.phoneNumber),
  "auth.ResendCode": (req: Api.auth.ResendCode, _ctx, world) => world.phoneCodes.resendCode(req.phoneNumber, req.phoneCodeHash),
  "auth.SignIn": (req: Api.auth.SignIn, ctx, world) =>
    world.phoneCodes.signIn(ctx, req.phoneNumber, req.phoneCodeHash, req.phoneCode),
  "auth.CancelCode": (req: Api.auth.CancelCode, _ctx, world) => world.phoneCodes.cancelCode(req.phoneNumber, req.phoneCodeHash)
}
