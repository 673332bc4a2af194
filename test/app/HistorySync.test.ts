/**
 * History sync against a fake Telegram that pages like getHistory, with the
 * real SQLite cache, media files and media index in a temporary directory.
 */
import * as fs from "node:fs/promises"
import * as path from "node:path"
import { describe, expect, it } from "@effect/vitest"
import { Chunk, Context, Deferred, Effect, Fiber, Option, Ref, Stream, TestClock } from "effect"
import { makeHistoryMedia } from "../../src/app/HistoryMedia.js"
import { type HistoryEvent, type HistoryRequest } from "../../src/app/HistorySync.js"
import * as Intervals from "../../src/domain/Intervals.js"
import type { SessionName } from "../../src/domain/SessionName.js"
import { applyPatch } from "../../src/domain/Settings.js"
import { MessageStore } from "../../src/ports/MessageStore.js"
import { document, message, photo, webPage } from "../adapters/sqlite/MessageFixtures.js"
import { bytesOf, TelegramFake } from "./HistoryTelegramFake.js"
import { DIALOG, generate, idsOf, JAN, key, messagesOf, setup } from "./HistorySyncSetup.js"
import { AccountId, DialogId, MessageId } from "../../src/domain/Ids.js"

const FEB = Date.UTC(2024, 1, 1) / 1000
const JUN = Date.UTC(2024, 5, 1) / 1000
const JUL = Date.UTC(2024, 6, 1) / 1000
const DAY = 86400

const sourceIn = (fake: TelegramFake, start: number, end: number) =>
  [...fake.dialogs.get(DIALOG)!].reverse().filter((m) => m.date >= start && m.date < end)

/** The cache's promise: inside every covered interval it holds exactly Telegram's messages. */
const expectConsistentCache = (fake: TelegramFake, store: Context.Tag.Service<MessageStore>) =>
  Effect.gen(function*() {
    for (const i of yield* store.covered(key)) {
      const held = yield* store.read(key, { after: { date: i.start, id: 0 }, bound: i.end, order: "asc", limit: 1_000_000 })
      expect(idsOf(held)).toEqual(idsOf(sourceIn(fake, i.start, i.end)))
    }
  })

