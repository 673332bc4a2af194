/** FLOOD_WAIT_n waited out (up to the threshold) for calls and for downloads, with the wait announced to the listener. */
import { describe, expect, it } from "@effect/vitest"
import { Chunk, Effect, Either, Fiber, Stream, TestClock } from "effect"
import { retryFloodWaits, retryFloodWaitsStream } from "../../../src/adapters/telegram/FloodRetry.js"
import { FloodWait, FloodWaitListener, type TelegramError } from "../../../src/ports/TelegramGateway.js"

const flood = (seconds: number) => new FloodWait({ seconds, method: "upload.GetFile" })

/** Runs `effect` with a listener that records the announced waits. */
const listening = <A, E>(effect: Effect.Effect<A, E>) =>
  Effect.gen(function*() {
    const waits: Array<number> = []
    const fiber = yield* Effect.fork(Effect.locally(effect, FloodWaitListener, (s) => Effect.sync(() => void waits.push(s))))
    return { fiber, waits }
  })

describe("retryFloodWaits", () => {
  it.effect("waits a rate limit at most the threshold out, then tries again", () =>
    Effect.gen(function*() {
      let attempts = 0
      const call = Effect.suspend(() => (++attempts === 1 ? Effect.fail<TelegramError>(flood(4)) : Effect.succeed("ok")))
      const { fiber, waits } = yield* listening(call.pipe(retryFloodWaits(4)))
      yield* TestClock.adjust("3 seconds")
      expect(attempts).toBe(1)
      yield* TestClock.adjust("1 second")
      expect(yield* Fiber.join(fiber)).toBe("ok")
      expect(waits).toEqual([4])
    }))
})

describe("retryFloodWaitsStream", () => {
  it.effect("runs a download stream again after the wait, so it resumes where it stopped: nothing twice, nothing lost", () =>
    Effect.gen(function*() {
      const parts = ["a", "b", "c", "d"]
      let runs = 0
      // Like the gateway's download: each run starts after what earlier runs delivered; the first fails at "c".
      let delivered = 0
      const download = Stream.suspend(() => {
        runs++
        const first = runs === 1
        return Stream.fromIterable(parts.slice(delivered)).pipe(
          Stream.flatMap((p) => (first && p === "c" ? Stream.fail<TelegramError>(flood(2)) : Stream.make(p))),
          Stream.tap(() => Effect.sync(() => void delivered++))
        )
      })
      const { fiber, waits } = yield* listening(Stream.runCollect(download.pipe(retryFloodWaitsStream(2))))
      yield* TestClock.adjust("2 seconds")
      expect(Chunk.toArray(yield* Fiber.join(fiber))).toEqual(parts)
      expect(runs).toBe(2)
      expect(waits).toEqual([2])
    }))

  it.effect("lets a rate limit above the threshold through at once", () =>
    Effect.gen(function*() {
      let runs = 0
      const download = Stream.suspend(() => (runs++, Stream.concat(Stream.make(1), Stream.fail<TelegramError>(flood(30)))))
      const { fiber, waits } = yield* listening(Stream.runCollect(download.pipe(retryFloodWaitsStream(2))).pipe(Effect.either))
      const result = yield* Fiber.join(fiber)
      expect(Either.isLeft(result) && result.left).toEqual(flood(30))
      expect([runs, waits]).toEqual([1, []])
    }))
})
