/**
 * Messages cached before tgsc knew their details (topic, forward origin,
 * reactions, ...) are refreshed by id when a history request covers them,
 * a batch at a time, before they are served; never reported with made-up
 * values, never asked for twice.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import * as Intervals from "../../src/domain/Intervals.js"
import type { MessageRecord } from "../../src/domain/Message.js"
import { EMPTY_DETAILS, type MessageDetails } from "../../src/domain/MessageDetails.js"
import { TelegramRpcError } from "../../src/ports/TelegramGateway.js"
import { TelegramFake } from "./HistoryTelegramFake.js"
import { DIALOG, generate, idsOf, JAN, key, messagesOf, setup } from "./HistorySyncSetup.js"

const detailsOf = (id: number): MessageDetails => ({ ...EMPTY_DETAILS, views: id * 10, pinned: id % 2 === 0 })

/** Telegram's messages now carry details; the cache holds the same ones as an earlier release stored them. */
const withOldCache = (count: number, perSecond = 1) =>
  Effect.gen(function*() {
    const fake = new TelegramFake()
    const fresh = generate(1, count, JAN, perSecond).map((m): MessageRecord => ({ ...m, details: detailsOf(m.id) }))
    fake.set(DIALOG, fresh)
    const env = yield* setup(fake)
    const end = fresh.at(-1)!.date + 1
    yield* env.store.commitPage(key, {
      messages: fresh.map((m) => ({ ...m, details: null })),
      covers: Intervals.interval(JAN, end),
      replace: null
    })
    return { fake, env, end }
  })

describe("HistorySync: details of messages cached before they were known", () => {
  it.scopedLive("are asked of Telegram by id, 100 at a time, before they are served; then never again", () =>
    Effect.gen(function*() {
      const { env, fake, end } = yield* withOldCache(250)
      const served = messagesOf(yield* env.events({ startDate: JAN, endDate: end }))
      expect(idsOf(served)).toEqual(Array.from({ length: 250 }, (_, k) => k + 1))
      expect(served.map((m) => m.message.details)).toEqual(served.map((m) => detailsOf(m.message.id)))
      expect(fake.byIdCalls.map((ids) => ids.length)).toEqual([100, 100, 50])
      expect(fake.byIdCalls.flat()).toEqual(Array.from({ length: 250 }, (_, k) => k + 1))
      expect(fake.calls).toEqual([])
      const again = messagesOf(yield* env.events({ startDate: JAN, endDate: end }))
      expect(again.map((m) => m.message.details)).toEqual(served.map((m) => m.message.details))
      expect(fake.byIdCalls.length).toBe(3)
    }))

  it.scopedLive("only those the request covers, newest first with reverse", () =>
    Effect.gen(function*() {
      const { env, fake } = yield* withOldCache(300)
      const served = messagesOf(yield* env.events({ startDate: JAN + 100, endDate: JAN + 250, reverse: true }))
      expect(idsOf(served)).toEqual(Array.from({ length: 150 }, (_, k) => 250 - k))
      expect(served.every((m) => m.message.details?.views === m.message.id * 10)).toBe(true)
      expect(fake.byIdCalls.flat()).toEqual(Array.from({ length: 150 }, (_, k) => 250 - k))
      const rest = yield* env.store.withoutDetails(key, Intervals.interval(JAN, JAN + 300), "asc", 1000)
      expect(rest.length).toBe(150)
    }))

  it.scopedLive("a second is served whole once all of it is refreshed (batches that end mid-second)", () =>
    Effect.gen(function*() {
      const { env, fake, end } = yield* withOldCache(240, 7)
      const served = messagesOf(yield* env.events({ startDate: JAN, endDate: end, chunkSize: 1000 }))
      expect(idsOf(served)).toEqual(Array.from({ length: 240 }, (_, k) => k + 1))
      expect(served.every((m) => m.message.details !== null)).toBe(true)
      expect(fake.byIdCalls.length).toBe(3)
    }))

  it.scopedLive("those Telegram no longer has are served as cached, details unknown, and not asked for again", () =>
    Effect.gen(function*() {
      const { env, fake, end } = yield* withOldCache(20)
      fake.remove(DIALOG, 5)
      fake.remove(DIALOG, 6)
      const served = messagesOf(yield* env.events({ startDate: JAN, endDate: end }))
      expect(idsOf(served)).toEqual(Array.from({ length: 20 }, (_, k) => k + 1))
      expect(served.filter((m) => m.message.details === null).map((m) => m.message.id)).toEqual([5, 6])
      yield* env.events({ startDate: JAN, endDate: end })
      expect(fake.byIdCalls.length).toBe(1)
    }))

  it.scopedLive("Telegram's refusal does not fail the request: served as cached, asked again by the next one", () =>
    Effect.gen(function*() {
      const { env, fake, end } = yield* withOldCache(150)
      fake.byIdFailures.push(new TelegramRpcError({ code: 500, message: "INTERNAL", method: "messages.GetMessages" }))
      const first = messagesOf(yield* env.events({ startDate: JAN, endDate: end }))
      expect(idsOf(first).length).toBe(150)
      expect(first.every((m) => m.message.details === null)).toBe(true)
      expect(fake.byIdCalls.length).toBe(1)
      const second = messagesOf(yield* env.events({ startDate: JAN, endDate: end }))
      expect(second.every((m) => m.message.details?.views === m.message.id * 10)).toBe(true)
      expect(fake.byIdCalls.length).toBe(3)
    }))

  it.scopedLive("a page fetched now carries its details: nothing to refresh", () =>
    Effect.gen(function*() {
      const fake = new TelegramFake()
      fake.set(DIALOG, generate(1, 50, JAN).map((m) => ({ ...m, details: detailsOf(m.id) })))
      const env = yield* setup(fake)
      yield* env.events({ startDate: JAN, endDate: JAN + 50 })
      const served = messagesOf(yield* env.events({ startDate: JAN, endDate: JAN + 50 }))
      expect(served.every((m) => m.message.details?.views === m.message.id * 10)).toBe(true)
      expect(fake.byIdCalls).toEqual([])
    }))
})
