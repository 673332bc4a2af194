/** The per-account media index on real SQLite files. */
import * as fs from "node:fs/promises"
import * as os from "node:os"
import * as path from "node:path"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Option } from "effect"
import { MediaIndexLive } from "../../../src/adapters/sqlite/MediaIndexLive.js"
import { MediaIndex, type MediaIndexEntry } from "../../../src/ports/MediaIndex.js"
import { AccountId, DialogId, MessageId } from "../../../src/domain/Ids.js"

const tempDir = Effect.acquireRelease(
  Effect.promise(() => fs.mkdtemp(path.join(os.tmpdir(), "tgsc-index-"))),
  (dir) => Effect.promise(() => fs.rm(dir, { recursive: true, force: true }))
)

const entry: MediaIndexEntry = {
  uuid: "a1b2c3d4-e5f6-7890-abcd-ef1234567890",
  dialogId: DialogId(-1001234567890),
  messageId: MessageId(7),
  storedName: null,
  mimeType: "application/pdf",
  originalFileName: "report.pdf",
  size: 48213,
  status: "pending",
  reason: null
}

describe("MediaIndexLive", () => {
  it.scoped("puts, updates, finds and removes entries in {accounts}/{account}/media-index.db", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      yield* Effect.gen(function*() {
        const index = yield* MediaIndex
        expect(yield* index.get(AccountId(1001), entry.uuid)).toEqual(Option.none())
        yield* index.put(AccountId(1001), entry)
        expect(yield* index.get(AccountId(1001), entry.uuid)).toEqual(Option.some(entry))
        const downloaded = { ...entry, status: "downloaded" as const, storedName: `${entry.uuid}.pdf` }
        yield* index.put(AccountId(1001), downloaded)
        expect(yield* index.get(AccountId(1001), entry.uuid)).toEqual(Option.some(downloaded))
        yield* index.remove(AccountId(1001), [entry.uuid])
        expect(yield* index.get(AccountId(1001), entry.uuid)).toEqual(Option.none())
      }).pipe(Effect.provide(MediaIndexLive({ accountsDir: dir })))
      yield* Effect.promise(() => fs.access(path.join(dir, "1001", "media-index.db")))
    }))

  it.scoped("another account never sees an entry", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      yield* Effect.gen(function*() {
        const index = yield* MediaIndex
        yield* index.put(AccountId(1001), entry)
        expect(yield* index.get(AccountId(2002), entry.uuid)).toEqual(Option.none())
        expect(Option.isSome(yield* index.get(AccountId(1001), entry.uuid))).toBe(true)
      }).pipe(Effect.provide(MediaIndexLive({ accountsDir: dir })))
    }))
})
