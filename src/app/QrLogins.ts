/**
 * The QR login use case: logins in progress, keyed by an unguessable token
 * of ours, each running the TelegramLogin port in its own fiber. The session
 * is saved only when Telegram confirms the login, so `force` keeps the old
 * session until the new one works; cancelling or shutting down abandons the
 * login and leaves no file behind.
 */
import { randomBytes } from "node:crypto"
import { Cause, Clock, Context, Data, Deferred, Duration, Effect, Either, Fiber, FiberSet, Option, Queue, Ref, Stream, SubscriptionRef } from "effect"
import type { SessionName } from "../domain/SessionName.js"
import { SessionStore } from "../ports/SessionStore.js"
import { type AccountInfo, describeTelegramError, type TelegramError, TelegramUnavailable } from "../ports/TelegramGateway.js"
import { TelegramLogin } from "../ports/TelegramLogin.js"
import { AccountCache } from "./AccountCache.js"
import { logOutAtTelegram } from "./TelegramLogout.js"
import { DEFAULTS } from "../domain/Defaults.js"

export type LoginStatus = "pending" | "password_required" | "success" | "expired" | "error"

export interface LoginState {
  readonly token: string
  readonly username: SessionName
  readonly status: LoginStatus
  readonly qrUrl: string | null
  readonly error: string | null
  readonly message: string
  readonly account: AccountInfo | null
  /** How many times the password was asked for: a new prompt means the last one was wrong. */
  readonly passwordPrompts: number
  readonly checkingPassword: boolean
}

export class SessionAlreadyExists extends Data.TaggedError("SessionAlreadyExists")<{ readonly name: string }> {}
export class LoginAlreadyPending extends Data.TaggedError("LoginAlreadyPending")<{ readonly name: string }> {}
export class LoginNotFound extends Data.TaggedError("LoginNotFound")<{ readonly token: string }> {}
export class NotAwaitingPassword extends Data.TaggedError("NotAwaitingPassword")<{ readonly status: LoginStatus; readonly reason: string }> {}
export class LoginStartFailed extends Data.TaggedError("LoginStartFailed")<{ readonly error: TelegramError }> {}
export class LoginAlreadyFinished extends Data.TaggedError("LoginAlreadyFinished")<{ readonly status: LoginStatus }> {}
/** `maxPending` logins are waiting for a scan or a password; the first of them expires in `retryAfterSeconds` at most. */
export class TooManyPendingLogins extends Data.TaggedError("TooManyPendingLogins")<{
  readonly maxPending: number
  readonly retryAfterSeconds: number
}> {}

export interface QrLoginOptions {
  /** The whole login expires after this (300 s). */
  readonly loginTimeout: Duration.Duration
  /** Finished logins stay readable this long (at least 60 s). */
  readonly keepFinished: Duration.Duration
  /**
   * Logins waiting for a scan or a password at once, all names together
   * (one name has one at most); each holds a Telegram connection. Default 16.
   */
  readonly maxPending?: number
}

export class QrLoginOptionsTag extends Context.Tag("app/QrLoginOptions")<QrLoginOptionsTag, QrLoginOptions>() {}

export const DEFAULT_MAX_PENDING_LOGINS = DEFAULTS.maxPendingLogins

export const defaultQrLoginOptions: QrLoginOptions = {
  loginTimeout: Duration.seconds(DEFAULTS.loginTimeoutSeconds),
  keepFinished: Duration.seconds(DEFAULTS.loginKeepSeconds),
  maxPending: DEFAULT_MAX_PENDING_LOGINS
}

/** How long POST /auth/qr waits for Telegram's first code before answering 502. */
const FIRST_CODE_TIMEOUT = Duration.seconds(45)
/** How long POST .../2fa waits for Telegram's verdict on a password before answering with the current state. */
const PASSWORD_VERDICT_TIMEOUT = Duration.seconds(60)

const isTerminal = (s: LoginStatus) => s === "success" || s === "expired" || s === "error"

