/**
 * Takeout (data export) sessions for bulk history syncs (setting
 * `use_takeout`): Telegram serves requests made within one under the
 * higher limits it gives exports. One takeout per session (account),
 * started by account.initTakeoutSession when a first sync needs it, shared
 * by every sync of the account that runs meanwhile (whichever dialog), and
 * finished (account.finishTakeoutSession, success) when the last of them
 * ends, however it ends. While one is active, every messages.getHistory of
 * the session goes out wrapped in invokeWithTakeout, and every upload.getFile
 * too when it was asked for files; should Telegram no longer know it
 * (TAKEOUT_INVALID: ended elsewhere, or expired), it is dropped and the
 * request is sent again as is.
 */
import bigInt from "big-integer"
import { Api, type TelegramClient } from "telegram"
import { Effect, type Scope } from "effect"
import type { SessionName } from "../../domain/SessionName.js"
import { TakeoutDelayed, type TakeoutScope, type TelegramError } from "../../ports/TelegramGateway.js"

interface Active {
  readonly id: bigInt.BigInteger
  /** Scopes holding it. */
  users: number
  /** Whether it was asked for files (upload.getFile goes within it). */
  readonly files: boolean
}

export interface TakeoutDeps {
  /** One Telegram call with the session's client, with the gateway's error mapping, timeout and flood-wait retry. */
  readonly run: <A>(session: SessionName, method: string, f: (client: TelegramClient) => Promise<A>) => Effect.Effect<A, TelegramError>
}

const DELAY = /^TAKEOUT_INIT_DELAY_(\d+)$/

export const initTakeoutRequest = (scope: TakeoutScope) =>
  new Api.account.InitTakeoutSession({
    contacts: false,
    messageUsers: true,
    messageChats: true,
    messageMegagroups: true,
    messageChannels: true,
    files: scope.files,
    ...(scope.files && scope.fileMaxSize !== null ? { fileMaxSize: bigInt(scope.fileMaxSize) } : {})
  })

export const makeTakeouts = (deps: TakeoutDeps) => {
  const active = new Map<SessionName, Active>()
  // Starting and finishing are rare (once per sync): one lock for every session keeps them in order.
  const lock = Effect.unsafeMakeSemaphore(1)

  const start = (session: SessionName, scope: TakeoutScope) =>
    lock.withPermits(1)(Effect.gen(function*() {
      const current = active.get(session)
      if (current !== undefined) {
        current.users++
        return current
      }
      const takeout = yield* deps.run(session, "account.InitTakeoutSession", (client) => client.invoke(initTakeoutRequest(scope))).pipe(
        Effect.catchIf(
          (e) => e._tag === "TelegramRpcError" && DELAY.test(e.message),
          (e) => Effect.fail(new TakeoutDelayed({ seconds: Math.max(1, Number(DELAY.exec(e.message)![1])) }))
        )
      )
      const started: Active = { id: takeout.id, users: 1, files: scope.files }
      active.set(session, started)
      yield* Effect.logInfo(`takeout session started for ${session}`)
      return started
    }))

  const finish = (session: SessionName, held: Active) =>
    lock.withPermits(1)(Effect.gen(function*() {
      held.users--
      if (held.users > 0) return
      if (active.get(session) === held) active.delete(session)
      yield* deps.run(session, "account.FinishTakeoutSession", (client) =>
        client.invoke(new Api.InvokeWithTakeout({ takeoutId: held.id, query: new Api.account.FinishTakeoutSession({ success: true }) }))).pipe(
          Effect.zipRight(Effect.logInfo(`takeout session finished for ${session}`)),
          // Telegram ends an unfinished takeout by itself; nothing is lost.
          Effect.catchAll((e) => Effect.logWarning(`takeout session of ${session} not finished: ${e.message}`))
        )
    }))

  const within = async <R extends Api.AnyRequest>(
    session: SessionName,
    request: R,
    send: (request: Api.AnyRequest) => Promise<unknown>,
    file: boolean
  ): Promise<R["__response"]> => {
    const held = active.get(session)
    if (held === undefined || (file && !held.files)) return await send(request) as R["__response"]
    try {
      return await send(new Api.InvokeWithTakeout({ takeoutId: held.id, query: request })) as R["__response"]
    } catch (error) {
      if ((error as { errorMessage?: unknown }).errorMessage !== "TAKEOUT_INVALID") throw error
      if (active.get(session) === held) active.delete(session)
      return await send(request) as R["__response"]
    }
  }

  return {
    /** The port's `takeout`: held for as long as the scope is open. */
    takeout: (session: SessionName, scope: TakeoutScope): Effect.Effect<void, TelegramError | TakeoutDelayed, Scope.Scope> =>
      Effect.asVoid(Effect.acquireRelease(start(session, scope), (held) => finish(session, held))),

    /** `request` sent within the session's takeout while one is active, as is otherwise. */
    invoke: <R extends Api.AnyRequest>(client: TelegramClient, session: SessionName, request: R): Promise<R["__response"]> =>
      within(session, request, (r) => client.invoke(r), false),

    /** A file part's request sent by `send` (on the file's DC), within the session's takeout while one asked for files is active. */
    file: <R extends Api.AnyRequest>(session: SessionName, request: R, send: (request: Api.AnyRequest) => Promise<unknown>): Promise<R["__response"]> =>
      within(session, request, send, true)
  }
}
