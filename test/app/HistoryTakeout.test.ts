/**
 * Setting `use_takeout` in the history use case, against the port-level fake:
 * a request that fetches from Telegram holds a takeout from before its first
 * page to its end (also when it fails), one served from the cache holds
 * none, off means none at all, and a takeout Telegram delays fails the
 * request before anything is fetched.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect, Fiber, Ref } from "effect"
import { applyPatch } from "../../src/domain/Settings.js"
import { TelegramUnavailable } from "../../src/ports/TelegramGateway.js"
import { TelegramFake } from "./HistoryTelegramFake.js"
import { DIALOG, generate, idsOf, JAN, setup } from "./HistorySyncSetup.js"

const FEB = Date.UTC(2024, 1, 1) / 1000

const withDialog = () => {
  const fake = new TelegramFake()
  fake.set(DIALOG, generate(1, 450, JAN, 1, 60))
  return fake
}

describe("use_takeout", () => {
  it.scopedLive("off (the default): no takeout", () =>
    Effect.gen(function*() {
      const fake = withDialog()
      const env = yield* setup(fake)
      expect(idsOf(yield* env.run({ startDate: 0, endDate: FEB }))).toHaveLength(450)
      expect(fake.takeoutLog).toEqual([])
      expect(fake.historyInTakeout.every((held) => !held)).toBe(true)
    }))

  it.scopedLive("on: every page of a fetching request within one takeout, ended with the request; none for a cached one", () =>
    Effect.gen(function*() {
      const fake = withDialog()
      const env = yield* setup(fake, { use_takeout: true, max_media_size_mb: 5 })
      expect(idsOf(yield* env.run({ startDate: 0, endDate: FEB }))).toHaveLength(450)
      expect(fake.historyInTakeout.length).toBeGreaterThanOrEqual(5)
      expect(fake.historyInTakeout.every((held) => held)).toBe(true)
      expect(fake.takeoutLog).toEqual([`start files=true max=${5 * 1024 * 1024}`, "end"])
      yield* env.run({ startDate: 0, endDate: FEB })
      expect(fake.takeoutLog).toHaveLength(2)
      // Media off: no files asked for.
      yield* Ref.update(env.settings, (s) => applyPatch(s, { download_media: false }))
      yield* env.run({ startDate: 0, endDate: FEB, forceRefresh: true })
      expect(fake.takeoutLog.slice(2)).toEqual(["start files=false max=null", "end"])
    }))

  it.scopedLive("on: a request that fails mid-way still ends its takeout", () =>
    Effect.gen(function*() {
      const fake = withDialog()
      fake.historyFailures = []
      fake.beforeHistory = (n) => n === 2 ? Effect.sync(() => fake.historyFailures.push(new TelegramUnavailable({ reason: "down" }))) : Effect.void
      const env = yield* setup(fake, { use_takeout: true })
      const failure = yield* Effect.flip(env.run({ startDate: 0, endDate: FEB }))
      expect(failure._tag).toBe("TelegramUnavailable")
      expect(fake.takeoutLog).toEqual(["start files=true max=20971520", "end"])
      expect(fake.takeoutsHeld).toBe(0)
    }))

  it.scopedLive("on: a request interrupted mid-way ends its takeout", () =>
    Effect.gen(function*() {
      const fake = withDialog()
      const env = yield* setup(fake, { use_takeout: true })
      const entered = yield* Effect.makeLatch(false)
      fake.beforeHistory = (n) => n === 1 ? Effect.zipRight(entered.open, Effect.never) : Effect.void
      const fiber = yield* Effect.fork(env.run({ startDate: 0, endDate: FEB }))
      yield* entered.await
      expect(fake.takeoutsHeld).toBe(1)
      yield* Fiber.interrupt(fiber)
      expect(fake.takeoutLog).toEqual(["start files=true max=20971520", "end"])
    }))

  it.scopedLive("on, delayed by Telegram: the request fails with TakeoutDelayed before any page is fetched", () =>
    Effect.gen(function*() {
      const fake = withDialog()
      fake.takeoutDelay = 3600
      const env = yield* setup(fake, { use_takeout: true })
      const failure = yield* Effect.flip(env.run({ startDate: 0, endDate: FEB }))
      expect(failure).toMatchObject({ _tag: "TakeoutDelayed", seconds: 3600 })
      expect(fake.calls).toHaveLength(0)
      fake.takeoutDelay = null
      expect(idsOf(yield* env.run({ startDate: 0, endDate: FEB }))).toHaveLength(450)
    }))
})
