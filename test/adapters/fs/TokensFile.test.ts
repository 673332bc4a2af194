/**
 * tokens.yaml: private (0600 in a 0700 directory, whatever the umask),
 * holding hashes only, read again whenever it changes (whoever changed it),
 * updated without losing a concurrent update, and refused, path and
 * problem named, when it does not read as tokens.
 */
import * as fs from "node:fs/promises"
import * as os from "node:os"
import * as path from "node:path"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Exit, Layer, Option, Redacted } from "effect"
import { makeTokensFile, TOKENS_FILE, TOKENS_LOCK_FILE } from "../../../src/adapters/fs/TokensFile.js"
import { ApiTokens } from "../../../src/app/ApiTokens.js"
import type { TokenName } from "../../../src/domain/NamedToken.js"
import type { SessionName } from "../../../src/domain/SessionName.js"
import { TokenStore } from "../../../src/ports/TokenStore.js"
import { notPrivate, withUmask } from "../../support/DataDirModes.js"

const tempDir = Effect.acquireRelease(
  Effect.promise(() => fs.mkdtemp(path.join(os.tmpdir(), "tgsc-tokens-"))),
  (dir) => Effect.promise(() => fs.rm(dir, { recursive: true, force: true }))
)

const name = (n: string) => n as TokenName
const me = "me" as SessionName

/** ApiTokens over a store of its own on `file`, as each process has its own. */
const tokensOn = (file: string) =>
  Effect.provide(ApiTokens, ApiTokens.Default.pipe(Layer.provide(Layer.succeed(TokenStore, makeTokensFile(file)))))

const create = (file: string, token: string, scopes: "all" | ReadonlyArray<string> = "all") =>
  Effect.flatMap(tokensOn(file), (tokens) =>
    tokens.create({
      name: name(token),
      sessions: [me],
      scopes: scopes === "all" ? "all" : scopes.map((s) => ({ _tag: "Dialog", dialogId: Number(s) })) as never
    }))

describe("TokensFile", () => {
  it.scoped("is created 0600 in a 0700 directory whatever the umask, and holds hashes only", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const dataDir = path.join(dir, "data")
      const file = path.join(dataDir, TOKENS_FILE)
      const created = yield* Effect.promise(() => withUmask(0o000, () => Effect.runPromise(create(file, "agent", ["-1001"]))))
      const plain = Redacted.value(created.token)
      expect(plain).toMatch(/^tgsc_[A-Za-z0-9_-]{43}$/)
      expect(notPrivate(dataDir)).toEqual([])
      expect((yield* Effect.promise(() => fs.stat(file))).mode & 0o777).toBe(0o600)
      const text = yield* Effect.promise(() => fs.readFile(file, "utf8"))
      expect(text).not.toContain(plain)
      expect(text).not.toContain(plain.slice(5))
      expect(text).toContain(created.record.sha256)
      expect(text).toMatch(/sessions:\n\s+- me\n\s+scopes:\n\s+- dialog:-1001\n/)
      // No temporary file or lock journal is left beside it.
      expect((yield* Effect.promise(() => fs.readdir(dataDir))).sort()).toEqual([TOKENS_LOCK_FILE, TOKENS_FILE].sort())
    }))

  it.scoped("is read again whenever it changes, whoever changed it", () =>
    Effect.gen(function*() {
      const file = path.join(yield* tempDir, TOKENS_FILE)
      const server = makeTokensFile(file)
      expect(yield* server.current).toEqual([])
      const { record, token } = yield* create(file, "agent")
      expect((yield* server.current).map((t) => t.name)).toEqual(["agent"])
      const serverTokens = yield* Effect.provide(ApiTokens, ApiTokens.Default.pipe(Layer.provide(Layer.succeed(TokenStore, server))))
      expect(Option.map(yield* serverTokens.authenticate(Redacted.value(token)), (t) => t.name)).toEqual(Option.some("agent"))
      // Revoked by another process's store: refused at once.
      yield* Effect.flatMap(tokensOn(file), (other) => other.revoke(name("agent")))
      expect(yield* serverTokens.authenticate(Redacted.value(token))).toEqual(Option.none())
      // Rewritten in place by hand (same inode): seen too.
      const text = `tokens:\n  - name: hand\n    sha256: ${record.sha256}\n    sessions: [me]\n    scopes: all\n    created: ${record.created}\n`
      yield* Effect.promise(() => fs.writeFile(file, text))
      expect(Option.map(yield* serverTokens.authenticate(Redacted.value(token)), (t) => t.name)).toEqual(Option.some("hand"))
      yield* Effect.promise(() => fs.rm(file))
      expect(yield* server.current).toEqual([])
    }))

  it.scoped("refuses a file that does not read as tokens, naming it, until it is fixed; updates leave it alone", () =>
    Effect.gen(function*() {
      const file = path.join(yield* tempDir, TOKENS_FILE)
      const store = makeTokensFile(file)
      for (const [text, problem] of [
        ["tokens: [\n", /^Invalid tokens file .*tokens\.yaml: not valid YAML/],
        ["tokens:\n  - name: agent\n    scope: all\n", /^Invalid tokens file .*tokens\.yaml: tokens\.0\.scope: unknown field/],
        ["tokens:\n  - name: agent\n    name: twice\n", /^Invalid tokens file .*: not valid YAML \(Map keys must be unique/]
      ] as const) {
        yield* Effect.promise(() => fs.writeFile(file, text, { mode: 0o600 }))
        const read = yield* Effect.exit(store.current)
        expect(Exit.isFailure(read) && read.cause._tag === "Fail" && read.cause.error.message).toMatch(problem)
        const created = yield* Effect.exit(create(file, "agent"))
        expect(Exit.isFailure(created) && created.cause._tag === "Fail" && created.cause.error._tag).toBe("TokensFileInvalid")
        expect(yield* Effect.promise(() => fs.readFile(file, "utf8"))).toBe(text)
      }
      yield* Effect.promise(() => fs.writeFile(file, "# no tokens yet\n"))
      expect(yield* store.current).toEqual([])
    }))

  it.scopedLive("loses no update when several run at once, each with a store of its own", () =>
    Effect.gen(function*() {
      const file = path.join(yield* tempDir, TOKENS_FILE)
      const names = Array.from({ length: 12 }, (_, i) => `agent-${i}`)
      yield* Effect.forEach(names, (n) => create(file, n), { concurrency: "unbounded", discard: true })
      expect((yield* makeTokensFile(file).current).map((t) => t.name).sort()).toEqual([...names].sort())
      yield* Effect.forEach(names.slice(0, 6), (n) => Effect.flatMap(tokensOn(file), (t) => t.revoke(name(n))), {
        concurrency: "unbounded",
        discard: true
      })
      expect((yield* makeTokensFile(file).current).map((t) => t.name).sort()).toEqual(names.slice(6).sort())
    }))
})
