/**
 * LiveApply's media wait, over the real SQLite cache: a new message's media
 * that is not resolved within the wait, or whose resolution fails, is told
 * with media null (its media_type kept), and a resolution still under way
 * goes on. (Resolved media: test/app/LiveUpdates.test.ts.)
 */
import * as fs from "node:fs/promises"
import * as os from "node:os"
import * as path from "node:path"
import { describe, expect, it } from "@effect/vitest"
import { Context, Deferred, Effect, Fiber, Layer, Ref, TestClock } from "effect"
import { MessageStoreLive } from "../../src/adapters/sqlite/MessageStoreLive.js"
import type { HistoryMedia, HistoryMediaError } from "../../src/app/HistoryMedia.js"
import { makeLiveApply } from "../../src/app/LiveApply.js"
import { AccountId, DialogId } from "../../src/domain/Ids.js"
import type { SessionName } from "../../src/domain/SessionName.js"
import { MediaIndexError } from "../../src/ports/MediaIndex.js"
import { MessageStore, type StoredMessage } from "../../src/ports/MessageStore.js"
import { message, photo } from "../adapters/sqlite/MessageFixtures.js"

const CHANNEL = DialogId(-1001234567890)
const ACCOUNT = AccountId(1001)
const T = 1_700_000_000

/** A cached channel, and LiveApply over `prepare` as the media resolution (waiting 10 seconds). */
const setup = (prepare: HistoryMedia["prepare"]) =>
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
    const media: HistoryMedia = { prepare, discard: () => Effect.void }
    const live = yield* Effect.provide(makeLiveApply(media, "10 seconds"), context)
    const { apply } = live.forSession("alice" as SessionName)
    return (id: number) =>
      Effect.provide(apply(ACCOUNT, { _tag: "NewMessage", dialogId: CHANNEL, message: message(id, T, { media: photo(`p${id}`) }) }, "chain"), context)
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
