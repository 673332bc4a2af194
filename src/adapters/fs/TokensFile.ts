/**
 * TokenStore as `{data_dir}/tokens.yaml`: mode 0600 in a 0700 directory,
 * written atomically (AtomicFile), holding token hashes only.
 *
 * Read when first asked, and again whenever the file changes: each read of
 * `current` costs one stat, and a file replaced by another process (an
 * atomic write renames a new inode into place) is read anew, so a token
 * created or revoked by `tgsc-auth token` counts from the next request on.
 * A file that does not read as tokens (not YAML, or a field that fails the
 * strict reading in domain/NamedToken.ts) fails every read, with the path
 * and the problem, until it is fixed: it never reads as fewer restrictions.
 *
 * Updates (tgsc-auth's) hold an exclusive SQLite lock on
 * `{data_dir}/.tokens.yaml.lock` from reading to renaming, so two commands
 * run at once cannot lose each other's change (a revocation undone by a
 * creation that read the file before it). The operating system releases
 * the lock when the process ends, however it ends.
 */
import type * as nodeFs from "node:fs"
import * as fs from "node:fs/promises"
import * as nodePath from "node:path"
import Database from "better-sqlite3"
import { Duration, Effect, Either, Layer, Schedule } from "effect"
import YAML from "yaml"
import { decodeTokensDocument, type NamedToken, tokensDocument } from "../../domain/NamedToken.js"
import { TokensFileInvalid, TokenStore, TokenStoreFailed, type TokenStoreService } from "../../ports/TokenStore.js"
import { writeFileAtomic } from "./AtomicFile.js"
import { makePrivateDirSync, PRIVATE_FILE_MODE, touchPrivateFileSync } from "./PrivateFiles.js"

export const TOKENS_FILE = "tokens.yaml"
export const TOKENS_LOCK_FILE = ".tokens.yaml.lock"

/** How long an update waits for another one to finish. */
const LOCK_WAIT = Duration.seconds(10)

const HEADER = "# tgsc named API tokens, managed by `tgsc-auth token create|list|revoke`.\n" +
  "# Only each token's SHA-256 is kept: a token is shown once, when it is created.\n"

export const renderTokens = (tokens: ReadonlyArray<NamedToken>): string => HEADER + YAML.stringify(tokensDocument(tokens))

const isMissing = (error: unknown) => (error as NodeJS.ErrnoException | undefined)?.code === "ENOENT"

const isBusy = (error: unknown) => {
  const code = (error as { code?: unknown } | null)?.code
  return code === "SQLITE_BUSY" || code === "SQLITE_LOCKED"
}

const stampOf = (stats: nodeFs.BigIntStats) => `${stats.dev}:${stats.ino}:${stats.size}:${stats.mtimeNs}:${stats.ctimeNs}`

const ABSENT = "absent"

type Reading = Either.Either<ReadonlyArray<NamedToken>, TokensFileInvalid>

export const makeTokensFile = (path: string): TokenStoreService => {
  const lockPath = nodePath.join(nodePath.dirname(path), TOKENS_LOCK_FILE)
  let last: { readonly stamp: string; readonly reading: Reading } | undefined

  const parse = (text: string): Reading => {
    let doc: unknown
    try {
      doc = YAML.parse(text)
    } catch (cause) {
      const reason = cause instanceof Error ? cause.message.split("\n")[0] : String(cause)
      return Either.left(new TokensFileInvalid({ path, problem: `not valid YAML (${reason})` }))
    }
    return Either.mapLeft(decodeTokensDocument(doc), (problem) => new TokensFileInvalid({ path, problem }))
  }

  /** The file's content and the stamp of what was read (from the same open file, so they agree). */
  const readNow = async (): Promise<{ readonly stamp: string; readonly reading: Reading }> => {
    let handle: fs.FileHandle
    try {
      handle = await fs.open(path, "r")
    } catch (error) {
      if (isMissing(error)) return { stamp: ABSENT, reading: Either.right([]) }
      throw error
    }
    try {
      const stats = await handle.stat({ bigint: true })
      return { stamp: stampOf(stats), reading: parse(await handle.readFile("utf8")) }
    } finally {
      await handle.close()
    }
  }

  const fromReading = (reading: Reading) => Either.isRight(reading) ? Effect.succeed(reading.right) : Effect.fail(reading.left)

  const current = Effect.tryPromise({
    try: async () => {
      const stamp = await fs.stat(path, { bigint: true }).then(stampOf, (error) => {
        if (isMissing(error)) return ABSENT
        throw error
      })
      if (last === undefined || last.stamp !== stamp) last = await readNow()
      return last.reading
    },
    catch: (cause) => new TokenStoreFailed({ operation: `read ${path}`, cause })
  }).pipe(Effect.flatMap(fromReading))

  /** One attempt, never waiting (a wait inside SQLite would block this thread, and with it the holder if it is this process). */
  const tryLock = Effect.try({
    try: () => {
      makePrivateDirSync(nodePath.dirname(path))
      touchPrivateFileSync(lockPath)
      const db = new Database(lockPath, { timeout: 0 })
      try {
        db.exec("BEGIN EXCLUSIVE")
        return db
      } catch (error) {
        db.close()
        throw error
      }
    },
    catch: (cause) => (isBusy(cause) ? "busy" as const : new TokenStoreFailed({ operation: `lock ${lockPath}`, cause }))
  })

  const lock = tryLock.pipe(
    Effect.retry({ while: (e) => e === "busy", schedule: Schedule.spaced(Duration.millis(20)).pipe(Schedule.upTo(LOCK_WAIT)) }),
    Effect.mapError((e) =>
      e === "busy"
        ? new TokenStoreFailed({ operation: `lock ${lockPath}`, cause: `another token command held it for ${Duration.format(LOCK_WAIT)}` })
        : e
    )
  )

  const unlock = (db: Database.Database) =>
    Effect.sync(() => {
      try {
        db.exec("ROLLBACK")
      } finally {
        db.close()
      }
    })

  const update: TokenStoreService["update"] = (change) =>
    Effect.acquireUseRelease(
      lock,
      () =>
        Effect.gen(function*() {
          const fresh = yield* Effect.tryPromise({
            try: readNow,
            catch: (cause) => new TokenStoreFailed({ operation: `read ${path}`, cause })
          })
          const tokens = yield* fromReading(fresh.reading)
          const [next, result] = yield* change(tokens)
          yield* Effect.tryPromise({
            try: () => writeFileAtomic(path, renderTokens(next), { mode: PRIVATE_FILE_MODE }),
            catch: (cause) => new TokenStoreFailed({ operation: `write ${path}`, cause })
          })
          last = undefined
          return result
        }),
      unlock
    )

  return { current, update }
}

/** The store in the file at `path` (nothing is read until it is asked for). */
export const TokensFileLive = (path: string) => Layer.sync(TokenStore, () => makeTokensFile(path))
