/**
 * LiveApply's media wait, over the real SQLite cache: a new message's media
 * that is not resolved within the wait, or whose resolution fails, is told
 * with media null (its media_type kept), and a resolution still under way
 * goes on; the messages of a batch are resolved side by side, each against
 * its own deadline. (Resolved media: test/app/LiveUpdates.test.ts.)
 */
import * as fs from "node:fs/promises"
import * as os from "node:os"
import * as path from "node:path"
import { describe, expect, it } from "@effect/vitest"
import { Context, Deferred, Effect, Exit, Fiber, Layer, Option, Ref, Scope, TestClock } from "effect"
import { MessageStoreLive } from "../../src/adapters/sqlite/MessageStoreLive.js"
import type { HistoryMedia, HistoryMediaError } from "../../src/app/HistoryMedia.js"
import { LIVE_MEDIA_CONCURRENCY, makeLiveApply, settleEvents } from "../../src/app/LiveApply.js"
import { AccountId, DialogId, MessageId } from "../../src/domain/Ids.js"
import type { SessionName } from "../../src/domain/SessionName.js"
import { MediaIndexError } from "../../src/ports/MediaIndex.js"
import { MessageStore, type StoredMessage } from "../../src/ports/MessageStore.js"
import { message, photo } from "../adapters/sqlite/MessageFixtures.js"

const CHANNEL = DialogId(-1001234567890)
const ACCOUNT = AccountId(1001)
const T = 1_700_000_000

/** A cached channel, and LiveApply over `prepare` as the media resolution (waiting 10 seconds). */
const setup = (prepare: HistoryMedia["prepare"], discard: HistoryMedia["discard"] = () => Effect.void) =>
  Effect.gen(function*() {
    const dir = yield* Effect.acquireRelease(
      Effect.promise(() => fs.mkdtemp(path.join(os.tmpdir(), "tgsc-live-apply-"))),
      (dir) => Effect.promise(() => fs.rm(dir, { recursive: true, force: true }))
    )
    const context = yield* Layer.build(MessageStoreLive({ accountsDir: dir }))
    const store = Context.get(context, MessageStore)
    yield* store.commitPage({ accountId: ACCOUNT, dialogId: CHANNEL }, {
      messages: [message(1, T - 100)],
      covers: { start: 0, end: T - 10 },
      replace: null
    })
    const media: HistoryMedia = { prepare, discard }
    const live = yield* Effect.provide(makeLiveApply(media, "10 seconds"), context)
    const { apply } = live.forSession("alice" as SessionName)
    /** The change applied: its events, each waiting for its media when run (settleEvents). */
    const applied = (id: number) =>
      Effect.provide(apply(ACCOUNT, { _tag: "NewMessage", dialogId: CHANNEL, message: message(id, T, { media: photo(`p${id}`) }) }, "chain"), context)
    const deleted = (id: number) =>
      Effect.provide(apply(ACCOUNT, { _tag: "DeleteMessages", dialogId: CHANNEL, ids: [MessageId(id)] }, "chain"), context)
    return Object.assign((id: number) => Effect.flatMap(applied(id), settleEvents), { applied, deleted })
  })

/** Each event as kind:message id (a deletion's ids). */
const summary = (events: ReadonlyArray<{ readonly kind: string; readonly data: string }>) =>
  events.map((e) => {
    const data = JSON.parse(e.data) as { message_id?: number; message_ids?: ReadonlyArray<number> }
    return `${e.kind}:${data.message_id ?? data.message_ids?.join(",")}`
  })

const told = (events: ReadonlyArray<{ readonly data: string }>) => JSON.parse(events[0]!.data) as Record<string, unknown>

