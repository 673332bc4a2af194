/**
 * GramJS failures as the port's typed errors. The RPC error text is what
 * Telegram means; the class GramJS picked for it is secondary.
 */
import { Duration, Effect } from "effect"
import {
  FloodWait,
  SessionRevoked,
  TelegramRpcError,
  type TelegramError,
  TelegramUnavailable
} from "../../ports/TelegramGateway.js"

const REVOKED = new Set(["AUTH_KEY_UNREGISTERED", "SESSION_REVOKED", "USER_DEACTIVATED", "USER_DEACTIVATED_BAN", "AUTH_KEY_INVALID", "SESSION_EXPIRED", "AUTH_KEY_DUPLICATED"])

interface GramJsRpcLike {
  readonly code?: number
  readonly errorMessage?: string
  readonly seconds?: number
  readonly message?: string
}

const rpcText = (error: GramJsRpcLike): string | undefined =>
  typeof error.errorMessage === "string" && /^[A-Z0-9_]+$/.test(error.errorMessage) ? error.errorMessage : undefined

export const toTelegramError = (error: unknown, method: string, session: string): TelegramError => {
  const e = (error ?? {}) as GramJsRpcLike
  // GramJS turns FLOOD_WAIT_n / FLOOD_PREMIUM_WAIT_n into a FloodWaitError whose
  // errorMessage is just "FLOOD": the wait is in `seconds`.
  if (typeof e.seconds === "number" && (e.code === 420 || e.errorMessage === "FLOOD")) {
    return new FloodWait({ seconds: e.seconds, method })
  }
  // Telegram's "-503 Timeout" (lowercase, negative code; GramJS throws a plain RPCError with them): the server
  // timed out inside, the connection is fine. Kept as an RPC error, retried like TIMEOUT (see FloodRetry).
  if (typeof e.code === "number" && Math.abs(e.code) === 503 && typeof e.errorMessage === "string") {
    return new TelegramRpcError({ code: e.code, message: e.errorMessage, method })
  }
  const text = rpcText(e)
  if (text !== undefined) {
    const flood = /^FLOOD(?:_PREMIUM)?_WAIT_(\d+)$/.exec(text)
    if (flood) return new FloodWait({ seconds: Number(flood[1]), method })
    if (REVOKED.has(text)) return new SessionRevoked({ session, reason: text })
    return new TelegramRpcError({ code: typeof e.code === "number" ? e.code : 400, message: text, method })
  }
  const message = error instanceof Error ? error.message : String(error)
  return new TelegramUnavailable({ reason: `${method}: ${message}`, cause: error })
}

/** The longest delay a timer can wait (setTimeout's limit); a longer limit is none. */
const MAX_TIMER_MS = 2 ** 31 - 1

/** How often a call in flight looks whether its client's connection was lost for good (see `lost` below). */
const LOST_POLL_MS = 200

/**
 * One Telegram request as an Effect: its failure as the port's error, and
 * TelegramUnavailable when no answer comes within `timeout` (a connection
 * that stays open while Telegram stays silent would otherwise hold the
 * caller for ever; GramJS has no limit of its own). With `lost`, it also
 * fails as soon as that says the client's connection is lost for good
 * (looked at when the call starts and every 200 ms while it waits), since
 * GramJS would then never answer.
 *
 * One callback and two timers, no fiber: this runs for every Telegram page
 * of a sync, where racing fibers against the call cost more than the rest
 * of the call's wrapping together.
 */
export const telegramCall = <A>(
  method: string,
  session: string,
  timeout: Duration.DurationInput,
  run: () => Promise<A>,
  lost?: () => boolean
): Effect.Effect<A, TelegramError> =>
  Effect.async<A, TelegramError>((resume) => {
    if (lost !== undefined && lost()) {
      resume(Effect.fail(connectionLost()))
      return
    }
    let done = false
    let timer: ReturnType<typeof setTimeout> | undefined
    let poll: ReturnType<typeof setInterval> | undefined
    const stop = () => {
      done = true
      if (timer !== undefined) clearTimeout(timer)
      if (poll !== undefined) clearInterval(poll)
    }
    const finish = (result: Effect.Effect<A, TelegramError>) => {
      if (done) return
      stop()
      resume(result)
    }
    const limit = Duration.decode(timeout)
    const ms = Duration.toMillis(limit)
    if (ms <= MAX_TIMER_MS) {
      timer = setTimeout(() =>
        finish(Effect.fail(
          new TelegramUnavailable({ reason: `${method}: no answer from Telegram within ${Duration.format(limit)}` })
        )), ms)
    }
    if (lost !== undefined) {
      poll = setInterval(() => {
        if (lost()) finish(Effect.fail(connectionLost()))
      }, LOST_POLL_MS)
    }
    let answer: Promise<A>
    try {
      answer = run()
    } catch (error) {
      finish(Effect.fail(toTelegramError(error, method, session)))
      return
    }
    answer.then(
      (value) => finish(Effect.succeed(value)),
      (error: unknown) => finish(Effect.fail(toTelegramError(error, method, session)))
    )
    return Effect.sync(stop)
  })

const connectionLost = () =>
  new TelegramUnavailable({ reason: "the connection to Telegram was lost and could not be re-established" })

/** A GramJS error for Telegram's passing server timeout: `TIMEOUT`, or `-503 Timeout`. */
export const isServerTimeoutError = (error: unknown): boolean => {
  const e = (error ?? {}) as GramJsRpcLike
  return e.errorMessage === "TIMEOUT" || (typeof e.code === "number" && Math.abs(e.code) === 503)
}

/** RPC errors that mean "this peer does not exist for you / the reference is stale". */
export const isPeerInvalid = (error: TelegramError): boolean =>
  error._tag === "TelegramRpcError" &&
  /^(CHANNEL_INVALID|CHANNEL_PRIVATE|PEER_ID_INVALID|CHAT_ID_INVALID|USER_ID_INVALID|CHANNEL_PUBLIC_GROUP_NA|CHAT_FORBIDDEN|INPUT_USER_DEACTIVATED)$/
    .test(error.message)

/** For a request naming a dialog and a user: whether Telegram's complaint is about the user. */
export const isUserInvalid = (error: TelegramError, dialog: { readonly className: string }): boolean =>
  error._tag === "TelegramRpcError" &&
  (/^(USER_ID_INVALID|INPUT_USER_DEACTIVATED)$/.test(error.message) ||
    (error.message === "PEER_ID_INVALID" && dialog.className !== "InputPeerUser"))
