/**
 * What every login under way shares, however it logs in (QR code, phone
 * code): an unguessable token of ours, one login at most per session name,
 * a cap on logins pending at once (each holds a Telegram connection), expiry,
 * the 2FA password step, and the end: the session is saved only when
 * Telegram confirms the login, so `force` keeps the old session until the
 * new one works (and then logs the old one out at Telegram); cancelling or
 * shutting down abandons the login and leaves no file behind. QrLogins and
 * PhoneLogins are the two ways in; given one PendingLogins (as TgscLive does),
 * the cap and the one-login-per-name rule hold across both.
 */
import { randomBytes } from "node:crypto"
import { Cause, Clock, Context, Data, Deferred, Duration, Effect, Either, Fiber, FiberSet, Option, Queue, Ref, type Scope, Stream, SubscriptionRef } from "effect"
import { DEFAULTS } from "../domain/Defaults.js"
import type { SessionName } from "../domain/SessionName.js"
import { SessionStore } from "../ports/SessionStore.js"
import { type AccountInfo, describeTelegramError, type TelegramError, TelegramUnavailable } from "../ports/TelegramGateway.js"
import { type LoginSuccess, TelegramLogin } from "../ports/TelegramLogin.js"
import { AccountCache } from "./AccountCache.js"
import { logOutAtTelegram } from "./TelegramLogout.js"

/** The statuses of both kinds of login: `pending` (QR, waiting for the scan), `code_required` (phone). */
export type AnyLoginStatus = "pending" | "code_required" | "password_required" | "success" | "expired" | "error"

export type LoginKind = "qr" | "phone"

/** What every login's state has. */
export interface LoginStateBase {
  readonly token: string
  readonly username: SessionName
  readonly status: AnyLoginStatus
  readonly error: string | null
  readonly message: string
  readonly account: AccountInfo | null
  /** How many times the password was asked for: a new prompt means the last one was wrong. */
  readonly passwordPrompts: number
  readonly checkingPassword: boolean
}

/*
 * Each error tells itself (`message`): the wording every way in shows;
 * a driving adapter adds only how its user takes the next step (a route,
 * a command-line flag).
 */

export class SessionAlreadyExists extends Data.TaggedError("SessionAlreadyExists")<{ readonly name: string }> {
  override get message() {
    return `Session '${this.name}' already exists`
  }
}
export class LoginAlreadyPending extends Data.TaggedError("LoginAlreadyPending")<{ readonly name: string }> {
  override get message() {
    return `A login for session '${this.name}' is already in progress`
  }
}
export class LoginNotFound extends Data.TaggedError("LoginNotFound")<{ readonly token: string }> {
  override get message() {
    return `Login ${this.token.slice(0, 12)}... not found: it was cancelled, expired long ago, or never existed`
  }
}
export class NotAwaitingPassword extends Data.TaggedError("NotAwaitingPassword")<{ readonly status: AnyLoginStatus; readonly reason: string }> {
  override get message() {
    return `Cannot take a password now: ${this.reason}`
  }
}
export class LoginStartFailed extends Data.TaggedError("LoginStartFailed")<{ readonly kind: LoginKind; readonly error: TelegramError }> {
  override get message() {
    return `Failed to connect to Telegram for ${this.kind === "qr" ? "QR login" : "the phone login"}: ${describeTelegramError(this.error)}`
  }
}
export class LoginAlreadyFinished extends Data.TaggedError("LoginAlreadyFinished")<{ readonly status: AnyLoginStatus }> {
  override get message() {
    return `The login already ended (${this.status}): there is nothing to cancel`
  }
}
/** `maxPending` logins are waiting for a scan, a code or a password; the first of them expires in `retryAfterSeconds` at most. */
export class TooManyPendingLogins extends Data.TaggedError("TooManyPendingLogins")<{
  /** The kind of login that was refused (the cap counts both). */
  readonly kind: LoginKind
  readonly maxPending: number
  readonly retryAfterSeconds: number
}> {
  override get message() {
    return `Too many ${this.kind === "qr" ? "QR " : ""}logins pending on this server (at most ${this.maxPending} at once): ` +
      `retry after ${this.retryAfterSeconds} seconds, or cancel one`
  }
}

export interface QrLoginOptions {
  /** The whole login expires after this (300 s). */
  readonly loginTimeout: Duration.Duration
  /** Finished logins stay readable this long (at least 60 s). */
  readonly keepFinished: Duration.Duration
  /**
   * Logins waiting for a scan, a code or a password at once, all names
   * together (one name has one at most); each holds a Telegram connection.
   * Default 16.
   */
  readonly maxPending?: number
}

