/**
 * Logging a new session in by QR code, with the 2FA password when the
 * account has one, and a saved one out. The adapter drives Telegram; the caller (the login use
 * case) decides what to show and when to give up.
 */
import { Context, type Effect, type Scope } from "effect"
import type { AccountInfo, TelegramError } from "./TelegramGateway.js"

export interface QrLoginCallbacks {
  /** A new `tg://login?token=...` to show; Telegram's token expires at `expiresAt` (epoch s). */
  readonly onQrUrl: (qrUrl: string, expiresAt: number) => Effect.Effect<void>
  /**
   * The account has 2FA: answer with the password. Called again with the
   * reason after a wrong one, so the user can retry.
   */
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
   * Ends a saved login at Telegram (auth.logOut), given its saved form. Fails
   * with SessionRevoked when Telegram had already ended it (or the saved form
   * is no login at all), with the other errors when Telegram could not say.
   */
  readonly logOut: (session: string) => Effect.Effect<void, TelegramError>
}

export class TelegramLogin extends Context.Tag("ports/TelegramLogin")<TelegramLogin, TelegramLoginService>() {}
