/**
 * How many history pages one account may have asked of Telegram at once:
 * one limiter per account, shared by all its dialogs' syncs (so two big
 * syncs together stay within what one may use), its window adapting to
 * Telegram's answers (domain/HistorySplit.ts, Aimd): one more while pages
 * come back, halved on a FLOOD_WAIT, never above `sync_concurrency`. A
 * FLOOD_WAIT also holds every new request of the account until it is over
 * (Telegram would refuse them too), so one walker's wait slows the others
 * rather than each running into its own.
 */
import { Clock, Deferred, Effect, Exit, FiberId } from "effect"
import { type Aimd, aimdFlood, aimdPermits, aimdStart, aimdSuccess } from "../domain/HistorySplit.js"

export class HistoryLimiter {
  private aimd: Aimd = aimdStart
  private inFlight = 0
  /** Telegram's FLOOD_WAIT holds new requests until then (our clock, ms). */
  private pausedUntil = 0
  /** Bumped at each cut: several requests refused in one burst halve the window once. */
  private epoch = 0
  private wake = Deferred.unsafeMake<void>(FiberId.none)

  /** Requests in flight now, and the window (for tests and logs). */
  get state() {
    return { inFlight: this.inFlight, window: this.aimd.window }
  }

  private notify() {
    const woken = this.wake
    this.wake = Deferred.unsafeMake<void>(FiberId.none)
    Deferred.unsafeDone(woken, Exit.void)
  }

  /** Waits for a place (at most `max` in flight, fewer after FLOOD_WAITs); the epoch it was taken in. */
  private acquire(max: number): Effect.Effect<number> {
    return Effect.gen(this, function*() {
      for (;;) {
        const now = yield* Clock.currentTimeMillis
        if (now < this.pausedUntil) {
          yield* Effect.sleep(this.pausedUntil - now)
          continue
        }
        if (this.inFlight < aimdPermits(this.aimd, max)) {
          this.inFlight++
          return this.epoch
        }
        yield* Deferred.await(this.wake)
      }
    })
  }

  /** Told by the gateway (FloodWaitListener) before it waits `seconds` out in place. */
  flood(seconds: number, epoch: number): Effect.Effect<void> {
    return Effect.map(Clock.currentTimeMillis, (now) => {
      if (epoch === this.epoch) {
        this.aimd = aimdFlood(this.aimd)
        this.epoch++
      }
      this.pausedUntil = Math.max(this.pausedUntil, now + seconds * 1000)
      this.notify()
    })
  }

  /**
   * Runs `call` (one Telegram request) in a place; `onFlood` is handed to
   * the call so the gateway can tell of a FLOOD_WAIT it waits out.
   */
  run<A, E, R>(
    max: number,
    call: (onFlood: (seconds: number) => Effect.Effect<void>) => Effect.Effect<A, E, R>
  ): Effect.Effect<A, E, R> {
    // Waiting for a place may be interrupted (a request that stops); once taken, the place is always given back.
    return Effect.uninterruptibleMask((restore) =>
      Effect.flatMap(restore(this.acquire(max)), (epoch) =>
        restore(
          Effect.tap(call((seconds) => this.flood(seconds, epoch)), () =>
            Effect.sync(() => {
              this.aimd = aimdSuccess(this.aimd, max)
            }))
        ).pipe(Effect.ensuring(Effect.sync(() => {
          this.inFlight--
          this.notify()
        }))))
    )
  }
}

/** One limiter per account, made on first use. */
export const makeLimiters = () => {
  const limiters = new Map<string, HistoryLimiter>()
  return (account: string): HistoryLimiter => {
    let limiter = limiters.get(account)
    if (limiter === undefined) {
      limiter = new HistoryLimiter()
      limiters.set(account, limiter)
    }
    return limiter
  }
}
