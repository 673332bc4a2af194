/**
 * Logging a new session in by QR code or by a code Telegram sends to the
 * phone number, with the 2FA password when the account has one, and a saved
 * one out. The adapter drives Telegram; the caller (the login use
 * case) decides what to show and when to give up.
 */
import { Context, type Effect, type Redacted, type Scope } from "effect"
import type { AccountInfo, FloodWait, TelegramError } from "./TelegramGateway.js"

export interface QrLoginCallbacks {
  /** A new `tg://login?token=...` to show; Telegram's token expires at `expiresAt` (epoch s). */
  readonly onQrUrl: (qrUrl: string, expiresAt: number) => Effect.Effect<void>
  /**
   * The account has 2FA: answer with the password. Called again with the
   * reason after a wrong one, so the user can retry.
   */
  readonly password: (hint: string | null, previousError: string | null) => Effect.Effect<string>
}

/** How Telegram delivers a login code: in a Telegram app logged in elsewhere, by SMS, a call, ... */
export type CodeDelivery = "app" | "sms" | "call" | "flash_call" | "missed_call" | "email" | "fragment_sms" | "other"

/** A login code Telegram sent. */
export interface SentCode {
  readonly type: CodeDelivery
  /** How a resend would deliver the next code; null when there is no other way. */
  readonly nextType: CodeDelivery | null
  /** Seconds Telegram asks to wait before a resend, if it says. */
  readonly timeout: number | null
  /** The code's number of digits, if Telegram says. */
  readonly length: number | null
}

/** What the user does when asked for the code. */
export type CodeAnswer =
  | { readonly _tag: "Code"; readonly code: Redacted.Redacted<string> }
  /** Have Telegram send a new code, the next way (SentCode.nextType). */
  | { readonly _tag: "Resend" }

/** Why the code is asked for again. */
export type CodeRetry =
  /** The code given was wrong (PHONE_CODE_INVALID). */
  | { readonly _tag: "WrongCode" }
  /** The code has expired, or was replaced (PHONE_CODE_EXPIRED): only a resend helps. */
  | { readonly _tag: "CodeExpired" }
  /** Telegram refused to send another code (SEND_CODE_UNAVAILABLE, a rate limit, ...); the last one still stands. */
  | { readonly _tag: "ResendRefused"; readonly error: TelegramError }
  /** Telegram did not check the code (a rate limit: FLOOD_WAIT); the code still stands, to be given again after the wait. */
  | { readonly _tag: "CodeRefused"; readonly error: FloodWait }

export interface PhoneLoginCallbacks {
  /** Telegram sent a code (first, or after a resend). */
  readonly onCodeSent: (sent: SentCode) => Effect.Effect<void>
  /** Asks for the code (or a resend); `retry` says why when it is asked again. */
  readonly code: (retry: CodeRetry | null) => Effect.Effect<CodeAnswer>
  /** As for a QR login: the account has 2FA. */
  readonly password: (hint: string | null, previousError: string | null) => Effect.Effect<string>
}

export interface LoginSuccess {
  /** The saved form of the new login, for the SessionStore. */
  readonly session: string
  readonly account: AccountInfo
}

export interface TelegramLoginService {
  /**
   * Runs one QR login to its end. Interrupting it (or closing its scope)
   * abandons the login and disconnects.
   */
  readonly qrLogin: (callbacks: QrLoginCallbacks) => Effect.Effect<LoginSuccess, TelegramError, Scope.Scope>
  /**
   * Runs one phone-code login to its end: Telegram sends a code to the
   * number (`+` and digits), the user gives it (or asks for another), then
   * the password if the account has 2FA. Fails with Telegram's refusal of
   * the number (TelegramRpcError PHONE_NUMBER_INVALID, PHONE_NUMBER_BANNED,
   * PHONE_NUMBER_UNOCCUPIED for a number with no account; FloodWait).
   * Interrupting it withdraws the code sent (auth.cancelCode) and
   * disconnects.
   *
   * Optional so that adapters written before it keep compiling; the login
   * use case answers "not supported" without it.
   */
  readonly phoneLogin?: (
    phone: Redacted.Redacted<string>,
    callbacks: PhoneLoginCallbacks
  ) => Effect.Effect<LoginSuccess, TelegramError, Scope.Scope>
  /**
   * Ends a saved login at Telegram (auth.logOut), given its saved form. Fails
   * with SessionRevoked when Telegram had already ended it (or the saved form
   * is no login at all), with the other errors when Telegram could not say.
   */
  readonly logOut: (session: string) => Effect.Effect<void, TelegramError>
}

export class TelegramLogin extends Context.Tag("ports/TelegramLogin")<TelegramLogin, TelegramLoginService>() {}
