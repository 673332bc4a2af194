/**
 * One tgsc process per data directory. Two processes on one session make
 * Telegram drop both (and two writers on one cache would race), so the
 * server, like any program using TgscLive, holds an exclusive SQLite lock on
 * `{data_dir}/.tgsc.lock` for its lifetime. The operating system releases it
 * when the process dies, however it dies: no stale lock file to clean up
 * after a crash or SIGKILL.
 */
import * as nodePath from "node:path"
import Database from "better-sqlite3"
import { Data, Effect, type Scope } from "effect"
import { makePrivateDirSync, touchPrivateFileSync } from "./PrivateFiles.js"

export class DataDirLocked extends Data.TaggedError("DataDirLocked")<{
  readonly dataDir: string
}> {
  override get message() {
    return `the data directory ${this.dataDir} is in use by another tgsc server or program: stop it first, or give this one another data directory (--data-dir)`
  }
}

export class DataDirUnusable extends Data.TaggedError("DataDirUnusable")<{
  readonly dataDir: string
  readonly cause: unknown
}> {
  override get message() {
    const reason = this.cause instanceof Error ? this.cause.message : String(this.cause)
    return `cannot use the data directory ${this.dataDir}: ${reason}`
  }
}

export const LOCK_FILE = ".tgsc.lock"

const isBusy = (error: unknown) => {
  const code = (error as { code?: unknown } | null)?.code
  return code === "SQLITE_BUSY" || code === "SQLITE_LOCKED"
}

/** Acquires the lock for the scope's lifetime; fails with DataDirLocked when another process holds it. */
export const lockDataDir = (dataDir: string): Effect.Effect<void, DataDirLocked | DataDirUnusable, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.try({
      try: () => {
        makePrivateDirSync(dataDir)
        const lockFile = nodePath.join(dataDir, LOCK_FILE)
        touchPrivateFileSync(lockFile) // 0600, and so is its journal
        const db = new Database(lockFile, { timeout: 0 })
        try {
          db.pragma("locking_mode = EXCLUSIVE")
          db.exec("CREATE TABLE IF NOT EXISTS holder (pid INTEGER, started TEXT)")
          // Writing takes the exclusive lock; in EXCLUSIVE locking mode it is kept after commit.
          db.transaction(() => {
            db.exec("DELETE FROM holder")
            db.prepare("INSERT INTO holder (pid, started) VALUES (?, ?)").run(process.pid, new Date().toISOString())
          })()
          return db
        } catch (error) {
          db.close()
          throw error
        }
      },
      catch: (cause) => (isBusy(cause) ? new DataDirLocked({ dataDir }) : new DataDirUnusable({ dataDir, cause }))
    }),
    (db) => Effect.sync(() => db.close())
  ).pipe(Effect.asVoid)
