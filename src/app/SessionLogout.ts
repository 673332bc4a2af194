/**
 * Deleting a session: its login ended at Telegram (auth.logOut), its file
 * removed, and everything kept in memory for the name dropped (a login still
 * under way for it, its Telegram client, its cached dialogs, its revocation
 * mark). Telegram's answer does not decide whether the local session goes:
 * out of reach, or the login already ended elsewhere, the session is still
 * removed and the outcome says so. Nothing is half-deleted: the file goes
 * last, so a delete stopped before it (shutdown) or failing to remove it
 * leaves a session whose login may have ended, which a retry deletes.
 *
 * Runs in the server (with every collaborator) and in tgsc-auth (only the
 * session files and the login port: nothing in memory to drop there).
 */
import { Data, Effect, Fiber, FiberSet, Option } from "effect"
import type { SessionName } from "../domain/SessionName.js"
import { SessionStore, type SessionStoreFailed } from "../ports/SessionStore.js"
import { TelegramGateway } from "../ports/TelegramGateway.js"
import { TelegramLogin } from "../ports/TelegramLogin.js"
import { AccountCache } from "./AccountCache.js"
import { QrLogins } from "./QrLogins.js"
import { SessionRevocations } from "./SessionRevocations.js"
import { logOutAtTelegram, type TelegramLogout } from "./TelegramLogout.js"

export class SessionNotFound extends Data.TaggedError("SessionNotFound")<{ readonly name: SessionName }> {
  override get message() {
    return `Session '${this.name}' not found: there is no saved login by that name`
  }
}

export interface SessionDeleted {
  readonly name: SessionName
  readonly telegram: TelegramLogout
}

export const makeSessionLogout = Effect.gen(function*() {
  const sessions = yield* SessionStore
  const login = yield* TelegramLogin
  // Present in a server; a command-line program has none of this state.
  const logins = yield* Effect.serviceOption(QrLogins)
  const gateway = yield* Effect.serviceOption(TelegramGateway)
  const accountCache = yield* Effect.serviceOption(AccountCache)
  const revocations = yield* Effect.serviceOption(SessionRevocations)
  // Deletes under way; closing the layer (shutdown) interrupts them.
  const running = yield* FiberSet.make<SessionDeleted, SessionNotFound | SessionStoreFailed>()
  const each = <S>(service: Option.Option<S>, f: (s: S) => Effect.Effect<void>) =>
    Option.match(service, { onNone: () => Effect.void, onSome: f })

  /** Drops what the process keeps for the name. */
  const forgetInMemory = (name: SessionName) =>
    Effect.all([
      each(gateway, (g) => g.forget(name)),
      each(accountCache, (c) => c.invalidate(name)),
      each(revocations, (r) => r.clear(name))
    ], { discard: true })

  // Run apart from the caller: one that goes away (a closed connection) does not stop a delete midway.
  const logOut = Effect.fn("SessionLogout.logOut")(function*(name: SessionName) {
    return yield* Effect.flatMap(FiberSet.run(running, deleteSession(name)), Fiber.join)
  })

  const deleteSession = Effect.fnUntraced(function*(name: SessionName) {
    // A login under way would save a session again once this one is gone.
    yield* each(logins, (l) => l.cancelFor(name))
    const saved = yield* sessions.load(name)
    if (Option.isNone(saved)) return yield* new SessionNotFound({ name })
    const telegram = yield* logOutAtTelegram(login, saved.value)
    yield* sessions.remove(name)
    yield* forgetInMemory(name)
    yield* telegram._tag === "NotConfirmed"
      ? Effect.logWarning(`session ${name} deleted, but Telegram did not confirm the logout: ${telegram.reason}`)
      : Effect.logInfo(`session ${name} deleted (${telegram._tag === "LoggedOut" ? "logged out at Telegram" : "login already ended"})`)
    return { name, telegram } satisfies SessionDeleted
  })

  // A span of its own (Effect's tracer: a no-op unless the program installs one).
  return { logOut } as const
})

/** Logging a session out, at Telegram and on disk. */
export class SessionLogout extends Effect.Service<SessionLogout>()("app/SessionLogout", { scoped: makeSessionLogout }) {}

/** The use case's layer (the name earlier releases exported). */
export const SessionLogoutLive = SessionLogout.Default
