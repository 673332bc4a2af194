/**
 * TgscLive as a caller composes it through the package's entry point:
 * replacing one adapter with a test layer (the use cases run over it, the
 * other adapters stay the defaults), a replacement's own build error in the
 * layer's type and at run time, and the data-directory lock.
 */
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { describe, expect, it } from "@effect/vitest"
import { Chunk, Data, Effect, Exit, Layer, Stream } from "effect"
import {
  DialogId,
  HistorySync,
  type MediaIndex,
  MediaLookup,
  MediaNotDownloaded,
  MediaNotFound,
  sessionName,
  type TgscConfig,
  TgscLive,
  TelegramUnavailable
} from "../../src/index.js"
import { document, message, photo } from "../adapters/sqlite/MessageFixtures.js"
import { bytesOf, TelegramFake } from "../app/HistoryTelegramFake.js"

const DIALOG = DialogId(-1001234567890)
const JAN = Date.UTC(2024, 0, 1) / 1000
const alice = sessionName("alice").pipe(Effect.orDie)

const tempDataDir = Effect.acquireRelease(
  Effect.sync(() => fs.mkdtempSync(path.join(os.tmpdir(), "tgsc-library-layer-"))),
  (dir) => Effect.sync(() => fs.rmSync(dir, { recursive: true, force: true }))
)

/** The whole history as the use case streams it, chunks only. */
const historyOf = Effect.gen(function*() {
  const history = yield* HistorySync
  const events = yield* Stream.runCollect(history.stream({
    session: yield* alice,
    dialogId: DIALOG,
    startDate: null,
    endDate: null,
    chunkSize: 100,
    forceRefresh: false,
    reverse: false
  }))
  return Chunk.toArray(events).flatMap((e) => (e._tag === "Chunk" ? e.messages : []))
})

class IndexUnavailable extends Data.TaggedError("IndexUnavailable")<{ readonly reason: string }> {}

describe("TgscLive", () => {
  it.scopedLive("runs the use cases over a replacement Telegram gateway, with the default stores on disk", () =>
    Effect.gen(function*() {
      const dataDir = yield* tempDataDir
      const fake = new TelegramFake()
      const media = document("d1", { fileName: "notes.pdf", mimeType: "application/pdf", size: 5000 })
      const video = document("v4", { category: "videos", size: 7000, fileName: "clip.mp4", mimeType: "video/mp4" })
      fake.set(DIALOG, [
        message(1, JAN, { media: photo("p1", 3000) }),
        message(2, JAN + 60, { media }),
        message(3, JAN + 120),
        message(4, JAN + 180, { media: video })
      ])
      // No credentials: only the replacement can answer.
      const config: TgscConfig = { dataDir }

      const services = yield* Layer.build(TgscLive(config, { telegramGateway: fake.layer() }))
      const messages = yield* Effect.provide(historyOf, services)
      expect(messages.map((m) => m.message.id)).toEqual([1, 2, 3, 4])
      // The default settings: every type but videos.
      expect(messages.map((m) => m.media?.status ?? null)).toEqual(["downloaded", "downloaded", null, "skipped"])
      expect(fake.calls.length).toBeGreaterThan(0)

      // The default SQLite cache and media files took what the replacement gave.
      expect(fs.existsSync(path.join(dataDir, "accounts", "1001", "dialogs", String(DIALOG), `${DIALOG}.db`))).toBe(true)
      const lookup = yield* Effect.provide(MediaLookup, services)
      const file = yield* lookup.find(yield* alice, messages[1]!.media!.uuid)
      expect(file).toMatchObject({ size: 5000, mimeType: "application/pdf", originalFileName: "notes.pdf", messageId: 2 })
      const bytes = Buffer.concat(Chunk.toArray(yield* Stream.runCollect(file.read({ start: 0, end: 9 }))))
      expect(bytes).toEqual(Buffer.from(bytesOf(media.file!.locator).subarray(0, 10)))
      expect(fs.statSync(file.path).size).toBe(5000)
      // What MediaLookup says of a file it cannot give.
      expect(yield* Effect.flip(lookup.find(yield* alice, messages[3]!.media!.uuid))).toEqual(
        new MediaNotDownloaded({
          uuid: messages[3]!.media!.uuid,
          status: "skipped",
          reason: "download_file_types.videos is off",
          path: null
        })
      )
      expect(yield* Effect.flip(lookup.find(yield* alice, "no-such-uuid"))).toEqual(new MediaNotFound({ uuid: "no-such-uuid" }))
    }))

  it.scopedLive("without the replacement the same configuration reaches the GramJS adapter, which has no credentials", () =>
    Effect.gen(function*() {
      const dataDir = yield* tempDataDir
      const failure = yield* Effect.flip(Effect.provide(historyOf, TgscLive({ dataDir })))
      expect(failure).toBeInstanceOf(TelegramUnavailable)
      expect(failure).toMatchObject({ reason: expect.stringMatching(/credentials are not configured: give TgscConfig\.telegram/) })
    }))

  it.scopedLive("a replacement's build error is part of the layer's type and fails the build", () =>
    Effect.gen(function*() {
      const dataDir = yield* tempDataDir
      const broken: Layer.Layer<MediaIndex, IndexUnavailable> = Layer.fail(new IndexUnavailable({ reason: "disk gone" }))
      const layer = TgscLive({ dataDir }, { mediaIndex: broken })
      // Compile-time (npm run typecheck): the replacement's error is in the layer's error type, which
      // stays a union of known errors rather than widening to unknown.
      type Errors = Layer.Layer.Error<typeof layer>
      const includesReplacement: IndexUnavailable extends Errors ? true : false = true
      const staysPrecise: unknown extends Errors ? false : true = true
      expect([includesReplacement, staysPrecise]).toEqual([true, true])
      expect(yield* Effect.flip(Layer.build(layer))).toEqual(new IndexUnavailable({ reason: "disk gone" }))
    }))

  it.scopedLive("holds the data-directory lock while alive: a second TgscLive on the directory fails with DataDirLocked", () =>
    Effect.gen(function*() {
      const dataDir = yield* tempDataDir
      const first = yield* Effect.exit(Effect.scoped(Layer.build(TgscLive({ dataDir }))))
      expect(Exit.isSuccess(first)).toBe(true) // released with its scope

      yield* Layer.build(TgscLive({ dataDir }))
      const second = yield* Effect.flip(Effect.scoped(Layer.build(TgscLive({ dataDir }))))
      expect(second._tag).toBe("DataDirLocked")
      expect(second.message).toContain(`the data directory ${dataDir} is in use by another tgsc server or program`)
      // A caller that holds the lock itself opts out.
      const unlocked = yield* Effect.exit(Effect.scoped(Layer.build(TgscLive({ dataDir, lockDataDir: false }))))
      expect(Exit.isSuccess(unlocked)).toBe(true)
    }))
})