/** The options of every login, QR or phone (the name is the one earlier releases exported). */
export class QrLoginOptionsTag extends Context.Tag("app/QrLoginOptions")<QrLoginOptionsTag, QrLoginOptions>() {}

export const DEFAULT_MAX_PENDING_LOGINS = DEFAULTS.maxPendingLogins

export const defaultQrLoginOptions: QrLoginOptions = {
  loginTimeout: Duration.seconds(DEFAULTS.loginTimeoutSeconds),
  keepFinished: Duration.seconds(DEFAULTS.loginKeepSeconds),
  maxPending: DEFAULT_MAX_PENDING_LOGINS
}

/** How long starting a login waits for Telegram's first answer (the first QR code, the code sent) before failing. */
const FIRST_ANSWER_TIMEOUT = Duration.seconds(45)
/** How long a step (a password, a code) waits for Telegram's verdict before answering with the current state. */
export const VERDICT_TIMEOUT = Duration.seconds(60)

export const isTerminal = (s: AnyLoginStatus) => s === "success" || s === "expired" || s === "error"

/** The messages of the statuses both kinds share. */
export const SHARED_MESSAGES = {
  password_required: "This account has two-step verification: submit the password",
  success: "Logged in: the session is saved",
  expired: "The login expired before it was completed: start a new one",
  error: "The login failed: start a new one"
} as const

export interface LoginEntry<S extends LoginStateBase> {
  readonly kind: LoginKind
  readonly token: string
  readonly state: SubscriptionRef.SubscriptionRef<S>
  readonly passwords: Queue.Queue<string>
  /** When the login started (epoch ms): it expires loginTimeout later. */
  readonly startedAt: number
  fiber: Fiber.RuntimeFiber<void> | undefined
}

export interface LoginSpec<S extends LoginStateBase> {
  readonly kind: LoginKind
  readonly name: SessionName
  readonly force: boolean
  /** The state before Telegram answered anything. */
  readonly initial: (token: string) => S
  /**
   * The login itself, given its entry; it completes `first` once there is
   * something to show (the first QR code, the code sent). Until then the
   * start waits; a failure before it is the start's failure.
   */
  readonly flow: (entry: LoginEntry<S>, first: Deferred.Deferred<void, TelegramError>) => Effect.Effect<LoginSuccess, TelegramError, Scope.Scope>
  /** Why the start failed when Telegram gave nothing to show in time. */
  readonly noFirstAnswer: string
}

