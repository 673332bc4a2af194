/**
 * Sessions Telegram no longer accepts (AUTH_KEY_UNREGISTERED, SESSION_REVOKED,
 * USER_DEACTIVATED...: revoked from another device, logged out elsewhere).
 * Once Telegram has said so, the session is marked and every later call for
 * it fails with SessionRevoked without asking Telegram again; the session
 * file is kept. The mark belongs to the saved login it was made for, not to
 * the name: a new login saved under the name (by any process, or a file put
 * there by hand) is a different saved login, so it clears the mark.
 */
import { Effect, Layer, Option, Stream } from "effect"
import type { SessionName } from "../domain/SessionName.js"
import { SessionStore } from "../ports/SessionStore.js"
import { SessionRevoked, TelegramGateway, type TelegramGatewayService } from "../ports/TelegramGateway.js"

interface Mark {
  /** The saved login Telegram refused. */
  readonly saved: string
  readonly reason: string
}

const makeSessionRevocations = Effect.gen(function*() {
  const sessions = yield* SessionStore
  const marks = new Map<SessionName, Mark>()

  const savedNow = (name: SessionName) =>
    sessions.load(name).pipe(Effect.orElseSucceed(() => Option.none<string>()))

  /** Fails with SessionRevoked when the session's current saved login is one Telegram refused. */
  const check = (name: SessionName): Effect.Effect<void, SessionRevoked> =>
    Effect.suspend(() => {
      const mark = marks.get(name)
      if (mark === undefined) return Effect.void
      return Effect.flatMap(savedNow(name), (saved) => {
        if (Option.isSome(saved) && saved.value === mark.saved) {
          return Effect.fail(new SessionRevoked({ session: name, reason: mark.reason }))
        }
        marks.delete(name)
        return Effect.void
      })
    })

  /** Remembers that Telegram refused the session's current saved login (nothing to remember without one). */
  const mark = (name: SessionName, reason: string): Effect.Effect<void> =>
    Effect.flatMap(savedNow(name), (saved) =>
      Option.isNone(saved) || marks.get(name)?.saved === saved.value
        ? Effect.void
        : Effect.sync(() => marks.set(name, { saved: saved.value, reason })).pipe(
          Effect.zipRight(Effect.logWarning(`session ${name} is no longer authorised by Telegram (${reason}): marked until it logs in again`))
        ))

  const clear = (name: SessionName): Effect.Effect<void> => Effect.sync(() => marks.delete(name))

  const noteRevoked = (name: SessionName) => (error: unknown) =>
    (error as { _tag?: unknown })._tag === "SessionRevoked" ? mark(name, (error as SessionRevoked).reason) : Effect.void

  /** Runs a gateway call for `name` only when the session is not marked, and marks it when Telegram refuses it. */
  const guard = <A, E, R>(name: SessionName, call: Effect.Effect<A, E, R>): Effect.Effect<A, E | SessionRevoked, R> =>
    check(name).pipe(Effect.zipRight(call), Effect.tapError(noteRevoked(name)))

  /** The gateway as the use cases see it: marked sessions fail at once, refusals are remembered. */
  const guardGateway = (gateway: TelegramGatewayService): TelegramGatewayService => ({
    account: (session) => guard(session, gateway.account(session)),
    clockOffset: (session) => guard(session, gateway.clockOffset(session)),
    dialogs: (session) => guard(session, gateway.dialogs(session)),
    folders: (session) => guard(session, gateway.folders(session)),
    messageCount: (session, dialogId) => guard(session, gateway.messageCount(session, dialogId)),
    participantsCount: (session, dialogId) => guard(session, gateway.participantsCount(session, dialogId)),
    messagesByIds: (session, dialogId, ids) => guard(session, gateway.messagesByIds(session, dialogId, ids)),
    history: (session, dialogId, request) => guard(session, gateway.history(session, dialogId, request)),
    thread: (session, dialogId, scope) => guard(session, gateway.thread(session, dialogId, scope)),
    replies: (session, dialogId, rootId, request) => guard(session, gateway.replies(session, dialogId, rootId, request)),
    topics: (session, dialogId) => guard(session, gateway.topics(session, dialogId)),
    search: (session, dialogId, request) => guard(session, gateway.search(session, dialogId, request)),
    searchGlobal: (session, request) => guard(session, gateway.searchGlobal(session, request)),
    download: (session, locator) =>
      Stream.unwrap(Effect.as(check(session), gateway.download(session, locator))).pipe(
        Stream.tapError(noteRevoked(session))
      ),
    forget: gateway.forget,
    ...(gateway.takeout === undefined ? {} : { takeout: (session, scope) => guard(session, gateway.takeout!(session, scope)) })
  })

  return { check, mark, clear, guardGateway } as const
})

/** Sessions Telegram refused, not asked for again. */
export class SessionRevocations extends Effect.Service<SessionRevocations>()("app/SessionRevocations", { effect: makeSessionRevocations }) {}

/** The use case's layer (the name earlier releases exported). */
export const SessionRevocationsLive = SessionRevocations.Default

/** The TelegramGateway for the use cases: the port's, guarded by SessionRevocations. */
export const RevocationGuardedGatewayLive = Layer.effect(
  TelegramGateway,
  Effect.map(Effect.all([TelegramGateway, SessionRevocations]), ([gateway, revocations]) =>
    TelegramGateway.of(revocations.guardGateway(gateway)))
)
