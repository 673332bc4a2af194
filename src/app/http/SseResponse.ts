/**
 * A Server-Sent Events response whose status is still open while the first
 * event is being prepared: a failure before anything is ready answers with
 * its own status (404, 429 with Retry-After, ...). If the first event is
 * slow to come, the headers go out with a keep-alive rather than leave the
 * client with nothing; from then on a failure becomes a final error event.
 * Keep-alive comments follow at the given interval until the stream ends.
 * It all runs in the request's scope, so a client that goes away stops the
 * work at once.
 */
import { HttpServerResponse } from "@effect/platform"
import { Cause, type Duration, Effect, Exit, Fiber, Option, Schedule, type Scope, Stream } from "effect"
import { KEEP_ALIVE } from "./SseEvents.js"

export interface SseResponseOptions<E, X> {
  /** Encoded SSE text; each element is one or more complete events. */
  readonly frames: Stream.Stream<string, E>
  readonly keepAlive: Duration.DurationInput
  /** A failure before anything was sent: the effect's failure decides the response. */
  readonly failBeforeStart: (error: E) => Effect.Effect<never, X>
  /** A failure after the start: the event that ends the stream. */
  readonly errorEvent: (cause: Cause.Cause<E>) => Effect.Effect<string>
}

const HEADERS = { "cache-control": "no-cache", "x-accel-buffering": "no" }

export const sseResponse = <E, X>(
  options: SseResponseOptions<E, X>
): Effect.Effect<HttpServerResponse.HttpServerResponse, X, Scope.Scope> =>
  Effect.gen(function*() {
    const pull = yield* Stream.toPull(options.frames)
    const first = yield* Effect.forkScoped(pull)
    const early = yield* Effect.timeoutOption(Fiber.await(first), options.keepAlive)

    let head: Stream.Stream<string, E>
    if (Option.isNone(early)) {
      head = Stream.concat(Stream.make(KEEP_ALIVE), Stream.flattenChunks(Stream.fromEffectOption(Fiber.join(first))))
    } else if (Exit.isSuccess(early.value)) {
      head = Stream.fromChunk(early.value.value)
    } else {
      const cause = early.value.cause
      const failure = Cause.failureOption(cause)
      if (Option.isNone(failure)) return yield* Effect.failCause(Cause.map(cause, () => undefined as never))
      if (Option.isSome(failure.value)) return yield* options.failBeforeStart(failure.value.value)
      // Ended before any event: an empty, complete stream.
      return HttpServerResponse.stream(Stream.empty, { contentType: "text/event-stream", headers: HEADERS })
    }

    const keepAlives = Stream.fromSchedule(Schedule.spaced(options.keepAlive)).pipe(Stream.as(KEEP_ALIVE))
    const body = Stream.concat(head, Stream.repeatEffectChunkOption(pull)).pipe(
      Stream.catchAllCause((cause) =>
        Cause.isInterruptedOnly(cause) ? Stream.failCause(cause) : Stream.fromEffect(options.errorEvent(cause))
      ),
      Stream.merge(keepAlives, { haltStrategy: "left" }),
      Stream.encodeText
    )
    return HttpServerResponse.stream(body, { contentType: "text/event-stream", headers: HEADERS })
  })