export const makePendingLogins = (options: QrLoginOptions) =>
  Effect.gen(function*() {
    const login = yield* TelegramLogin
    const sessions = yield* SessionStore
    // When there is one: what it remembers about a name may be another account's after a forced login.
    const accountCache = yield* Effect.serviceOption(AccountCache)
    const entries = yield* Ref.make(new Map<string, LoginEntry<LoginStateBase>>())
    // Logins and their clean-up timers: closing the layer (shutdown) interrupts them all.
    const fibers = yield* FiberSet.make<void>()
    const registering = yield* Effect.makeSemaphore(1)
    const maxPending = options.maxPending ?? DEFAULT_MAX_PENDING_LOGINS

    const find = <S extends LoginStateBase>(token: string, kind: LoginKind) =>
      Effect.flatMap(Ref.get(entries), (map) => {
        const entry = map.get(token)
        return entry === undefined || entry.kind !== kind
          ? Effect.fail(new LoginNotFound({ token }))
          : Effect.succeed(entry as unknown as LoginEntry<S>)
      })

    const forget = (token: string) =>
      Ref.update(entries, (map) => {
        const next = new Map(map)
        next.delete(token)
        return next
      })

    /** Sets the login's final state; it stays readable keepFinished long. */
    const finish = <S extends LoginStateBase>(entry: LoginEntry<S>, change: Partial<S> & { status: "success" | "expired" | "error" }) =>
      SubscriptionRef.update(entry.state, (s) => ({ ...s, message: SHARED_MESSAGES[change.status], checkingPassword: false, ...change })).pipe(
        // Interruptible even when forked from the uninterruptible save, so shutdown does not wait for it.
        Effect.zipRight(FiberSet.run(fibers, Effect.interruptible(Effect.zipRight(Effect.sleep(options.keepFinished), forget(entry.token))))),
        Effect.asVoid
      )

    /** Checks the name is free and records the new login, all under one lock so two starts cannot both pass. */
    const register = <S extends LoginStateBase>(kind: LoginKind, name: SessionName, force: boolean, initial: (token: string) => S) =>
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
          return yield* new TooManyPendingLogins({ kind, maxPending, retryAfterSeconds: Math.max(1, Math.ceil((firstExpiry - now) / 1000)) })
        }
        const token = randomBytes(24).toString("base64url")
        const entry: LoginEntry<S> = {
          kind,
          token,
          state: yield* SubscriptionRef.make(initial(token)),
          passwords: yield* Queue.unbounded<string>(),
          startedAt: now,
          fiber: undefined
        }
        yield* Ref.update(entries, (m) => new Map(m).set(token, entry as unknown as LoginEntry<LoginStateBase>))
        return entry
      }))

    /** Telegram has accepted the login: save it and say so, even if a cancel or shutdown comes now. */
    const saveSuccess = <S extends LoginStateBase>(entry: LoginEntry<S>, name: SessionName, success: LoginSuccess) =>
      Effect.uninterruptible(Effect.gen(function*() {
        // Unreadable, it cannot be logged out; the new login is saved all the same.
        const replaced = yield* sessions.load(name).pipe(Effect.orElseSucceed(() => Option.none<string>()))
        yield* sessions.save(name, success.session)
        yield* Option.match(accountCache, { onNone: () => Effect.void, onSome: (c) => c.invalidate(name) })
        yield* finish(entry, { status: "success", error: null, account: success.account } as Partial<S> & { status: "success" })
        yield* Effect.logInfo(`login succeeded for session ${name}`)
        // The login it replaced (force) is ended at Telegram, now that the new one is safely saved.
        if (Option.isSome(replaced) && replaced.value !== success.session) {
          yield* FiberSet.run(fibers, Effect.interruptible(endReplacedLogin(login, name, replaced.value)))
        }
      }).pipe(
        Effect.catchAll((e) =>
          finish(entry, { status: "error", error: `could not save the session: ${String(e.cause)}` } as Partial<S> & { status: "error" })
        )
      ))

    /** Registers and runs a login; answers its state once Telegram gave the first thing to show. */
    const start = <S extends LoginStateBase>(spec: LoginSpec<S>) =>
      Effect.uninterruptibleMask((restore) =>
        Effect.gen(function*() {
          const entry = yield* register(spec.kind, spec.name, spec.force, spec.initial)
          const first = yield* Deferred.make<void, TelegramError>()
          const run = Effect.scoped(spec.flow(entry, first)).pipe(
            Effect.timeoutFail({ duration: options.loginTimeout, onTimeout: () => "expired" as const }),
            Effect.matchCauseEffect({
              onSuccess: (success) => saveSuccess(entry, spec.name, success),
              onFailure: (cause) => {
                if (Cause.isInterruptedOnly(cause)) return Effect.void
                const failure = Cause.failureOption(cause)
                if (Option.isSome(failure) && failure.value === "expired") {
                  return finish(entry, { status: "expired", error: null } as Partial<S> & { status: "expired" })
                }
                const error: TelegramError = Option.isSome(failure) && failure.value !== "expired"
                  ? failure.value
                  : new TelegramUnavailable({ reason: "the login stopped unexpectedly" })
                const reason = describeTelegramError(error)
                return Deferred.fail(first, error).pipe(
                  Effect.zipRight(finish(entry, { status: "error", error: reason } as Partial<S> & { status: "error" })),
                  Effect.zipRight(Effect.logWarning(`login failed for session ${spec.name}: ${reason}`))
                )
              }
            })
          )
          // Forked from the uninterruptible start, the login must be made interruptible again (cancel, expiry, shutdown).
          entry.fiber = yield* FiberSet.run(fibers, Effect.interruptible(run))
          // Answer once there is something to show (or Telegram refused). A caller that goes away
          // before that never learns the token: the login is abandoned with it.
          const answered = yield* restore(Deferred.await(first)).pipe(
            Effect.timeoutFail({ duration: FIRST_ANSWER_TIMEOUT, onTimeout: () => "timeout" as const }),
            Effect.either,
            Effect.onInterrupt(() => Effect.zipRight(Fiber.interrupt(entry.fiber!), forget(entry.token)))
          )
          if (answered._tag === "Left") {
            yield* Fiber.interrupt(entry.fiber)
            yield* forget(entry.token)
            const error = answered.left === "timeout" ? new TelegramUnavailable({ reason: spec.noFirstAnswer }) : answered.left
            return yield* new LoginStartFailed({ kind: spec.kind, error })
          }
          return yield* SubscriptionRef.get(entry.state)
        })
      )

    const status = <S extends LoginStateBase>(token: string, kind: LoginKind) =>
      Effect.flatMap(find<S>(token, kind), (e) => SubscriptionRef.get(e.state))

    /** The adapter's password callback for this login: shows password_required, then waits for submitPassword. */
    const passwordPrompt = <S extends LoginStateBase>(entry: LoginEntry<S>) => (_hint: string | null, previousError: string | null) =>
      SubscriptionRef.update(entry.state, (s) => ({
        ...s,
        status: "password_required" as const,
        error: previousError,
        message: SHARED_MESSAGES.password_required,
        passwordPrompts: s.passwordPrompts + 1,
        checkingPassword: false
      })).pipe(Effect.zipRight(Queue.take(entry.passwords)))

    const submitPassword = <S extends LoginStateBase>(token: string, kind: LoginKind, password: string) =>
      Effect.gen(function*() {
        const entry = yield* find<S>(token, kind)
        // Taken atomically: of two passwords sent at once, one is checked and the other refused.
        const taken = yield* SubscriptionRef.modify(entry.state, (s): [Either.Either<S, NotAwaitingPassword>, S] =>
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
          Effect.timeout(VERDICT_TIMEOUT),
          Effect.orElse(() => SubscriptionRef.get(entry.state))
        )
      })

    /** Abandons a login still waiting for the user; a finished one cannot be undone. */
    const cancel = (token: string, kind: LoginKind) =>
      Effect.gen(function*() {
        const entry = yield* find(token, kind)
        const before = yield* SubscriptionRef.get(entry.state)
        if (isTerminal(before.status)) return yield* new LoginAlreadyFinished({ status: before.status })
        if (entry.fiber !== undefined) yield* Fiber.interrupt(entry.fiber)
        const after = yield* SubscriptionRef.get(entry.state)
        // Telegram may have confirmed it just before the interruption: then it stays a success.
        if (isTerminal(after.status)) return yield* new LoginAlreadyFinished({ status: after.status })
        yield* forget(token)
        yield* Effect.logInfo(`login for session ${before.username} cancelled`)
      })

    /**
     * Ends a login for a reason of the use case's (too many wrong codes):
     * its final state first, then its fiber, from outside it, so that this
     * can be called from within the login.
     */
    const abandon = <S extends LoginStateBase>(entry: LoginEntry<S>, error: string) =>
      finish(entry, { status: "error", error } as Partial<S> & { status: "error" }).pipe(
        Effect.zipRight(FiberSet.run(fibers, Effect.suspend(() => (entry.fiber === undefined ? Effect.void : Fiber.interrupt(entry.fiber))))),
        Effect.asVoid
      )

    /** Abandons every login still under way for `name` (its session is being deleted); finished ones stay readable. */
    const cancelFor = (name: SessionName) =>
      Effect.gen(function*() {
        for (const [token, entry] of yield* Ref.get(entries)) {
          const s = yield* SubscriptionRef.get(entry.state)
          if (s.username !== name || isTerminal(s.status)) continue
          yield* cancel(token, entry.kind).pipe(Effect.ignore)
        }
      })

    return { start, status, find, passwordPrompt, submitPassword, cancel, cancelFor, abandon } as const
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

export type PendingLoginsService = Effect.Effect.Success<ReturnType<typeof makePendingLogins>>

/** The options in the context, or the defaults. */
export const loginOptions = Effect.map(Effect.serviceOption(QrLoginOptionsTag), Option.getOrElse(() => defaultQrLoginOptions))

/**
 * The logins under way of one program: QrLogins and PhoneLogins share the
 * one in their context (each makes its own without one). Needs
 * QrLoginOptionsTag, or takes the defaults.
 */
export class PendingLogins extends Effect.Service<PendingLogins>()("app/PendingLogins", {
  scoped: Effect.flatMap(loginOptions, makePendingLogins)
}) {}

/** The PendingLogins in the context, or a new one of the caller's own (closed with the caller's scope). */
export const sharedOrOwnPendingLogins = Effect.flatMap(
  Effect.serviceOption(PendingLogins),
  Option.match({
    onSome: (shared): Effect.Effect<PendingLoginsService, never, TelegramLogin | SessionStore | Scope.Scope> => Effect.succeed(shared),
    onNone: () => Effect.flatMap(loginOptions, makePendingLogins)
  })
)
