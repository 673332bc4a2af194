/**
 * HistorySync scoped to a forum topic or a thread (issue 17): pages from
 * messages.getReplies, coverage kept per thread, and a topic served from a
 * dialog whose whole history is cached without asking Telegram.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { EMPTY_DETAILS } from "../../src/domain/MessageDetails.js"
import type { MessageRecord } from "../../src/domain/Message.js"
import { message } from "../adapters/sqlite/MessageFixtures.js"
import { TelegramFake } from "./HistoryTelegramFake.js"
import { DIALOG, idsOf, JAN, setup } from "./HistorySyncSetup.js"

/** A forum of `n` messages, one a minute, in topics 1 (General), 10 and 20 by turns. */
const forum = (n: number): Array<MessageRecord> =>
  Array.from({ length: n }, (_, k) =>
    message(k + 1, JAN + k * 60, { details: { ...EMPTY_DETAILS, topicId: [1, 10, 20][k % 3]! } }))

const topicIds = (messages: ReadonlyArray<MessageRecord>, topic: number) =>
  messages.filter((m) => m.details?.topicId === topic).map((m) => m.id).sort((a, b) => a - b)

/** A range ending in the past: the tail near now is always asked again (domain/HistoryTail.ts), so tests of a cached answer stop before it. */
const PAST = { endDate: JAN + 86400 * 30 }

describe("HistorySync, a topic or thread", () => {
  it.scopedLive("a topic's history comes from its replies, once; the second request is served from the cache", () =>
    Effect.gen(function*() {
      const fake = new TelegramFake()
      const all = forum(450)
      fake.set(DIALOG, all)
      fake.forums.set(DIALOG, new Set([1, 10, 20]))
      const env = yield* setup(fake, { telegram_batch_size: 40 })
      const scope = { _tag: "Topic" as const, topicId: 10 }
      const first = yield* env.run({ scope, chunkSize: 7, ...PAST })
      expect(idsOf(first)).toEqual(topicIds(all, 10))
      expect(fake.calls.length).toBeGreaterThan(1)
      expect(fake.calls.every((c) => c.rootId === 10)).toBe(true)
      fake.resetCalls()
      const threadCalls = fake.threadCalls.length
      expect(idsOf(yield* env.run({ scope, ...PAST }))).toEqual(topicIds(all, 10))
      expect(idsOf(yield* env.run({ scope, reverse: true, ...PAST }))).toEqual(topicIds(all, 10).reverse())
      expect(fake.calls.length).toBe(0)
      expect(fake.threadCalls.length).toBe(threadCalls)
      // The dialog's own history is not covered by a topic's.
      expect(idsOf(yield* env.run())).toEqual(all.map((m) => m.id))
      expect(fake.calls.length).toBeGreaterThan(0)
    }))

  it.scopedLive("a topic of a dialog whose whole history is cached is served without asking Telegram for pages", () =>
    Effect.gen(function*() {
      const fake = new TelegramFake()
      const all = forum(200)
      fake.set(DIALOG, all)
      fake.forums.set(DIALOG, new Set([1, 10, 20]))
      const env = yield* setup(fake)
      yield* env.run(PAST)
      fake.resetCalls()
      expect(idsOf(yield* env.run({ scope: { _tag: "Topic", topicId: 20 }, ...PAST }))).toEqual(topicIds(all, 20))
      expect(idsOf(yield* env.run({ scope: { _tag: "Topic", topicId: 1 }, reverse: true, ...PAST }))).toEqual(topicIds(all, 1).reverse())
      expect(fake.calls.length).toBe(0)
    }))

  it.scopedLive("reverse: a topic newest first, a date range of it, then the rest from the cache", () =>
    Effect.gen(function*() {
      const fake = new TelegramFake()
      const all = forum(300)
      fake.set(DIALOG, all)
      fake.forums.set(DIALOG, new Set([1, 10, 20]))
      const env = yield* setup(fake, { telegram_batch_size: 25 })
      const scope = { _tag: "Topic" as const, topicId: 1 }
      const part = { startDate: JAN + 60 * 100, endDate: JAN + 60 * 200 }
      const inPart = all.filter((m) => m.details?.topicId === 1 && m.date >= part.startDate && m.date < part.endDate)
      expect(idsOf(yield* env.run({ scope, reverse: true, ...part }))).toEqual(inPart.map((m) => m.id).reverse())
      expect(idsOf(yield* env.run({ scope, reverse: true, ...PAST }))).toEqual(topicIds(all, 1).reverse())
      fake.resetCalls()
      expect(idsOf(yield* env.run({ scope, ...PAST }))).toEqual(topicIds(all, 1))
      expect(fake.calls.length).toBe(0)
    }))

  it.scopedLive("a channel post's comments come from its discussion group, and are cached there", () =>
    Effect.gen(function*() {
      const fake = new TelegramFake()
      const GROUP = -1009999
      fake.set(DIALOG, [message(1, JAN), message(2, JAN + 60)])
      const comments = Array.from({ length: 30 }, (_, k) =>
        message(101 + k, JAN + 120 + k * 10, { replyTo: 100, details: EMPTY_DETAILS }))
      const other = [message(100, JAN + 60), message(200, JAN + 500, { replyTo: 150, details: EMPTY_DETAILS })]
      fake.set(GROUP, [...other, ...comments])
      fake.discussions.set(`${DIALOG}:1`, { dialogId: GROUP, rootId: 100 })
      const env = yield* setup(fake, { telegram_batch_size: 8 })
      const scope = { _tag: "Thread" as const, messageId: 1 }
      expect(idsOf(yield* env.run({ scope, ...PAST }))).toEqual(comments.map((m) => m.id))
      expect(fake.calls.every((c) => c.dialogId === GROUP && c.rootId === 100)).toBe(true)
      fake.resetCalls()
      expect(idsOf(yield* env.run({ scope, reverse: true, ...PAST }))).toEqual(comments.map((m) => m.id).reverse())
      expect(fake.calls.length).toBe(0)
      // Unknown message: not found; a topic of a dialog that is no forum: no threads.
      const missing = yield* Effect.flip(env.run({ scope: { _tag: "Thread", messageId: 77 } }))
      expect(missing._tag).toBe("ThreadNotFound")
      const noForum = yield* Effect.flip(env.run({ scope: { _tag: "Topic", topicId: 1 } }))
      expect(noForum._tag).toBe("NoThreads")
    }))

  it.scopedLive("force_refresh of a topic replaces that topic's messages only: a message gone from it is deleted, other topics stay", () =>
    Effect.gen(function*() {
      const fake = new TelegramFake()
      const all = forum(90)
      fake.set(DIALOG, all)
      fake.forums.set(DIALOG, new Set([1, 10, 20]))
      const env = yield* setup(fake)
      yield* env.run(PAST)
      const gone = topicIds(all, 10)[3]!
      fake.remove(DIALOG, gone)
      const scope = { _tag: "Topic" as const, topicId: 10 }
      expect(idsOf(yield* env.run({ scope, forceRefresh: true, ...PAST }))).toEqual(topicIds(all, 10).filter((id) => id !== gone))
      fake.resetCalls()
      expect(idsOf(yield* env.run(PAST))).toEqual(all.map((m) => m.id).filter((id) => id !== gone))
      expect(fake.calls.length).toBe(0)
    }))
})
