/**
 * Session files: what `load` answers after the file changes behind the
 * store's back (another process saving a login, tgsc-auth), now that it
 * remembers what it read.
 */
import * as fs from "node:fs/promises"
import * as os from "node:os"
import * as path from "node:path"
import { describe, expect, it } from "@effect/vitest"
import { Context, Effect, Layer, Option } from "effect"
import { SessionFilesLive, sessionFilePath } from "../../../src/adapters/fs/SessionFiles.js"
import type { SessionName } from "../../../src/domain/SessionName.js"
import { SessionStore } from "../../../src/ports/SessionStore.js"

const tempDir = Effect.acquireRelease(
  Effect.promise(() => fs.mkdtemp(path.join(os.tmpdir(), "tgsc-sessions-"))),
  (dir) => Effect.promise(() => fs.rm(dir, { recursive: true, force: true }))
)

const storeIn = (dir: string) => Effect.map(Layer.build(SessionFilesLive(dir)), (context) => Context.get(context, SessionStore))

const alice = "alice" as SessionName

describe("SessionFilesLive", () => {
  it.scoped("load sees every change to the file, whoever made it", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const store = yield* storeIn(dir)
      const other = yield* storeIn(dir)
      expect(yield* store.load(alice)).toEqual(Option.none())
      yield* store.save(alice, "first")
      expect(yield* store.load(alice)).toEqual(Option.some("first"))
      expect(yield* store.load(alice)).toEqual(Option.some("first"))
      // Saved anew by another store (as tgsc-auth, in its own process, does): a new file renamed into place.
      yield* other.save(alice, "second")
      expect(yield* store.load(alice)).toEqual(Option.some("second"))
      // Rewritten in place (same file).
      yield* Effect.promise(() => fs.writeFile(sessionFilePath(dir, alice), "the third"))
      expect(yield* store.load(alice)).toEqual(Option.some("the third"))
      yield* other.remove(alice)
      expect(yield* store.load(alice)).toEqual(Option.none())
      yield* other.save(alice, "fifth")
      expect(yield* store.load(alice)).toEqual(Option.some("fifth"))
    }))
})
