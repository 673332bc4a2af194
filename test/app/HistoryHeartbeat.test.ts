/** HistorySync's heartbeat: an event whenever nothing else went out for the given time, only when asked for. */
import * as fs from "node:fs/promises"
import * as os from "node:os"
import * as path from "node:path"
import { describe, expect, it } from "@effect/vitest"
import { Chunk, Context, Deferred, Effect, Fiber, Layer, Stream, TestClock } from "effect"
import { MediaFilesLive } from "../../src/adapters/fs/MediaFilesLive.js"
import { MediaIndexLive } from "../../src/adapters/sqlite/MediaIndexLive.js"
import { MessageStoreLive } from "../../src/adapters/sqlite/MessageStoreLive.js"
import { type HistoryRequest, HistorySync, HistorySyncLive } from "../../src/app/HistorySync.js"
import { defaultSettings } from "../../src/domain/Settings.js"
import { SettingsStore } from "../../src/ports/SettingsStore.js"
import { message } from "../adapters/sqlite/MessageFixtures.js"
import { TelegramFake } from "./HistoryTelegramFake.js"
import { DialogId } from "../../src/domain/Ids.js"
import { historyRequest } from "./HistorySyncSetup.js"

const DIALOG = DialogId(-1001234567890)
const JAN = Date.UTC(2024, 0, 1) / 1000

const history = (fake: TelegramFake) =>
  Effect.gen(function*() {
    const dir = yield* Effect.acquireRelease(
      Effect.promise(() => fs.mkdtemp(path.join(os.tmpdir(), "tgsc-heartbeat-"))),
      (dir) => Effect.promise(() => fs.rm(dir, { recursive: true, force: true }))
    )
    const ports = Layer.mergeAll(
      fake.layer(),
      MessageStoreLive({ accountsDir: dir }),
      MediaFilesLive({ accountsDir: dir }),
      MediaIndexLive({ accountsDir: dir }),
      Layer.succeed(SettingsStore, { get: Effect.succeed(defaultSettings), update: () => Effect.succeed(defaultSettings) })
    )
    const sync = Context.get(yield* Layer.build(HistorySyncLive.pipe(Layer.provide(ports))), HistorySync)
    // The test clock starts in 1970: "now" is a month after the messages.
    yield* TestClock.setTime(Date.UTC(2024, 1, 1))
    return (overrides: Partial<HistoryRequest>) =>
      sync.stream(historyRequest({ dialogId: DIALOG, ...overrides }))
  })

const tags = (events: Chunk.Chunk<{ readonly _tag: string }>) => Chunk.toArray(events).map((e) => e._tag)

describe("HistorySync heartbeat", () => {
  it.scoped("comes while Telegram is slow, once per period of silence, and never once the events flow", () =>
    Effect.gen(function*() {
      const fake = new TelegramFake()
      fake.set(DIALOG, Array.from({ length: 3 }, (_, k) => message(k + 1, JAN + k)))
      const gate = yield* Deferred.make<void>()
      fake.beforeHistory = (n) => (n === 0 ? Deferred.await(gate) : Effect.void)
      const stream = yield* history(fake)
      const running = yield* Effect.fork(Stream.runCollect(stream({ heartbeat: "1 second" })))
      yield* TestClock.adjust("3500 millis")
      yield* Deferred.succeed(gate, undefined)
      expect(tags(yield* Fiber.join(running))).toEqual(["Heartbeat", "Heartbeat", "Heartbeat", "Progress", "Progress", "Chunk"])
    }))

  it.scoped("is never sent unless asked for", () =>
    Effect.gen(function*() {
      const fake = new TelegramFake()
      fake.set(DIALOG, [message(1, JAN)])
      const gate = yield* Deferred.make<void>()
      fake.beforeHistory = () => Deferred.await(gate)
      const stream = yield* history(fake)
      const running = yield* Effect.fork(Stream.runCollect(stream({})))
      yield* TestClock.adjust("1 hour")
      yield* Deferred.succeed(gate, undefined)
      // A progress event per page: the short one, then the empty one that proves the history complete.
      expect(tags(yield* Fiber.join(running))).toEqual(["Progress", "Progress", "Chunk"])
    }))
})
