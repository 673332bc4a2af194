/**
 * A large missing range walked by pieces side by side (app/HistoryFill.ts),
 * against the fake Telegram with the real SQLite cache: the stream equals
 * Telegram's history in order both ways, the requests in flight stay within
 * `sync_concurrency` for the account (all its dialogs together), a
 * FLOOD_WAIT slows the walk instead of failing it, the prefix goes out
 * while later pieces are still held, and every page is committed as it
 * comes, so a stopped sync leaves only complete intervals.
 */
import { describe, expect, it } from "@effect/vitest"
import { Chunk, type Context, Deferred, Effect, Fiber, Ref, Stream } from "effect"
import type { HistoryEvent } from "../../src/app/HistorySync.js"
import { DialogId } from "../../src/domain/Ids.js"
import * as Intervals from "../../src/domain/Intervals.js"
import type { MessageStore } from "../../src/ports/MessageStore.js"
import { FloodWait } from "../../src/ports/TelegramGateway.js"
import { TelegramFake } from "./HistoryTelegramFake.js"
import { DIALOG, generate, idsOf, JAN, key, messagesOf, setup } from "./HistorySyncSetup.js"

const OTHER = DialogId(-1009999999999)

/** 3000 messages, two a second with a pause every 40, some MessageEmpty and hidden (short pages). */
const large = (fake: TelegramFake, dialog: number = DIALOG) => {
  fake.set(dialog, generate(1, 3000, JAN, 2, 7))
  fake.hide(dialog, Array.from({ length: 3000 }, (_, k) => k + 1).filter((id) => id % 13 === 0), "empty")
  fake.hide(dialog, Array.from({ length: 3000 }, (_, k) => k + 1).filter((id) => id % 100 >= 40 && id % 100 < 44), "hidden")
}

/** Telegram's messages (those a complete history shows), oldest first. */
const visible = (fake: TelegramFake, dialog: number = DIALOG) => idsOf([...fake.visible(dialog)].reverse())

/** The cache's promise: inside every covered interval it holds exactly the messages Telegram shows. */
const expectConsistent = (fake: TelegramFake, store: Context.Tag.Service<MessageStore>) =>
  Effect.gen(function*() {
    const all = [...fake.visible(DIALOG)].reverse()
    for (const i of yield* store.covered(key)) {
      const held = yield* store.read(key, { after: { date: i.start, id: 0 }, bound: i.end, order: "asc", limit: 1_000_000 })
      expect(idsOf(held)).toEqual(idsOf(all.filter((m) => m.date >= i.start && m.date < i.end)))
    }
  })

/** Counts the history calls answering at once (each held a moment), and the most there were. */
const inFlight = (fake: TelegramFake) => {
  const state = { now: 0, most: 0 }
  fake.beforeHistory = () =>
    Effect.acquireUseRelease(
      Effect.sync(() => {
        state.now++
        state.most = Math.max(state.most, state.now)
      }),
      () => Effect.sleep("2 millis"),
      () => Effect.sync(() => void state.now--)
    )
  return state
}

/** Pieces' pages (not the one-message probes). */
const pagesOf = (fake: TelegramFake) => fake.calls.filter((c) => c.request.limit > 1)

