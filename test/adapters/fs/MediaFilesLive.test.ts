/** Media bytes on disk: atomic writes, ranges, and cleanup of failed downloads. */
import * as fs from "node:fs/promises"
import * as os from "node:os"
import * as path from "node:path"
import { describe, expect, it } from "@effect/vitest"
import { Chunk, Effect, Option, Stream } from "effect"
import { extensionFor, MediaFilesLive } from "../../../src/adapters/fs/MediaFilesLive.js"
import { MediaFiles } from "../../../src/ports/MediaFiles.js"
import { AccountId, DialogId } from "../../../src/domain/Ids.js"

const tempDir = Effect.acquireRelease(
  Effect.promise(() => fs.mkdtemp(path.join(os.tmpdir(), "tgsc-media-"))),
  (dir) => Effect.promise(() => fs.rm(dir, { recursive: true, force: true }))
)

const bytes = (n: number, seed = 1) => Uint8Array.from({ length: n }, (_, i) => (i * 31 + seed) % 251)
const chunked = (data: Uint8Array, size: number) =>
  Stream.fromIterable(Array.from({ length: Math.ceil(data.length / size) }, (_, i) => data.subarray(i * size, (i + 1) * size)))

const collect = <E>(s: Stream.Stream<Uint8Array, E>) =>
  Effect.map(Stream.runCollect(s), (c) => Buffer.concat(Chunk.toArray(c)))

const file = { accountId: AccountId(1001), dialogId: DialogId(-1001234567890), uuid: "u-1", mimeType: "image/jpeg", fileName: null, expectedSize: 10_000 }

describe("MediaFilesLive", () => {
  it.scoped("writes {accounts}/{account}/dialogs/{dialog}/media/{uuid}{ext} and reads whole files and ranges", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      yield* Effect.gen(function*() {
        const media = yield* MediaFiles
        const data = bytes(10_000)
        const { ref, size } = yield* media.write(file, chunked(data, 4096))
        expect(size).toBe(10_000)
        expect(media.absolutePath(ref)).toBe(path.join(dir, "1001", "dialogs", "-1001234567890", "media", "u-1.jpg"))
        expect(yield* media.size(ref)).toEqual(Option.some(10_000))
        expect(Buffer.compare(yield* collect(media.read(ref)), Buffer.from(data))).toBe(0)
        const part = yield* collect(media.read(ref, { start: 100, end: 199 }))
        expect(Buffer.compare(part, Buffer.from(data.subarray(100, 200)))).toBe(0)
        expect(yield* Effect.promise(() => fs.readdir(path.dirname(media.absolutePath(ref))))).toEqual(["u-1.jpg"])
        yield* media.remove(ref)
        expect(yield* media.size(ref)).toEqual(Option.none())
      }).pipe(Effect.provide(MediaFilesLive({ accountsDir: dir })))
    }))

  it.scoped("a failing download leaves no file, neither final nor temporary", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      yield* Effect.gen(function*() {
        const media = yield* MediaFiles
        const failing = Stream.concat(chunked(bytes(5000), 1000), Stream.fail("connection lost" as const))
        const result = yield* Effect.either(media.write(file, failing))
        expect(result).toMatchObject({ _tag: "Left", left: "connection lost" })
        const short = yield* Effect.either(media.write(file, chunked(bytes(5000), 1000)))
        expect(short._tag).toBe("Left")
        const mediaDir = path.join(dir, "1001", "dialogs", "-1001234567890", "media")
        expect(yield* Effect.promise(() => fs.readdir(mediaDir))).toEqual([])
      }).pipe(Effect.provide(MediaFilesLive({ accountsDir: dir })))
    }))

  it("extensions: a plain original one, else one for the MIME type, else none", () => {
    expect(extensionFor("application/pdf", "Report.PDF")).toBe(".pdf")
    expect(extensionFor("image/jpeg", null)).toBe(".jpg")
    expect(extensionFor("application/x-unknown", "weird name.with spaces!")).toBe("")
    expect(extensionFor(null, "../../etc/passwd")).toBe("")
  })
})
