/**
 * A stream fed by a piece of work running beside it: the work hands over
 * batches of events through `emit` (each batch waits until the consumer
 * pulls the one before, so the work runs at most one batch ahead), and how
 * the work ended ends the stream. With a heartbeat, `heartbeat.event` goes
 * out whenever nothing else did for `heartbeat.every`, into the same queue (a
 * keep-alive merged in further down the stream would hand every frame over
 * between fibers, and hold on to their memory: see src/http/SseResponse.ts).
 * When the consumer stops, the work is interrupted.
 */
import { Cause, Chunk, Clock, Duration, Effect, Exit, Option, Queue, type Scope, Stream } from "effect"

export const workStream = <A, E, R>(
  work: (emit: (events: ReadonlyArray<A>) => Effect.Effect<void>) => Effect.Effect<void, E, R>,
  heartbeat?: { readonly every: Duration.DurationInput; readonly event: A }
): Effect.Effect<Stream.Stream<A, E>, never, R | Scope.Scope> =>
  Effect.gen(function*() {
    // A batch of events, or how the work ended: one queue item per hand-over, taken by one pull.
    const queue = yield* Queue.bounded<ReadonlyArray<A> | Exit.Exit<void, E>>(1)
    let lastOffer = yield* Clock.currentTimeMillis
    const offer = (item: ReadonlyArray<A> | Exit.Exit<void, E>) =>
      Effect.flatMap(Clock.currentTimeMillis, (now) => {
        lastOffer = now
        return Queue.offer(queue, item)
      })
    yield* work(offer).pipe(Effect.exit, Effect.flatMap(offer), Effect.forkScoped)
    if (heartbeat !== undefined) {
      const every = Duration.toMillis(heartbeat.every)
      yield* Effect.gen(function*() {
        const now = yield* Clock.currentTimeMillis
        if (now < lastOffer + every) return yield* Effect.sleep(lastOffer + every - now)
        yield* offer([heartbeat.event])
      }).pipe(Effect.forever, Effect.forkScoped)
    }
    return Stream.repeatEffectChunkOption(
      Effect.flatMap(Queue.take(queue), (item): Effect.Effect<Chunk.Chunk<A>, Option.Option<E>> =>
        !Exit.isExit(item)
          ? Effect.succeed(Chunk.unsafeFromArray(item))
          : Exit.isSuccess(item)
          ? Effect.fail(Option.none())
          : Effect.failCause(Cause.map(item.cause, Option.some)))
    )
  })
