/**
 * A Server-Sent Events response whose status is still open while the first
 * event is being prepared: a failure before anything is ready answers with
 * its own status (404, 429 with Retry-After, ...). If the first event is
 * slow to come, the headers go out with a keep-alive rather than leave the
 * client with nothing; from then on a failure becomes a final error event.
 * Later keep-alives are the frames' business: a source that can be slow
 * sends them itself (HistorySync's heartbeat), so the frames go from the
 * source to the socket in the fiber writing them. (Merging a schedule in, or
 * any other hand-over between fibers, kept each frame's memory until a full
 * collection: 40 to 60 MB more peak memory over a million streamed
 * messages, bench/RESULTS.md.) It all runs in the request's scope, so a
 * client that goes away stops the work at once.
 */
import { HttpServerResponse } from "@effect/platform"
import { Cause, type Duration, Effect, Exit, Fiber, Option, type Scope, Stream } from "effect"
import { KEEP_ALIVE } from "../contract/SseFraming.js"

/** Encoded SSE text, or its UTF-8 bytes; one or more complete events. */
export type SseFrame = string | Uint8Array

export interface SseResponseOptions<E, X> {
  readonly frames: Stream.Stream<SseFrame, E>
  /** How long the first frame may take before the headers go out with a keep-alive. */
  readonly keepAlive: Duration.DurationInput
  /** A failure before anything was sent: the effect's failure decides the response. */
  readonly failBeforeStart: (error: E) => Effect.Effect<never, X>
  /** A failure after the start: the event that ends the stream. */
  readonly errorEvent: (cause: Cause.Cause<E>) => Effect.Effect<string>
}

const encoder = new TextEncoder()

const HEADERS = { "cache-control": "no-cache", "x-accel-buffering": "no" }

export const sseResponse = <E, X>(
  options: SseResponseOptions<E, X>
): Effect.Effect<HttpServerResponse.HttpServerResponse, X, Scope.Scope> =>
  Effect.gen(function*() {
    const pull = yield* Stream.toPull(options.frames)
    const first = yield* Effect.forkScoped(pull)
    const early = yield* Effect.timeoutOption(Fiber.await(first), options.keepAlive)

    let head: Stream.Stream<SseFrame, E>
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

    const body = Stream.concat(head, Stream.repeatEffectChunkOption(pull)).pipe(
      Stream.catchAllCause((cause) =>
        Cause.isInterruptedOnly(cause) ? Stream.failCause(cause) : Stream.fromEffect(options.errorEvent(cause))
      ),
      Stream.map((frame) => (typeof frame === "string" ? encoder.encode(frame) : frame))
    )
    return HttpServerResponse.stream(body, { contentType: "text/event-stream", headers: HEADERS })
  })
