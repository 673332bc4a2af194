/**
 * The QR login use case: a login shows QR codes (each Telegram's login
 * token as a `tg://login?token=...` URL, replaced before it expires) until
 * the account's phone scans one, then asks for the 2FA password if the
 * account has one. What every login shares (the token, the pending cap,
 * expiry, saving with `force`, cancelling) is PendingLogins'.
 */
import { Deferred, Effect, SubscriptionRef } from "effect"
import type { SessionName } from "../domain/SessionName.js"
import { TelegramLogin } from "../ports/TelegramLogin.js"
import { type LoginStateBase, sharedOrOwnPendingLogins } from "./PendingLogins.js"

export {
  DEFAULT_MAX_PENDING_LOGINS,
  defaultQrLoginOptions,
  LoginAlreadyFinished,
  LoginAlreadyPending,
  LoginNotFound,
  LoginStartFailed,
  NotAwaitingPassword,
  type QrLoginOptions,
  QrLoginOptionsTag,
  SessionAlreadyExists,
  TooManyPendingLogins
} from "./PendingLogins.js"

export type LoginStatus = "pending" | "password_required" | "success" | "expired" | "error"

export interface LoginState extends LoginStateBase {
  readonly status: LoginStatus
  readonly qrUrl: string | null
}

const PENDING_MESSAGE = "Scan the QR code in Telegram: Settings > Devices > Link Desktop Device. qr_url refreshes about every 25 s."

const makeQrLogins = Effect.gen(function*() {
  const login = yield* TelegramLogin
  const pending = yield* sharedOrOwnPendingLogins

  const start = (name: SessionName, force: boolean) =>
    pending.start<LoginState>({
      kind: "qr",
      name,
      force,
      initial: (token) => ({
        token,
        username: name,
        status: "pending",
        qrUrl: null,
        error: null,
        message: PENDING_MESSAGE,
        account: null,
        passwordPrompts: 0,
        checkingPassword: false
      }),
      flow: (entry, first) =>
        login.qrLogin({
          onQrUrl: (url) =>
            SubscriptionRef.update(entry.state, (s) => ({ ...s, qrUrl: url })).pipe(
              Effect.zipRight(Deferred.succeed(first, undefined))
            ),
          password: pending.passwordPrompt(entry)
        }),
      noFirstAnswer: "no login token from Telegram in time"
    })

  // The steps a person takes, each a span of its own (Effect's tracer: a no-op unless the program installs one).
  return {
    start: (name: SessionName, force: boolean) => Effect.withSpan(start(name, force), "QrLogins.start"),
    status: (token: string) => Effect.withSpan(pending.status<LoginState>(token, "qr"), "QrLogins.status"),
    submitPassword: (token: string, password: string) =>
      Effect.withSpan(pending.submitPassword<LoginState>(token, "qr", password), "QrLogins.submitPassword"),
    /** Abandons a login still waiting for a scan or a password; a finished one cannot be undone. */
    cancel: (token: string) => Effect.withSpan(pending.cancel(token, "qr"), "QrLogins.cancel"),
    /**
     * Abandons every login still under way for `name` (its session is being
     * deleted): QR ones, and phone ones too when the PendingLogins is shared.
     */
    cancelFor: pending.cancelFor
  } as const
})

/** QR logins with 2FA; needs QrLoginOptionsTag (or takes the defaults), shares the PendingLogins in its context if any. */
export class QrLogins extends Effect.Service<QrLogins>()("app/QrLogins", { scoped: makeQrLogins }) {}

/** The use case's layer (the name earlier releases exported). */
export const QrLoginsLive = QrLogins.Default