describe("HistorySync: a large range by pieces side by side", () => {
  it.scopedLive("streams exactly Telegram's messages, oldest first and newest first, short pages and all", () =>
    Effect.gen(function*() {
      const fake = new TelegramFake()
      large(fake)
      const env = yield* setup(fake, { telegram_batch_size: 20, sync_concurrency: 4 })
      const forward = yield* env.run({ chunkSize: 100 })
      expect(idsOf(forward)).toEqual(visible(fake))
      // It was cut: probes, and pages asked from several places of the history.
      expect(fake.calls.some((c) => c.request.limit === 1)).toBe(true)
      const starts = pagesOf(fake).filter((c) => c.request.offsetId === 0 && c.request.offsetDate > 0)
      expect(starts.length).toBeGreaterThan(2)
      // Each message came in one page, but where pieces meet: a piece's first page starts in the second before
      // it, and its last page runs into the next piece (both asked again there, dropped here): a page at most.
      const returned = pagesOf(fake).flatMap((c) => c.returned.map((m) => m.id))
      expect(returned.length - new Set(returned).size).toBeLessThanOrEqual(starts.length * (20 + 2))
      yield* expectConsistent(fake, env.store)
      expect(yield* env.store.covered(key)).toHaveLength(1)

      const backwardFake = new TelegramFake()
      large(backwardFake)
      const back = yield* setup(backwardFake, { telegram_batch_size: 20, sync_concurrency: 4 })
      const backward = yield* back.run({ chunkSize: 100, reverse: true })
      expect(idsOf(backward)).toEqual([...visible(backwardFake)].reverse())
      expect(backwardFake.calls.some((c) => c.request.limit === 1)).toBe(true)
      yield* expectConsistent(backwardFake, back.store)
    }))

  it.scopedLive("with date bounds, over a cache holding pieces of the range already", () =>
    Effect.gen(function*() {
      const fake = new TelegramFake()
      large(fake)
      const env = yield* setup(fake, { telegram_batch_size: 20, sync_concurrency: 3 })
      const all = [...fake.visible(DIALOG)].reverse()
      const at = (k: number) => all[k]!.date
      yield* env.run({ startDate: at(900), endDate: at(1000) })
      yield* env.run({ startDate: at(1900), endDate: at(2000) })
      for (const reverse of [false, true]) {
        const got = yield* env.run({ startDate: at(100), endDate: at(2500), reverse })
        const expected = idsOf(all.filter((m) => m.date >= at(100) && m.date < at(2500)))
        expect(idsOf(got)).toEqual(reverse ? expected.reverse() : expected)
      }
      yield* expectConsistent(fake, env.store)
    }))

  it.scopedLive("keeps at most sync_concurrency requests in flight, for all the account's dialogs together", () =>
    Effect.gen(function*() {
      const fake = new TelegramFake()
      large(fake)
      large(fake, OTHER)
      const state = inFlight(fake)
      const env = yield* setup(fake, { telegram_batch_size: 20, sync_concurrency: 3 })
      const [a, b] = yield* Effect.all([env.run(), env.run({ dialogId: OTHER, reverse: true })], { concurrency: 2 })
      expect(idsOf(a)).toEqual(visible(fake))
      expect(idsOf(b)).toEqual([...visible(fake, OTHER)].reverse())
      expect(state.most).toBe(3)

      yield* Ref.update(env.settings, (s) => ({ ...s, sync_concurrency: 1 }))
      const again = new TelegramFake()
      large(again)
      const one = inFlight(again)
      const single = yield* setup(again, { telegram_batch_size: 20, sync_concurrency: 1 })
      expect(idsOf(yield* single.run())).toEqual(visible(again))
      expect(one.most).toBe(1)
      // One walker: no probe, nothing cut.
      expect(again.calls.every((c) => c.request.limit > 1)).toBe(true)
    }))

  it.scopedLive("a FLOOD_WAIT waited out in one walker slows the others, reported, and the stream completes", () =>
    Effect.gen(function*() {
      const fake = new TelegramFake()
      large(fake)
      const state = inFlight(fake)
      const env = yield* setup(fake, { telegram_batch_size: 20, sync_concurrency: 4 })
      const held = fake.beforeHistory
      fake.beforeHistory = (n, request) =>
        Effect.zipRight(held(n, request), n === 40 ? Effect.sync(() => void fake.floodWaits.push(1)) : Effect.void)
      const events = yield* env.events({ progress: true } as never)
      expect(idsOf(messagesOf(events))).toEqual(visible(fake))
      expect(events.some((e) => e._tag === "Progress" && e.rateLimitWait === 1)).toBe(true)
      expect(state.most).toBeLessThanOrEqual(4)
      yield* expectConsistent(fake, env.store)
    }))

  it.scopedLive("a rate limit too long to wait fails the stream after what was complete went out; the cache stays whole", () =>
    Effect.gen(function*() {
      const fake = new TelegramFake()
      large(fake)
      const env = yield* setup(fake, { telegram_batch_size: 20, sync_concurrency: 4 })
      fake.beforeHistory = (n) =>
        n === 60 ? Effect.sync(() => void fake.historyFailures.push(new FloodWait({ seconds: 500, method: "messages.GetHistory" }))) : Effect.void
      const result = yield* Effect.either(Stream.runCollect(env.history.stream(env.request())))
      expect(result._tag === "Left" && result.left._tag).toBe("FloodWait")
      yield* expectConsistent(fake, env.store)
      // A later request completes it, in order, without a gap.
      fake.beforeHistory = () => Effect.void
      expect(idsOf(yield* env.run())).toEqual(visible(fake))
    }))

  it.scopedLive("the complete prefix goes out while a later piece is still being fetched", () =>
    Effect.gen(function*() {
      const fake = new TelegramFake()
      large(fake)
      const env = yield* setup(fake, { telegram_batch_size: 20, sync_concurrency: 4 })
      const all = [...fake.visible(DIALOG)].reverse()
      // Every page of the history's last third waits for the gate.
      const late = all[2000]!.date
      const gate = yield* Deferred.make<void>()
      fake.beforeHistory = (_n, r) => (r.limit > 1 && r.offsetDate > late ? Deferred.await(gate) : Effect.void)
      const first = yield* Deferred.make<ReadonlyArray<HistoryEvent>>()
      const seen: Array<HistoryEvent> = []
      const fiber = yield* Effect.fork(Stream.runForEach(env.history.stream(env.request({ chunkSize: 100 })), (e) =>
        Effect.gen(function*() {
          seen.push(e)
          if (messagesOf(seen).length >= 1000) yield* Deferred.succeed(first, [...seen])
        })))
      const early = yield* Deferred.await(first)
      expect(idsOf(messagesOf(early))).toEqual(idsOf(all.slice(0, messagesOf(early).length)))
      yield* Deferred.succeed(gate, undefined)
      yield* Fiber.join(fiber)
      expect(idsOf(messagesOf(seen))).toEqual(visible(fake))
    }))

  it.scopedLive("a consumer that stops early leaves the pieces' walks to the next request, which cuts nothing again", () =>
    Effect.gen(function*() {
      const fake = new TelegramFake()
      large(fake)
      const env = yield* setup(fake, { telegram_batch_size: 20, sync_concurrency: 4 })
      const first = yield* Stream.runCollect(Stream.take(Stream.filter(env.history.stream(env.request({ chunkSize: 10 })), (e) => e._tag === "Chunk"), 3))
      expect(idsOf(messagesOf(Chunk.toArray(first)))).toEqual(visible(fake).slice(0, 30))
      const probes = fake.calls.filter((c) => c.request.limit === 1).length
      expect(probes).toBeGreaterThan(0)
      // Page by page as an MCP client reads (a few chunks a request, each from the second after the last), then the rest.
      const all = [...fake.visible(DIALOG)].reverse()
      let from = all.find((m) => m.id === idsOf(messagesOf(Chunk.toArray(first))).at(-1))!.date + 1
      for (let page = 0; page < 5; page++) {
        const more = yield* Stream.runCollect(
          Stream.take(Stream.filter(env.history.stream(env.request({ chunkSize: 10, startDate: from })), (e) => e._tag === "Chunk"), 3)
        )
        const got = idsOf(messagesOf(Chunk.toArray(more)))
        expect(got).toEqual(idsOf(all.filter((m) => m.date >= from).slice(0, 30)))
        from = all.find((m) => m.id === got.at(-1))!.date + 1
      }
      expect(fake.calls.filter((c) => c.request.limit === 1).length).toBe(probes)
      // (The pieces no walker had started yet are one large gap again: cut afresh.)
      const rest = yield* env.run({ startDate: from })
      expect(idsOf(rest)).toEqual(idsOf(all.filter((m) => m.date >= from)))
      // Nothing was asked for twice but where pieces meet.
      const returned = pagesOf(fake).flatMap((c) => c.returned.map((m) => m.id))
      expect(returned.length - new Set(returned).size).toBeLessThan(returned.length / 10)
      yield* expectConsistent(fake, env.store)
    }))

  it.scopedLive("commits each piece's pages as they come: a stopped sync leaves complete intervals ahead of what went out", () =>
    Effect.gen(function*() {
      const fake = new TelegramFake()
      large(fake)
      const env = yield* setup(fake, { telegram_batch_size: 20, sync_concurrency: 4 })
      const all = [...fake.visible(DIALOG)].reverse()
      // The first piece stalls after its first pages; the others go on.
      const stall = all[150]!.id
      const reached = yield* Deferred.make<void>()
      let pages = 0
      fake.beforeHistory = (_n, r) =>
        r.limit > 1 && r.offsetId > 0 && r.offsetId > stall && r.offsetId < stall + 40
          ? Effect.zipRight(Deferred.succeed(reached, undefined), Effect.never)
          : Effect.sync(() => void pages++)
      const fiber = yield* Effect.fork(Stream.runCollect(env.history.stream(env.request())))
      yield* Deferred.await(reached)
      // Let the other walkers commit a few pages, then stop the request.
      while (pages < 60) yield* Effect.sleep("5 millis")
      yield* Fiber.interrupt(fiber)
      const covered = yield* env.store.covered(key)
      expect(covered.length).toBeGreaterThan(1)
      expect(Intervals.contains(covered, all[1500]!.date) || Intervals.contains(covered, all[800]!.date)).toBe(true)
      yield* expectConsistent(fake, env.store)
      fake.beforeHistory = () => Effect.void
      const rest = yield* env.run()
      expect(idsOf(rest)).toEqual(visible(fake))
    }))
})