describe("LiveApply media", () => {
  it.scoped("past the wait, tells the message with media null and lets the resolution go on", () =>
    Effect.gen(function*() {
      const started = yield* Deferred.make<void>()
      const interrupted = yield* Ref.make(false)
      const apply = yield* setup(() =>
        Effect.zipRight(Deferred.succeed(started, undefined), Effect.never).pipe(Effect.onInterrupt(() => Ref.set(interrupted, true))))
      const running = yield* Effect.fork(apply(2))
      yield* Deferred.await(started)
      yield* TestClock.adjust("10 seconds")
      const event = told(yield* Fiber.join(running))
      expect([event["message_id"], event["media_type"], event["media_uuid"], event["media_size"]]).toEqual([2, "MessageMediaPhoto", null, null])
      expect(yield* Ref.get(interrupted)).toBe(false)
    }))

  it.scoped("resolves the media of a batch's messages side by side: the batch waits one wait, not one per message", () =>
    Effect.gen(function*() {
      const started = yield* Ref.make<ReadonlyArray<number>>([])
      const apply = yield* setup((_session, _key, chunk) =>
        Effect.zipRight(Ref.update(started, (ids) => [...ids, chunk[0]!.message.id]), Effect.never))
      // Both changes applied (as a batch is, before its commit), then their events waited for in order.
      const pending = [...(yield* apply.applied(5)), ...(yield* apply.applied(6))]
      const settling = yield* Effect.fork(settleEvents(pending))
      // Both resolutions start before any time passes.
      expect(yield* Ref.get(started).pipe(Effect.repeat({ until: (ids) => ids.length === 2 }))).toEqual([5, 6])
      yield* TestClock.adjust("10 seconds")
      const events = yield* Fiber.join(settling)
      expect(events.map((e) => [JSON.parse(e.data)["message_id"], JSON.parse(e.data)["media_uuid"]])).toEqual([[5, null], [6, null]])
    }))

  it.scoped("a change to a message whose media is still being resolved waits for that resolution first", () =>
    Effect.gen(function*() {
      const release = yield* Deferred.make<void>()
      const apply = yield* setup((_session, _key, chunk) => Effect.as(Deferred.await(release), chunk))
      const pending = yield* apply.applied(8)
      const deleting = yield* Effect.fork(apply.deleted(8))
      // However long the fibers run, the deletion waits while the resolution is under way (the clock stands still).
      for (let i = 0; i < 50; i++) yield* Effect.yieldNow()
      expect(Option.isNone(yield* Fiber.poll(deleting))).toBe(true)
      yield* Deferred.succeed(release, undefined)
      expect(summary(yield* Effect.flatMap(Fiber.join(deleting), settleEvents))).toEqual(["delete_messages:8"])
      expect(summary(yield* settleEvents(pending))).toEqual(["new_message:8"])
    }))

  it.scoped("a deleted message's download that outlasted its deadline is forgotten again, with what it wrote, once it ends", () =>
    Effect.gen(function*() {
      const release = yield* Deferred.make<void>()
      const forgotten = yield* Ref.make<ReadonlyArray<string | null>>([])
      const apply = yield* setup(
        (_session, _key, chunk) =>
          Effect.as(
            Deferred.await(release),
            chunk.map((m): StoredMessage => ({ ...m, media: { ...m.media!, status: "downloaded", storedName: "late.jpg" } }))
          ),
        (_key, dropped) => Ref.update(forgotten, (names) => [...names, ...dropped.map((m) => m.storedName)])
      )
      const pending = yield* apply.applied(9)
      yield* TestClock.adjust("10 seconds")
      expect(summary(yield* settleEvents(pending))).toEqual(["new_message:9"])
      // Past the deadline the deletion does not wait: the record it drops has no file yet.
      yield* apply.deleted(9)
      expect(yield* Ref.get(forgotten)).toEqual([null])
      yield* Deferred.succeed(release, undefined)
      expect(yield* Ref.get(forgotten).pipe(Effect.repeat({ until: (names) => names.length === 2 }))).toEqual([null, "late.jpg"])
    }))

  it.scoped("a resolution past its deadline gives its permit to the next change's; one still queued then never starts", () =>
    Effect.gen(function*() {
      const started = yield* Ref.make<ReadonlyArray<number>>([])
      const apply = yield* setup((_session, _key, chunk) =>
        Effect.zipRight(Ref.update(started, (ids) => [...ids, chunk[0]!.message.id]), Effect.never))
      for (const id of [10, 11, 12, 13]) yield* apply.applied(id)
      expect(yield* Ref.get(started).pipe(Effect.repeat({ until: (ids) => ids.length === LIVE_MEDIA_CONCURRENCY }))).toEqual([10, 11, 12])
      yield* TestClock.adjust("10 seconds")
      // 13's event has gone out without its media: its download is left to the next history request.
      yield* apply.applied(14)
      expect(yield* Ref.get(started).pipe(Effect.repeat({ until: (ids) => ids.length === 4 }))).toEqual([10, 11, 12, 14])
    }))

  it.effect("stopping does not wait for resolutions under way or queued for a permit", () =>
    Effect.gen(function*() {
      const scope = yield* Scope.make()
      const started = yield* Ref.make(0)
      const apply = yield* setup(() => Effect.zipRight(Ref.update(started, (n) => n + 1), Effect.never)).pipe(Scope.extend(scope))
      for (const id of [15, 16, 17, 18]) yield* apply.applied(id)
      // Three downloads hold the permits, the fourth waits for one.
      yield* Ref.get(started).pipe(Effect.repeat({ until: (n) => n === LIVE_MEDIA_CONCURRENCY }))
      const closing = yield* Effect.fork(Scope.close(scope, Exit.void))
      // The test clock stands still, so no wait runs out; the scope still closes (its files within real time).
      let closed = yield* Fiber.poll(closing)
      for (let i = 0; i < 500 && Option.isNone(closed); i++) {
        yield* Effect.promise(() => new Promise((resolve) => setTimeout(resolve, 10)))
        closed = yield* Fiber.poll(closing)
      }
      expect(Option.isSome(closed)).toBe(true)
    }))

  it.scoped("tells the message with media null when the resolution fails", () =>
    Effect.gen(function*() {
      const apply = yield* setup(() =>
        Effect.fail<HistoryMediaError>(new MediaIndexError({ operation: "put", cause: new Error("disk full") })))
      const event = told(yield* apply(3))
      expect([event["message_id"], event["media_type"], event["media_uuid"]]).toEqual([3, "MessageMediaPhoto", null])
    }))

  it.scoped("tells the media as resolved within the wait", () =>
    Effect.gen(function*() {
      const apply = yield* setup((_session, _key, chunk) =>
        Effect.succeed(chunk.map((m): StoredMessage => ({ ...m, media: { ...m.media!, status: "downloaded", storedName: "x.jpg" } }))))
      const event = told(yield* apply(4))
      expect(event["media_uuid"]).toEqual(expect.any(String))
      expect(event["media_size"]).toBe(1000)
    }))
})