const MESSAGES = {
  pending: "Scan the QR code in Telegram: Settings > Devices > Link Desktop Device. qr_url refreshes about every 25 s.",
  password_required: "This account has two-step verification: submit the password",
  success: "Logged in: the session is saved",
  expired: "The login expired before it was completed: start a new one",
  error: "The login failed: start a new one"
} as const

interface Entry {
  readonly state: SubscriptionRef.SubscriptionRef<LoginState>
  readonly passwords: Queue.Queue<string>
  /** When the login started (epoch ms): it expires loginTimeout later. */
  readonly startedAt: number
  fiber: Fiber.RuntimeFiber<void> | undefined
}

const makeQrLogins = Effect.gen(function*() {
  const login = yield* TelegramLogin
  const sessions = yield* SessionStore
  const options = yield* Effect.serviceOption(QrLoginOptionsTag).pipe(Effect.map(Option.getOrElse(() => defaultQrLoginOptions)))
  // When there is one: what it remembers about a name may be another account's after a forced login.
  const accountCache = yield* Effect.serviceOption(AccountCache)
  const entries = yield* Ref.make(new Map<string, Entry>())
  // Logins and their clean-up timers: closing the layer (shutdown) interrupts them all.
  const fibers = yield* FiberSet.make<void>()
  const registering = yield* Effect.makeSemaphore(1)
  const maxPending = options.maxPending ?? DEFAULT_MAX_PENDING_LOGINS

  const find = (token: string) =>
    Effect.flatMap(Ref.get(entries), (map) => {
      const entry = map.get(token)
      return entry === undefined ? Effect.fail(new LoginNotFound({ token })) : Effect.succeed(entry)
    })

  const forget = (token: string) =>
    Ref.update(entries, (map) => {
      const next = new Map(map)
      next.delete(token)
      return next
    })

  const finish = (entry: Entry, token: string, change: Partial<LoginState> & { status: LoginStatus }) =>
    SubscriptionRef.update(entry.state, (s) => ({ ...s, message: MESSAGES[change.status], checkingPassword: false, ...change })).pipe(
      // Interruptible even when forked from the uninterruptible save, so shutdown does not wait for it.
      Effect.zipRight(FiberSet.run(fibers, Effect.interruptible(Effect.zipRight(Effect.sleep(options.keepFinished), forget(token))))),
      Effect.asVoid
    )

  /** Checks the name is free and records the new login, all under one lock so two starts cannot both pass. */
  const register = (name: SessionName, force: boolean) =>
    registering.withPermits(1)(Effect.gen(function*() {
      const map = yield* Ref.get(entries)
      const now = yield* Clock.currentTimeMillis
      const pendingSince: Array<number> = []
      for (const e of map.values()) {
        const s = yield* SubscriptionRef.get(e.state)
        if (s.username === name && !isTerminal(s.status)) return yield* new LoginAlreadyPending({ name })
        if (!isTerminal(s.status)) pendingSince.push(e.startedAt)
      }
      if (!force && (yield* sessions.exists(name).pipe(Effect.orDie))) return yield* new SessionAlreadyExists({ name })
      if (pendingSince.length >= maxPending) {
        const firstExpiry = Math.min(...pendingSince) + Duration.toMillis(options.loginTimeout)
        return yield* new TooManyPendingLogins({ maxPending, retryAfterSeconds: Math.max(1, Math.ceil((firstExpiry - now) / 1000)) })
      }
      const token = randomBytes(24).toString("base64url")
      const state = yield* SubscriptionRef.make<LoginState>({
        token,
        username: name,
        status: "pending",
        qrUrl: null,
        error: null,
        message: MESSAGES.pending,
        account: null,
        passwordPrompts: 0,
        checkingPassword: false
      })
      const entry: Entry = { state, passwords: yield* Queue.unbounded<string>(), startedAt: now, fiber: undefined }
      yield* Ref.update(entries, (m) => new Map(m).set(token, entry))
      return { token, entry, state }
    }))

  const start = (name: SessionName, force: boolean) =>
    Effect.uninterruptibleMask((restore) =>
      Effect.gen(function*() {
        const { entry, state, token } = yield* register(name, force)
        const firstUrl = yield* Deferred.make<string, TelegramError>()

        const run = Effect.scoped(
          login.qrLogin({
            onQrUrl: (url) =>
              SubscriptionRef.update(state, (s) => ({ ...s, qrUrl: url })).pipe(
                Effect.zipRight(Deferred.succeed(firstUrl, url))
              ),
            password: (_hint, previousError) =>
              SubscriptionRef.update(state, (s) => ({
                ...s,
                status: "password_required" as const,
                error: previousError,
                message: MESSAGES.password_required,
                passwordPrompts: s.passwordPrompts + 1,
                checkingPassword: false
              })).pipe(Effect.zipRight(Queue.take(entry.passwords)))
          })
        ).pipe(
          Effect.timeoutFail({ duration: options.loginTimeout, onTimeout: () => "expired" as const }),
          Effect.matchCauseEffect({
            // Telegram has accepted the login: save it and say so, even if a cancel or shutdown comes now.
            onSuccess: (success) =>
              Effect.uninterruptible(Effect.gen(function*() {
                // Unreadable, it cannot be logged out; the new login is saved all the same.
                const replaced = yield* sessions.load(name).pipe(Effect.orElseSucceed(() => Option.none<string>()))
                yield* sessions.save(name, success.session)
                yield* Option.match(accountCache, { onNone: () => Effect.void, onSome: (c) => c.invalidate(name) })
                yield* finish(entry, token, { status: "success", error: null, account: success.account })
                yield* Effect.logInfo(`login succeeded for session ${name}`)
                // The login it replaced (force) is ended at Telegram, now that the new one is safely saved.
                if (Option.isSome(replaced) && replaced.value !== success.session) {
                  yield* FiberSet.run(fibers, Effect.interruptible(endReplacedLogin(login, name, replaced.value)))
                }
              }).pipe(
                Effect.catchAll((e) =>
                  finish(entry, token, { status: "error", error: `could not save the session: ${String(e.cause)}` })
                )
              )),
            onFailure: (cause) => {
              if (Cause.isInterruptedOnly(cause)) return Effect.void
              const failure = Cause.failureOption(cause)
              if (Option.isSome(failure) && failure.value === "expired") {
                return finish(entry, token, { status: "expired", error: null })
              }
              const error: TelegramError = Option.isSome(failure) && failure.value !== "expired"
                ? failure.value
                : new TelegramUnavailable({ reason: "the login stopped unexpectedly" })
              const reason = describeTelegramError(error)
              return Deferred.fail(firstUrl, error).pipe(
                Effect.zipRight(finish(entry, token, { status: "error", error: reason })),
                Effect.zipRight(Effect.logWarning(`login failed for session ${name}: ${reason}`))
              )
            }
          })
        )
        // Forked from the uninterruptible start, the login must be made interruptible again (cancel, expiry, shutdown).
        entry.fiber = yield* FiberSet.run(fibers, Effect.interruptible(run))
        // Answer once the first code is there (or Telegram could not be reached). A caller that
        // goes away before that never learns the token: the login is abandoned with it.
        const first = yield* restore(Deferred.await(firstUrl)).pipe(
          Effect.timeoutFail({ duration: FIRST_CODE_TIMEOUT, onTimeout: () => "timeout" as const }),
          Effect.either,
          Effect.onInterrupt(() => Effect.zipRight(Fiber.interrupt(entry.fiber!), forget(token)))
        )
        if (first._tag === "Left") {
          yield* Fiber.interrupt(entry.fiber)
          yield* forget(token)
          const error = first.left === "timeout"
            ? new TelegramUnavailable({ reason: "no login token from Telegram in time" })
            : first.left
          return yield* new LoginStartFailed({ error })
        }
        return yield* SubscriptionRef.get(state)
      })
    )

  const status = (token: string) => Effect.flatMap(find(token), (e) => SubscriptionRef.get(e.state))

  const submitPassword = (token: string, password: string) =>
    Effect.gen(function*() {
      const entry = yield* find(token)
      // Taken atomically: of two passwords sent at once, one is checked and the other refused.
      const taken = yield* SubscriptionRef.modify(entry.state, (s): [Either.Either<LoginState, NotAwaitingPassword>, LoginState] =>
        s.status !== "password_required"
          ? [Either.left(new NotAwaitingPassword({ status: s.status, reason: `the login is ${s.status}, not waiting for a password` })), s]
          : s.checkingPassword
          ? [Either.left(new NotAwaitingPassword({ status: s.status, reason: "a password is already being checked" })), s]
          : [Either.right(s), { ...s, checkingPassword: true }]
      )
      const before = yield* taken
      yield* Queue.offer(entry.passwords, password)
      // Wait for Telegram's verdict: a new prompt (wrong password) or the end of the login.
      return yield* entry.state.changes.pipe(
        Stream.filter((s) => isTerminal(s.status) || (s.passwordPrompts > before.passwordPrompts && !s.checkingPassword)),
        Stream.runHead,
        Effect.map(Option.getOrElse(() => before)),
        Effect.timeout(PASSWORD_VERDICT_TIMEOUT),
        Effect.orElse(() => SubscriptionRef.get(entry.state))
      )
    })

  /** Abandons a login still waiting for a scan or a password; a finished one cannot be undone. */
  const cancel = (token: string) =>
    Effect.gen(function*() {
      const entry = yield* find(token)
      const before = yield* SubscriptionRef.get(entry.state)
      if (isTerminal(before.status)) return yield* new LoginAlreadyFinished({ status: before.status })
      if (entry.fiber !== undefined) yield* Fiber.interrupt(entry.fiber)
      const after = yield* SubscriptionRef.get(entry.state)
      // Telegram may have confirmed it just before the interruption: then it stays a success.
      if (isTerminal(after.status)) return yield* new LoginAlreadyFinished({ status: after.status })
      yield* forget(token)
      yield* Effect.logInfo(`login for session ${before.username} cancelled`)
    })

  /** Abandons every login still under way for `name` (its session is being deleted); finished ones stay readable. */
  const cancelFor = (name: SessionName) =>
    Effect.gen(function*() {
      for (const [token, entry] of yield* Ref.get(entries)) {
        const s = yield* SubscriptionRef.get(entry.state)
        if (s.username !== name || isTerminal(s.status)) continue
        yield* cancel(token).pipe(Effect.ignore)
      }
    })

  // The steps a person takes, each a span of its own (Effect's tracer: a no-op unless the program installs one).
  return {
    start: (name: SessionName, force: boolean) => Effect.withSpan(start(name, force), "QrLogins.start"),
    status,
    submitPassword: (token: string, password: string) =>
      Effect.withSpan(submitPassword(token, password), "QrLogins.submitPassword"),
    cancel: (token: string) => Effect.withSpan(cancel(token), "QrLogins.cancel"),
    cancelFor
  } as const
})

/**
 * Ends at Telegram a login that another one replaced under `name`, and logs
 * the outcome: it no longer has a session file, so nothing else could end it.
 */
const endReplacedLogin = (login: TelegramLogin["Type"], name: SessionName, saved: string) =>
  Effect.flatMap(logOutAtTelegram(login, saved), (outcome) => {
    switch (outcome._tag) {
      case "LoggedOut":
        return Effect.logInfo(`the login session ${name} replaced was logged out at Telegram`)
      case "AlreadyEnded":
        return Effect.logInfo(`the login session ${name} replaced had already been ended at Telegram (${outcome.reason})`)
      case "NotConfirmed":
        return Effect.logWarning(
          `could not log out at Telegram the login session ${name} replaced (${outcome.reason}): end it in Telegram > Settings > Devices`
        )
    }
  })

/** QR logins with 2FA; needs QrLoginOptionsTag. */
export class QrLogins extends Effect.Service<QrLogins>()("app/QrLogins", { scoped: makeQrLogins }) {}

/** The use case's layer (the name earlier releases exported). */
export const QrLoginsLive = QrLogins.Default
