/**
 * Connecting a GramJS client. `TelegramClient.connect()` does not throw when
 * Telegram cannot be reached: after its retries it resolves `false`, and
 * every later request then waits forever for a connection. Here that is a
 * TelegramUnavailable at once, and a connect that hangs is cut off too.
 */
import type { TelegramClient } from "telegram"
import { Duration, Effect, Schedule } from "effect"
import { type TelegramError, TelegramUnavailable } from "../../ports/TelegramGateway.js"
import { toTelegramError } from "./TelegramErrors.js"

const CONNECT_TIMEOUT = Duration.seconds(30)

export const connectClient = (client: TelegramClient, session: string): Effect.Effect<void, TelegramError> =>
  Effect.tryPromise({
    try: () => client.connect(),
    catch: (error) => toTelegramError(error, "connect", session)
  }).pipe(
    Effect.timeoutFail({
      duration: CONNECT_TIMEOUT,
      onTimeout: () => new TelegramUnavailable({ reason: "timed out connecting to Telegram" })
    }),
    Effect.flatMap((connected) =>
      connected === false
        ? Effect.fail(new TelegramUnavailable({ reason: "could not connect to Telegram (connection refused or lost)" }))
        : Effect.void
    )
  )

interface SenderState {
  readonly isReconnecting?: boolean
  readonly isConnecting?: boolean
  isConnected(): boolean
}

/**
 * GramJS gave up on the connection: it dropped, reconnecting failed, and
 * GramJS will not try again by itself (its reconnect only starts from a live
 * connection), so requests sent to this client would wait forever.
 */
export const isConnectionLost = (client: TelegramClient): boolean => {
  const sender = (client as unknown as { _sender?: SenderState })._sender
  const switching = (client as unknown as { _isSwitchingDc?: boolean })._isSwitchingDc === true
  return sender !== undefined && !switching && !sender.isConnected() && sender.isReconnecting !== true &&
    sender.isConnecting !== true
}

/** Fails once the client's connection is lost for good; raced against a flow (a login) so that it never waits forever. */
export const failWhenConnectionLost = (client: TelegramClient): Effect.Effect<never, TelegramError> =>
  Effect.repeat(Effect.sync(() => isConnectionLost(client)), {
    schedule: Schedule.spaced(Duration.millis(200)),
    until: (lost) => lost
  }).pipe(
    Effect.zipRight(
      Effect.fail(new TelegramUnavailable({ reason: "the connection to Telegram was lost and could not be re-established" }))
    )
  )

/**
 * How far Telegram's clock is ahead of ours (negative: behind), from the
 * `date` of an answer (whole seconds of Telegram's clock when it answered,
 * so half a second is added) and our clock when it arrived. Token expiry and
 * message dates are in Telegram's time: compared with ours, a client clock
 * minutes off would refresh a QR code in a tight loop, or take a message
 * sent a minute ago for one already covered by the cache.
 */
export const serverClockOffsetMillis = (serverDateSeconds: number, localMillisAtAnswer: number): number =>
  serverDateSeconds * 1000 + 500 - localMillisAtAnswer