describe("HistorySync", () => {
  it.scopedLive("streams the whole history oldest first, in chunks of chunk_size, equal to Telegram's", () =>
    Effect.gen(function*() {
      const fake = new TelegramFake()
      fake.set(DIALOG, generate(1, 1234, JAN, 3, 60))
      const env = yield* setup(fake, { telegram_batch_size: 100 })
      const events = yield* env.events({ chunkSize: 100 })
      const chunks = events.filter((e) => e._tag === "Chunk")
      expect(chunks.map((c) => c.messages.length)).toEqual([...Array(12).fill(100), 34])
      expect(idsOf(messagesOf(events))).toEqual(idsOf(sourceIn(fake, 0, JUL * 2)))
      expect(new Set(fake.returnedIds()).size).toBe(fake.returnedIds().length)
      yield* expectConsistentCache(fake, env.store)
    }))

  it.scopedLive("Telegram's service chat (777000, login codes) is never streamed: not found, and Telegram is not asked", () =>
    Effect.gen(function*() {
      const fake = new TelegramFake()
      fake.set(777000, generate(1, 5, JAN))
      const env = yield* setup(fake)
      const result = yield* Effect.either(env.events({ dialogId: DialogId(777000) }))
      expect(result._tag === "Left" && result.left._tag).toBe("PeerNotFound")
      expect(fake.calls.length).toBe(0)
    }))

  it.scopedLive("a second identical request is served from the cache without asking Telegram", () =>
    Effect.gen(function*() {
      const fake = new TelegramFake()
      fake.set(DIALOG, generate(1, 500, JAN, 2, 30))
      const env = yield* setup(fake)
      const range = { startDate: JAN + 600, endDate: JAN + 5000 }
      const first = yield* env.run(range)
      expect(fake.calls.length).toBeGreaterThan(0)
      fake.resetCalls()
      const second = yield* env.run(range)
      expect(fake.calls.length).toBe(0)
      expect(idsOf(second)).toEqual(idsOf(first))
      expect(idsOf(first)).toEqual(idsOf(sourceIn(fake, JAN + 600, JAN + 5000)))
    }))

  it.scopedLive("January, then June, then January-June fetches only February-May, nothing missing or twice", () =>
    Effect.gen(function*() {
      const fake = new TelegramFake()
      const perDay = Array.from({ length: 182 * 4 }, (_, k) => message(k + 1, JAN + Math.floor(k / 4) * DAY + (k % 4) * 3600))
      fake.set(DIALOG, perDay)
      const env = yield* setup(fake)
      expect(idsOf(yield* env.run({ startDate: JAN, endDate: FEB }))).toEqual(idsOf(sourceIn(fake, JAN, FEB)))
      expect(idsOf(yield* env.run({ startDate: JUN, endDate: JUL }))).toEqual(idsOf(sourceIn(fake, JUN, JUL)))
      fake.resetCalls()
      const all = yield* env.run({ startDate: JAN, endDate: JUL })
      expect(idsOf(all)).toEqual(idsOf(sourceIn(fake, JAN, JUL)))
      const fetched = fake.calls.flatMap((c) => c.returned)
      expect(fetched.every((m) => m.date >= FEB && m.date < JUN)).toBe(true)
      expect(idsOf(fetched).sort((a, b) => a - b)).toEqual(idsOf(sourceIn(fake, FEB, JUN)))
      expect(yield* env.store.covered(key)).toEqual([Intervals.interval(JAN, JUL)])
    }))

  it.scopedLive("pages that end inside a second never mark it covered early (forward and reverse)", () =>
    Effect.gen(function*() {
      const fake = new TelegramFake()
      // 7 messages a second and one second of 12, with pages of 5: most pages end mid-second.
      const messages = [...generate(1, 70, JAN, 7), ...generate(71, 12, JAN + 100, 12), ...generate(83, 30, JAN + 200, 7)]
      fake.set(DIALOG, messages)
      for (const reverse of [false, true]) {
        const env = yield* setup(fake, { telegram_batch_size: 5 })
        const got = yield* env.run({ reverse, chunkSize: 9 })
        const expected = idsOf(sourceIn(fake, 0, JUL))
        expect(idsOf(got)).toEqual(reverse ? expected.reverse() : expected)
        yield* expectConsistentCache(fake, env.store)
        // A window starting and ending mid-way through same-second runs, from the cache only.
        fake.resetCalls()
        const window = yield* env.run({ startDate: JAN + 3, endDate: JAN + 101, reverse })
        const inWindow = idsOf(sourceIn(fake, JAN + 3, JAN + 101))
        expect(idsOf(window)).toEqual(reverse ? inWindow.reverse() : inWindow)
        expect(fake.calls.length).toBe(0)
      }
    }))

  it.scopedLive("a walk that stopped at one request's end is continued by the next without losing what lay beyond", () =>
    Effect.gen(function*() {
      const fake = new TelegramFake()
      fake.set(DIALOG, generate(1, 40, JAN, 4))
      for (const reverse of [false, true]) {
        const env = yield* setup(fake, { telegram_batch_size: 100 })
        const cut = JAN + 5
        const [first, second] = reverse
          ? [{ startDate: cut, endDate: JUL }, { startDate: 0, endDate: cut }]
          : [{ startDate: 0, endDate: cut }, { startDate: cut, endDate: JUL }]
        yield* env.run({ ...first, reverse })
        yield* env.run({ ...second, reverse })
        fake.resetCalls()
        expect(idsOf(yield* env.run({ startDate: 0, endDate: JUL }))).toEqual(idsOf(sourceIn(fake, 0, JUL)))
        expect(fake.calls.length).toBe(0)
        yield* expectConsistentCache(fake, env.store)
      }
    }))

  it.scopedLive("a range starting or ending right next to a second with more messages than a page still completes", () =>
    Effect.gen(function*() {
      const fake = new TelegramFake()
      fake.set(DIALOG, [...generate(1, 12, JAN + 9, 12), ...generate(13, 6, JAN + 10, 2), ...generate(19, 12, JAN + 20, 12)])
      for (const reverse of [false, true]) {
        const env = yield* setup(fake, { telegram_batch_size: 5 })
        const got = yield* env.run({ startDate: JAN + 10, endDate: JAN + 20, reverse })
        const expected = idsOf(sourceIn(fake, JAN + 10, JAN + 20))
        expect(idsOf(got)).toEqual(reverse ? expected.reverse() : expected)
        yield* expectConsistentCache(fake, env.store)
      }
    }))

  it.scopedLive("near now the cache records only what cannot change any more, so a late message is never missed", () =>
    Effect.gen(function*() {
      const now = Math.floor(Date.now() / 1000)
      const fake = new TelegramFake()
      fake.set(DIALOG, generate(1, 10, now - 3600, 1, 60))
      const env = yield* setup(fake)
      expect(idsOf(yield* env.run())).toEqual(idsOf(sourceIn(fake, 0, now + 1)))
      const [covered] = yield* env.store.covered(key)
      expect(covered!.end).toBeLessThanOrEqual(now - 50)
      // Dated a little before the last request's "now", as a message can be when clocks disagree.
      fake.set(DIALOG, [...fake.dialogs.get(DIALOG)!, message(11, now - 5)])
      expect(idsOf(yield* env.run()).at(-1)).toBe(11)
      // Once Telegram shows a newer message, everything before it is settled and recorded.
      fake.set(DIALOG, [...fake.dialogs.get(DIALOG)!, message(12, now + 3600)])
      yield* env.run({ endDate: now + 7200 })
      expect((yield* env.store.covered(key))[0]!.end).toBeGreaterThanOrEqual(now - 5)
    }))

  it.scoped("without end_date (or with one past now) the current second is included: a message sent just now is there", () =>
    Effect.gen(function*() {
      // Now is JUL + 0.4 s; the newest message is dated JUL, this very second.
      yield* TestClock.setTime(JUL * 1000 + 400)
      const fake = new TelegramFake()
      fake.set(DIALOG, [...generate(1, 5, JUL - 600, 1, 60), message(6, JUL)])
      const env = yield* setup(fake)
      const all = idsOf(sourceIn(fake, 0, JUL + 1))
      expect(all).toEqual([1, 2, 3, 4, 5, 6])
      expect(idsOf(yield* env.run())).toEqual(all)
      expect(idsOf(yield* env.run({ reverse: true }))).toEqual([...all].reverse())
      expect(idsOf(yield* env.run({ startDate: JUL - 360, endDate: JUL + 3600 }))).toEqual([5, 6])
      // An explicit end_date stays exclusive.
      expect(idsOf(yield* env.run({ endDate: JUL }))).toEqual([1, 2, 3, 4, 5])
    }))

  it.scoped("Telegram's clock, not ours, says what now is: nothing sent is left out or recorded as covered when the clocks disagree", () =>
    Effect.gen(function*() {
      for (const offsetSeconds of [-300, 300]) {
        // Our clock is JUL + 0.4 s; Telegram's is `offsetSeconds` away, and dates what is sent by its own.
        yield* TestClock.setTime(JUL * 1000 + 400)
        const telegramNow = JUL + offsetSeconds
        const fake = new TelegramFake()
        fake.clockOffsetMillis = offsetSeconds * 1000
        fake.set(DIALOG, generate(1, 5, telegramNow - 600, 1, 60))
        const env = yield* setup(fake)
        expect(idsOf(yield* env.run()), `offset ${offsetSeconds}`).toEqual([1, 2, 3, 4, 5])
        // Sent just after that request, dated by Telegram's clock (behind: before our "now minus a minute").
        fake.set(DIALOG, [...fake.dialogs.get(DIALOG)!, message(6, telegramNow + 1)])
        yield* TestClock.adjust("2 seconds")
        expect(idsOf(yield* env.run()), `offset ${offsetSeconds}`).toEqual([1, 2, 3, 4, 5, 6])
        expect(idsOf(yield* env.run({ reverse: true })), `offset ${offsetSeconds}`).toEqual([6, 5, 4, 3, 2, 1])
        yield* expectConsistentCache(fake, env.store)
      }
    }))

  it.scopedLive("a gap right next to cached messages is fetched whole, pages bounded by the cache's neighbours", () =>
    Effect.gen(function*() {
      const fake = new TelegramFake()
      fake.set(DIALOG, generate(1, 300, JAN))
      for (const reverse of [false, true]) {
        const env = yield* setup(fake, { telegram_batch_size: 10 })
        yield* env.run({ startDate: JAN, endDate: JAN + 100 })
        yield* env.run({ startDate: JAN + 200, endDate: JAN + 300 })
        fake.resetCalls()
        const all = yield* env.run({ startDate: JAN, endDate: JAN + 300, reverse })
        const expected = idsOf(sourceIn(fake, JAN, JAN + 300))
        expect(idsOf(all)).toEqual(reverse ? expected.reverse() : expected)
        const fetched = fake.calls.flatMap((c) => c.returned)
        expect(fetched.every((m) => m.date >= JAN + 99 && m.date < JAN + 201)).toBe(true)
        yield* expectConsistentCache(fake, env.store)
      }
    }))

  it.scopedLive("reverse streams newest first and fills the cache for later oldest-first requests", () =>
    Effect.gen(function*() {
      const fake = new TelegramFake()
      fake.set(DIALOG, generate(1, 333, JAN, 2, 10))
      const env = yield* setup(fake, { telegram_batch_size: 40 })
      const newestFirst = yield* env.run({ reverse: true, chunkSize: 50 })
      expect(idsOf(newestFirst)).toEqual(idsOf(sourceIn(fake, 0, JUL)).reverse())
      fake.resetCalls()
      const oldestFirst = yield* env.run({ startDate: 0, endDate: JUN })
      expect(idsOf(oldestFirst)).toEqual(idsOf(sourceIn(fake, 0, JUN)))
      expect(fake.calls.length).toBe(0)
    }))

  it.scopedLive("force_refresh re-fetches the range and replaces it exactly: edits applied, deletions gone, uuids kept", () =>
    Effect.gen(function*() {
      const fake = new TelegramFake()
      const messages = generate(1, 60, JAN, 2, 60).map((m) => (m.id % 10 === 0 ? { ...m, media: photo(`p${m.id}`) } : m))
      fake.set(DIALOG, messages)
      const env = yield* setup(fake, { telegram_batch_size: 7 })
      const range = { startDate: JAN, endDate: JUN }
      const before = yield* env.run(range)
      const uuids = new Map(before.map((m) => [m.message.id, m.media?.uuid]))
      fake.edit(DIALOG, 15, { text: "edited", editDate: JAN + 5000 })
      fake.edit(DIALOG, 30, { text: "edited with photo" })
      fake.remove(DIALOG, 20)
      fake.remove(DIALOG, 21)
      fake.resetCalls()
      const cached = yield* env.run(range)
      expect(fake.calls.length).toBe(0)
      expect(idsOf(cached)).toContain(20)

      const refreshed = yield* env.run({ ...range, forceRefresh: true })
      expect(fake.calls.length).toBeGreaterThan(0)
      expect(idsOf(refreshed)).toEqual(idsOf(sourceIn(fake, 0, JUL)))
      const byId = new Map(refreshed.map((m) => [m.message.id, m]))
      expect(byId.get(MessageId(15))!.message).toMatchObject({ text: "edited", editDate: JAN + 5000 })
      expect(byId.get(MessageId(30))!.media!.uuid).toBe(uuids.get(MessageId(30)))
      expect(byId.get(MessageId(10))!.media!.uuid).toBe(uuids.get(MessageId(10)))
      // The deleted message's media is forgotten too.
      expect(yield* env.index.get(AccountId(1001), uuids.get(MessageId(20))!)).toEqual(Option.none())

      fake.resetCalls()
      const after = yield* env.run(range)
      expect(fake.calls.length).toBe(0)
      expect(idsOf(after)).toEqual(idsOf(refreshed))
      yield* expectConsistentCache(fake, env.store)

      // Newest first too, with same-second runs cut by the pages.
      fake.remove(DIALOG, 41)
      fake.edit(DIALOG, 50, { text: "edited again" })
      const backwards = yield* env.run({ ...range, forceRefresh: true, reverse: true })
      expect(idsOf(backwards)).toEqual(idsOf(sourceIn(fake, JAN, JUN)).reverse())
      expect(backwards.find((m) => m.message.id === 50)!.message.text).toBe("edited again")
      yield* expectConsistentCache(fake, env.store)
    }))

  it.scopedLive("concurrent requests on one dialog fetch every message once and both get everything", () =>
    Effect.gen(function*() {
      const fake = new TelegramFake()
      fake.set(DIALOG, generate(1, 800, JAN, 3, 20))
      fake.beforeHistory = () => Effect.yieldNow()
      const env = yield* setup(fake, { telegram_batch_size: 30 })
      const [a, b, c] = yield* Effect.all(
        [env.run({ chunkSize: 7 }), env.run({ chunkSize: 50 }), env.run({ chunkSize: 13, startDate: JAN + 2000 })],
        { concurrency: "unbounded" }
      )
      const expected = idsOf(sourceIn(fake, 0, JUL))
      expect(idsOf(a)).toEqual(expected)
      expect(idsOf(b)).toEqual(expected)
      expect(idsOf(c)).toEqual(idsOf(sourceIn(fake, JAN + 2000, JUL)))
      const returned = fake.returnedIds()
      expect(new Set(returned).size).toBe(returned.length)
      yield* expectConsistentCache(fake, env.store)
    }))

  it.scopedLive("the next Telegram page is asked for while the current one is stored and streamed, each page once", () =>
    Effect.gen(function*() {
      const fake = new TelegramFake()
      // One message a second, pages of 10, chunks of 9: every page sends one chunk (its last second waits for the next page).
      fake.set(DIALOG, generate(1, 100, JAN, 1, 10))
      const fourthAsked = yield* Deferred.make<void>()
      fake.beforeHistory = (n) => (n === 3 ? Deferred.succeed(fourthAsked, undefined) : Effect.void)
      const env = yield* setup(fake, { telegram_batch_size: 10 })
      const pull = yield* Stream.toPull(env.history.stream(env.request({ chunkSize: 9 })))
      const events: Array<HistoryEvent> = [...Chunk.toArray(yield* pull)]
      expect(messagesOf(events).length).toBe(9)
      // The consumer takes nothing more: page two's chunk waits in the queue, page three's cannot be handed
      // over, and the work stops there; page four was asked for before page three's chunk was offered.
      yield* Deferred.await(fourthAsked).pipe(
        Effect.timeoutFail({ duration: "5 seconds", onTimeout: () => new Error("the next page was not asked for ahead") })
      )
      for (;;) {
        const more = yield* Effect.option(pull)
        if (Option.isNone(more)) break
        events.push(...Chunk.toArray(more.value))
      }
      expect(idsOf(messagesOf(events))).toEqual(idsOf(sourceIn(fake, 0, JUL)))
      expect(fake.returnedIds().length).toBe(100)
      expect(new Set(fake.returnedIds()).size).toBe(100)
      yield* expectConsistentCache(fake, env.store)
    }))

  it.scopedLive("a consumer that stops stops the page asked for ahead; the next request continues the walk", () =>
    Effect.gen(function*() {
      const fake = new TelegramFake()
      fake.set(DIALOG, generate(1, 60, JAN, 2, 10))
      const stopped = yield* Deferred.make<void>()
      // The third call is page three, asked for ahead while page two goes out: it never answers, and says when
      // it is stopped.
      fake.beforeHistory = (n) => (n === 2 ? Effect.onInterrupt(Effect.never, () => Deferred.succeed(stopped, undefined)) : Effect.void)
      const env = yield* setup(fake, { telegram_batch_size: 10 })
      const firstChunk = yield* Stream.runCollect(
        env.history.stream(env.request({ chunkSize: 10 })).pipe(Stream.filter((e) => e._tag === "Chunk"), Stream.take(1))
      )
      expect(Chunk.size(firstChunk)).toBe(1)
      yield* Deferred.await(stopped).pipe(
        Effect.timeoutFail({ duration: "5 seconds", onTimeout: () => new Error("the page asked for ahead was not stopped") })
      )
      fake.beforeHistory = () => Effect.void
      expect(idsOf(yield* env.run())).toEqual(idsOf(sourceIn(fake, 0, JUL)))
      expect(new Set(fake.returnedIds()).size).toBe(fake.returnedIds().length)
      yield* expectConsistentCache(fake, env.store)
    }))

  it.scopedLive("concurrent requests walking the same gap from both ends fetch every message once", () =>
    Effect.gen(function*() {
      const fake = new TelegramFake()
      fake.set(DIALOG, generate(1, 600, JAN, 3, 20))
      fake.beforeHistory = () => Effect.yieldNow()
      const env = yield* setup(fake, { telegram_batch_size: 25 })
      const [forward, backward] = yield* Effect.all(
        [env.run({ chunkSize: 30 }), env.run({ chunkSize: 30, reverse: true })],
        { concurrency: "unbounded" }
      )
      const expected = idsOf(sourceIn(fake, 0, JUL))
      expect(idsOf(forward)).toEqual(expected)
      expect(idsOf(backward)).toEqual([...expected].reverse())
      const returned = fake.returnedIds()
      expect(new Set(returned).size).toBe(returned.length)
      yield* expectConsistentCache(fake, env.store)
    }))

  it.scopedLive("a request interrupted mid-sync leaves a consistent cache, and the next one completes it", () =>
    Effect.gen(function*() {
      const fake = new TelegramFake()
      fake.set(DIALOG, generate(1, 500, JAN, 3, 10))
      const reached = yield* Deferred.make<void>()
      fake.beforeHistory = (n) => (n === 4 ? Effect.zipRight(Deferred.succeed(reached, undefined), Effect.never) : Effect.void)
      const env = yield* setup(fake, { telegram_batch_size: 50 })
      const fiber = yield* Effect.fork(env.run({ chunkSize: 10 }))
      yield* Deferred.await(reached)
      yield* Fiber.interrupt(fiber)
      const covered = yield* env.store.covered(key)
      expect(covered.length).toBe(1)
      expect(covered.reduce((n, i) => n + (i.end - i.start), 0)).toBeGreaterThan(0)
      yield* expectConsistentCache(fake, env.store)

      fake.beforeHistory = () => Effect.void
      const firstRun = fake.calls.length
      const all = yield* env.run()
      expect(idsOf(all)).toEqual(idsOf(sourceIn(fake, 0, JUL)))
      const secondRunIds = fake.calls.slice(firstRun).flatMap((c) => idsOf(c.returned))
      expect(secondRunIds.length).toBeLessThan(500)
      expect(new Set(fake.returnedIds()).size).toBe(fake.returnedIds().length)
    }))

  it.scopedLive("an unknown dialog fails with PeerNotFound and creates no cache", () =>
    Effect.gen(function*() {
      const fake = new TelegramFake()
      const env = yield* setup(fake)
      const result = yield* Effect.either(env.run())
      expect(result._tag === "Left" && result.left._tag).toBe("PeerNotFound")
      expect(yield* env.store.exists(key)).toBe(false)
    }))

  it.scopedLive("an empty dialog and a future range stream nothing", () =>
    Effect.gen(function*() {
      const fake = new TelegramFake()
      fake.set(DIALOG, [])
      const env = yield* setup(fake)
      expect(yield* env.run()).toEqual([])
      expect(yield* env.run()).toEqual([])
      fake.resetCalls()
      expect(yield* env.events({ startDate: 4_000_000_000, endDate: 4_100_000_000 })).toEqual([])
      expect(fake.calls.length).toBe(0)
    }))

  it.scopedLive("an empty or reversed range, or a chunk size below 1, fails with InvalidHistoryRequest before Telegram is asked", () =>
    Effect.gen(function*() {
      const fake = new TelegramFake()
      fake.set(DIALOG, generate(1, 10, JAN))
      const env = yield* setup(fake)
      const failure = (overrides: Partial<HistoryRequest>) => Effect.flip(env.events(overrides))
      // Open-ended from the future: the end defaults to now, so the range is empty.
      expect(yield* failure({ startDate: 4_000_000_000 })).toMatchObject({
        _tag: "InvalidHistoryRequest",
        field: "startDate",
        reason: "startDate must be earlier than endDate (which defaults to now)"
      })
      expect(yield* failure({ startDate: FEB, endDate: JAN })).toMatchObject({ _tag: "InvalidHistoryRequest", field: "startDate" })
      expect(yield* failure({ startDate: JAN, endDate: JAN })).toMatchObject({ _tag: "InvalidHistoryRequest", field: "startDate" })
      // Would otherwise emit empty chunks for ever.
      expect(yield* failure({ chunkSize: 0 })).toMatchObject({ _tag: "InvalidHistoryRequest", field: "chunkSize" })
      expect(yield* failure({ chunkSize: 2.5 })).toMatchObject({ _tag: "InvalidHistoryRequest", field: "chunkSize" })
      expect(yield* failure({ dialogId: DialogId(0) })).toMatchObject({ _tag: "InvalidHistoryRequest", field: "dialogId" })
      expect(fake.calls.length).toBe(0)
    }))

  it.scopedLive("reports rate-limit waits and fetch progress as progress events", () =>
    Effect.gen(function*() {
      const fake = new TelegramFake()
      fake.set(DIALOG, generate(1, 30, JAN))
      fake.floodWaits = [2]
      const env = yield* setup(fake, { telegram_batch_size: 10 })
      const events = yield* env.events()
      expect(events[0]).toEqual({ _tag: "Progress", fetched: 0, fetching: Intervals.interval(0, expect.any(Number)), rateLimitWait: 2 })
      const fetchedCounts = events.flatMap((e) => (e._tag === "Progress" && e.rateLimitWait === 0 ? [e.fetched] : []))
      expect(fetchedCounts).toEqual([10, 20, 30, 30])
    }))

  describe("pages that come back short mid-history (hidden and empty entries, id gaps)", () => {
    /** 900 messages, 2 a second; every 7th a MessageEmpty, runs of 6 hidden ones every 50, a run of 120 empty ones mid-way. */
    const shortPaged = () => {
      const fake = new TelegramFake()
      fake.set(DIALOG, generate(1, 900, JAN, 2, 30))
      fake.hide(DIALOG, Array.from({ length: 900 }, (_, k) => k + 1).filter((id) => id % 7 === 0), "empty")
      fake.hide(DIALOG, Array.from({ length: 900 }, (_, k) => k + 1).filter((id) => id % 50 >= 20 && id % 50 < 26), "hidden")
      fake.hide(DIALOG, Array.from({ length: 120 }, (_, k) => 401 + k), "empty")
      return fake
    }
    const visibleIn = (fake: TelegramFake, start: number, end: number) =>
      [...fake.visible(DIALOG)].reverse().filter((m) => m.date >= start && m.date < end)
    const expectConsistent = (fake: TelegramFake, store: Context.Tag.Service<MessageStore>) =>
      Effect.gen(function*() {
        for (const i of yield* store.covered(key)) {
          const held = yield* store.read(key, { after: { date: i.start, id: 0 }, bound: i.end, order: "asc", limit: 1_000_000 })
          expect(idsOf(held)).toEqual(idsOf(visibleIn(fake, i.start, i.end)))
        }
      })
    const noDuplicates = (fake: TelegramFake) => expect(new Set(fake.returnedIds()).size).toBe(fake.returnedIds().length)

    it.scopedLive("a short page is not the end: forward and reverse stream every message, at most one extra request a gap", () =>
      Effect.gen(function*() {
        const fake = shortPaged()
        const env = yield* setup(fake, { telegram_batch_size: 100 })
        expect(idsOf(yield* env.run())).toEqual(idsOf(visibleIn(fake, 0, JUL)))
        // Nine windows of 100 entries, and the empty page that shows there is nothing more.
        expect(fake.calls.length).toBe(10)
        noDuplicates(fake)
        yield* expectConsistent(fake, env.store)

        const backward = shortPaged()
        const back = yield* setup(backward, { telegram_batch_size: 100 })
        expect(idsOf(yield* back.run({ reverse: true }))).toEqual(idsOf(visibleIn(backward, 0, JUL)).reverse())
        expect(backward.calls.length).toBe(10)
        noDuplicates(backward)
        yield* expectConsistent(backward, back.store)
      }))

    it.scopedLive("with date bounds, both ways, and a resumed sync over a cache left after a short page", () =>
      Effect.gen(function*() {
        const fake = shortPaged()
        const env = yield* setup(fake, { telegram_batch_size: 40 })
        const middle = { startDate: JAN + 3000, endDate: JAN + 9000 }
        expect(idsOf(yield* env.run(middle))).toEqual(idsOf(visibleIn(fake, middle.startDate, middle.endDate)))
        const late = { startDate: JAN + 10_000, endDate: JAN + 12_500 }
        expect(idsOf(yield* env.run({ ...late, reverse: true }))).toEqual(idsOf(visibleIn(fake, late.startDate, late.endDate)).reverse())
        yield* expectConsistent(fake, env.store)

        // A request stopped after a few (short) pages; the next one resumes the walk and fills every hole. (Pages
        // at the edges of a range reach past it, so Telegram returns some messages twice across these requests:
        // what counts is that the stream and the cache hold each exactly once.)
        const reached = yield* Deferred.make<void>()
        const stopAt = fake.historyStarted + 3
        fake.beforeHistory = (n) => (n === stopAt ? Effect.zipRight(Deferred.succeed(reached, undefined), Effect.never) : Effect.void)
        const fiber = yield* Effect.fork(env.run({ chunkSize: 10 }))
        yield* Deferred.await(reached)
        yield* Fiber.interrupt(fiber)
        yield* expectConsistent(fake, env.store)
        fake.beforeHistory = () => Effect.void
        expect(idsOf(yield* env.run())).toEqual(idsOf(visibleIn(fake, 0, JUL)))
        yield* expectConsistent(fake, env.store)
        fake.resetCalls()
        expect(idsOf(yield* env.run({ endDate: JUN }))).toEqual(idsOf(visibleIn(fake, 0, JUN)))
        expect(fake.calls.length).toBe(0)
      }))

    it.scopedLive("a page of nothing but MessageEmpty entries moves the offset on past them", () =>
      Effect.gen(function*() {
        const fake = shortPaged()
        // With pages of 50, ids 401-520 fill more than two whole pages with MessageEmpty entries.
        const env = yield* setup(fake, { telegram_batch_size: 50 })
        expect(idsOf(yield* env.run())).toEqual(idsOf(visibleIn(fake, 0, JUL)))
        expect(fake.calls.some((c) => c.returned.length === 0 && c.request.offsetId > 400 && c.request.offsetId < 521)).toBe(true)
        noDuplicates(fake)
        const backward = shortPaged()
        const back = yield* setup(backward, { telegram_batch_size: 50 })
        expect(idsOf(yield* back.run({ reverse: true }))).toEqual(idsOf(visibleIn(backward, 0, JUL)).reverse())
        noDuplicates(backward)
      }))
  })

  describe("media", () => {
    const MB = 1024 * 1024
    const withMedia = () => [
      message(1, JAN, { media: photo("p1", 5000) }),
      message(2, JAN + 1, { media: document("v2", { category: "videos", size: 3000, fileName: "clip.mp4", mimeType: "video/mp4" }) }),
      message(3, JAN + 2, { media: document("d3", { size: 30 * MB }) }),
      message(4, JAN + 3, { media: webPage }),
      message(5, JAN + 4, { media: document("d5", { size: 1234, fileName: "notes.txt", mimeType: "text/plain" }) })
    ]

    it.scopedLive("downloads what the settings allow, records what they skip and why, and never asks for the rest", () =>
      Effect.gen(function*() {
        const fake = new TelegramFake()
        fake.set(DIALOG, withMedia())
        const env = yield* setup(fake)
        const got = yield* env.run()
        const media = new Map(got.map((m) => [m.message.id, m.media]))
        expect(media.get(MessageId(1))).toMatchObject({ status: "downloaded" })
        expect(media.get(MessageId(2))).toMatchObject({ status: "skipped", reason: "download_file_types.videos is off" })
        expect(media.get(MessageId(3))).toMatchObject({ status: "skipped", reason: "larger than max_media_size_mb (20 MB): 30.0 MB" })
        expect(media.get(MessageId(4))).toBeNull()
        expect(media.get(MessageId(5))).toMatchObject({ status: "downloaded", storedName: `${media.get(MessageId(5))!.uuid}.txt` })
        expect(fake.downloads.map((l) => JSON.parse(l).file).sort()).toEqual(["d5", "p1"])

        const file = path.join(env.dir, "1001", "dialogs", String(DIALOG), "media", `${media.get(MessageId(1))!.uuid}.jpg`)
        expect(Buffer.compare(yield* Effect.promise(() => fs.readFile(file)), Buffer.from(bytesOf(withMedia()[0]!.media!.file!.locator)))).toBe(0)
        const entry = yield* env.index.get(AccountId(1001), media.get(MessageId(2))!.uuid)
        expect(Option.getOrThrow(entry)).toMatchObject({ status: "skipped", reason: "download_file_types.videos is off", messageId: 2, dialogId: DIALOG })
        expect(Option.getOrThrow(yield* env.index.get(AccountId(1001), media.get(MessageId(1))!.uuid))).toMatchObject({ status: "downloaded", storedName: `${media.get(MessageId(1))!.uuid}.jpg` })
      }))

    it.scopedLive("repair_media downloads skipped media from the cache once the settings allow it, and only then", () =>
      Effect.gen(function*() {
        const fake = new TelegramFake()
        fake.set(DIALOG, withMedia())
        const env = yield* setup(fake, { repair_media: false })
        const first = yield* env.run({ endDate: FEB })
        yield* Ref.update(env.settings, (s) => applyPatch(s, { download_file_types: { videos: true }, max_media_size_mb: 0 }))
        fake.resetCalls()
        const withoutRepair = yield* env.run({ endDate: FEB })
        expect(withoutRepair.find((m) => m.message.id === 2)!.media!.status).toBe("skipped")
        expect(fake.downloads).toEqual([])

        yield* Ref.update(env.settings, (s) => applyPatch(s, { repair_media: true, max_media_size_mb: 25 }))
        const repaired = yield* env.run({ endDate: FEB })
        expect(fake.calls.length).toBe(0)
        expect(repaired.find((m) => m.message.id === 2)!.media).toMatchObject({ status: "downloaded", uuid: first[1]!.media!.uuid })
        // Still over the (new) limit: skipped again, with the new reason, and Telegram never asked.
        expect(repaired.find((m) => m.message.id === 3)!.media).toMatchObject({
          status: "skipped",
          reason: "larger than max_media_size_mb (25 MB): 30.0 MB"
        })
        expect(fake.downloads.map((l) => JSON.parse(l).file)).toEqual(["v2"])
      }))

    it.scopedLive("download_media off skips everything; failed downloads are retried on the next request", () =>
      Effect.gen(function*() {
        const fake = new TelegramFake()
        fake.set(DIALOG, withMedia())
        fake.failDownloadOnce.set("d5", "FILE_ID_INVALID")
        const env = yield* setup(fake, { download_media: false })
        const off = yield* env.run({ endDate: JAN + 1 })
        expect(off[0]!.media).toMatchObject({ status: "skipped", reason: "download_media is off" })
        expect(fake.downloads).toEqual([])

        yield* Ref.update(env.settings, (s) => applyPatch(s, { download_media: true }))
        const first = yield* env.run()
        expect(first.find((m) => m.message.id === 5)!.media).toMatchObject({
          status: "failed",
          reason: "Telegram answered 400 FILE_ID_INVALID"
        })
        const again = yield* env.run()
        expect(again.find((m) => m.message.id === 5)!.media!.status).toBe("downloaded")
      }))

    it.scopedLive("an expired file reference is refreshed from the message and the download retried", () =>
      Effect.gen(function*() {
        const fake = new TelegramFake()
        fake.set(DIALOG, withMedia())
        fake.failDownloadOnce.set("p1", "FILE_REFERENCE_EXPIRED")
        const env = yield* setup(fake)
        const got = yield* env.run()
        expect(got[0]!.media!.status).toBe("downloaded")
        expect(fake.calls.at(-1)!.request).toMatchObject({ offsetId: 2, limit: 1 })
      }))

    it.scopedLive("media another request downloaded after this one read its chunk is not downloaded again", () =>
      Effect.gen(function*() {
        const fake = new TelegramFake()
        fake.set(DIALOG, withMedia())
        const env = yield* setup(fake)
        const first = yield* env.run()
        const photoMessage = first[0]!
        expect(photoMessage.media!.status).toBe("downloaded")
        fake.resetCalls()
        // The chunk as a concurrent request read it before the download finished: still to do.
        const stale = { ...photoMessage, media: { ...photoMessage.media!, status: "pending" as const, storedName: null } }
        const media = yield* Effect.provide(makeHistoryMedia, env.context)
        const [served] = yield* media.prepare("alice" as SessionName, key, [stale])
        expect(fake.downloads).toEqual([])
        expect(served!.media).toMatchObject({ status: "downloaded", storedName: photoMessage.media!.storedName })
      }))

    it.scopedLive("a downloaded file deleted from disk is downloaded again", () =>
      Effect.gen(function*() {
        const fake = new TelegramFake()
        fake.set(DIALOG, withMedia())
        const env = yield* setup(fake)
        const first = yield* env.run()
        const ref = { accountId: AccountId(1001), dialogId: DIALOG, name: first[0]!.media!.storedName! }
        yield* env.files.remove(ref)
        fake.resetCalls()
        yield* env.run()
        expect(fake.downloads.map((l) => JSON.parse(l).file)).toEqual(["p1"])
        expect(Option.isSome(yield* env.files.size(ref))).toBe(true)
      }))

    it.scopedLive("the first chunk goes out with its own media, not after a whole Telegram batch's", () =>
      Effect.gen(function*() {
        const fake = new TelegramFake()
        fake.set(DIALOG, Array.from({ length: 20 }, (_, k) => message(k + 1, JAN + k, { media: photo(`p${k + 1}`) })))
        const env = yield* setup(fake, { telegram_batch_size: 100 })
        const seen: Array<number> = []
        yield* Stream.runForEach(env.history.stream(env.request({ chunkSize: 1 })), (e) =>
          Effect.sync(() => {
            if (e._tag === "Chunk") seen.push(fake.downloads.length)
          }))
        expect(seen.length).toBe(20)
        // At most the chunk being offered and the one being prepared run ahead of the consumer.
        seen.forEach((downloads, k) => expect(downloads).toBeLessThanOrEqual(k + 3))
      }))
  })
})
