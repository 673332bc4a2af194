/**
 * Telegram's FLOOD_WAIT_n (and FLOOD_PREMIUM_WAIT_n), waited out in place
 * when n is at most the threshold (a Schedule, not a fixed sleep), surfaced
 * as FloodWait above it; and Telegram's passing server timeouts (`TIMEOUT`,
 * `-503 Timeout`), asked again after a short pause a few times before the
 * error goes out. Whoever wants to show a rate-limit wait (SSE progress)
 * listens through `FloodWaitListener`.
 */
import { Duration, Effect, Schedule, Stream } from "effect"
import { FloodWaitListener, type TelegramError } from "../../ports/TelegramGateway.js"

const MAX_FLOOD_RETRIES = 5

/** The pause before a call that met a server timeout is asked again. */
const TIMEOUT_PAUSE = Duration.millis(500)

/** Telegram timed out inside (TIMEOUT, or -503 "Timeout"): the same call usually succeeds when asked again. */
export const isServerTimeout = (e: TelegramError): boolean =>
  e._tag === "TelegramRpcError" && (e.message === "TIMEOUT" || Math.abs(e.code) === 503)

const retryable = (thresholdSeconds: number) => (e: TelegramError): boolean =>
  (e._tag === "FloodWait" && e.seconds <= thresholdSeconds) || isServerTimeout(e)

export const floodSchedule = (thresholdSeconds: number) =>
  Schedule.identity<TelegramError>().pipe(
    Schedule.whileInput(retryable(thresholdSeconds)),
    Schedule.addDelay((e) => (e._tag === "FloodWait" ? Duration.seconds(Math.max(e.seconds, 0)) : TIMEOUT_PAUSE)),
    Schedule.intersect(Schedule.recurs(MAX_FLOOD_RETRIES))
  )

/** Logs a wait about to happen and tells the listener (rate limits only: a timeout's pause is no rate limit). */
const announceWait = (thresholdSeconds: number) => (e: TelegramError) =>
  e._tag === "FloodWait" && e.seconds <= thresholdSeconds
    ? Effect.zipRight(
      Effect.logInfo(`Telegram rate limit on ${e.method}: waiting ${e.seconds} s`),
      Effect.flatMap(FloodWaitListener, (listen) => listen(e.seconds, e.method))
    )
    : isServerTimeout(e) && e._tag === "TelegramRpcError"
    ? Effect.logInfo(`Telegram timed out on ${e.method} (${e.code} ${e.message}): asking again`)
    : Effect.void

/**
 * The retry (its schedule's state, the announcement) is set up only once a
 * call fails with a wait to sit out or a timeout: a call that succeeds, as
 * nearly all do, pays for one error handler. What follows the first failure
 * is the same as retrying the call from its start with the schedule: that
 * failure is the first attempt's.
 */
export const retryFloodWaits = (thresholdSeconds: number) => <A, R>(effect: Effect.Effect<A, TelegramError, R>) =>
  Effect.catchAll(effect, (first) => {
    if (!retryable(thresholdSeconds)(first)) return Effect.fail(first)
    let attempts = 0
    const attempt = Effect.suspend(() => (attempts++ === 0 ? Effect.fail(first) : effect))
    return attempt.pipe(Effect.tapError(announceWait(thresholdSeconds)), Effect.retry(floodSchedule(thresholdSeconds)))
  })

/**
 * The same for a stream (a file download). A retry runs the stream again
 * from its start, so the stream must resume after what it already emitted
 * (a download from the byte offset reached) rather than repeat it.
 */
export const retryFloodWaitsStream = (thresholdSeconds: number) => <A, R>(stream: Stream.Stream<A, TelegramError, R>) =>
  stream.pipe(Stream.tapError(announceWait(thresholdSeconds)), Stream.retry(floodSchedule(thresholdSeconds)))
