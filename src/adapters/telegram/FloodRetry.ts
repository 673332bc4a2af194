/**
 * Telegram's FLOOD_WAIT_n, waited out in place when n is at most the
 * threshold (a Schedule, not a fixed sleep), surfaced as FloodWait above it.
 * Whoever wants to show the wait (SSE progress) listens through
 * `FloodWaitListener`.
 */
import { Duration, Effect, Schedule, Stream } from "effect"
import { FloodWaitListener, type TelegramError } from "../../ports/TelegramGateway.js"

const MAX_FLOOD_RETRIES = 5

export const floodSchedule = (thresholdSeconds: number) =>
  Schedule.identity<TelegramError>().pipe(
    Schedule.whileInput((e: TelegramError) => e._tag === "FloodWait" && e.seconds <= thresholdSeconds),
    Schedule.addDelay((e) => Duration.seconds(e._tag === "FloodWait" ? Math.max(e.seconds, 0) : 0)),
    Schedule.intersect(Schedule.recurs(MAX_FLOOD_RETRIES))
  )

/** Logs a wait about to happen and tells the listener. */
const announceWait = (thresholdSeconds: number) => (e: TelegramError) =>
  e._tag === "FloodWait" && e.seconds <= thresholdSeconds
    ? Effect.zipRight(
      Effect.logInfo(`Telegram rate limit on ${e.method}: waiting ${e.seconds} s`),
      Effect.flatMap(FloodWaitListener, (listen) => listen(e.seconds, e.method))
    )
    : Effect.void

/**
 * The retry (its schedule's state, the announcement) is set up only once a
 * call fails with a wait to sit out: a call that succeeds, as nearly all do,
 * pays for one error handler. What follows the first failure is the same as
 * retrying the call from its start with the schedule: that failure is the
 * first attempt's.
 */
export const retryFloodWaits = (thresholdSeconds: number) => <A, R>(effect: Effect.Effect<A, TelegramError, R>) =>
  Effect.catchAll(effect, (first) => {
    if (!(first._tag === "FloodWait" && first.seconds <= thresholdSeconds)) return Effect.fail(first)
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
