/**
 * Runs once at start, while the data-directory lock is held: tightens what
 * an earlier release (or a copy, or an unzip) left readable by others, and
 * removes the temporary files of writes a crash interrupted.
 */
import type * as nodeFs from "node:fs"
import * as fs from "node:fs/promises"
import * as nodePath from "node:path"
import { Effect } from "effect"
import { DataDirUnusable, LOCK_FILE } from "./DataDirLock.js"
import { SERVER_FILE } from "./ServerAddressFile.js"
import { TOKENS_FILE, TOKENS_LOCK_FILE } from "./TokensFile.js"
import { makePrivateDir } from "./PrivateFiles.js"

/**
 * A temporary file of an interrupted write: AtomicFile's
 * `.{name}.{pid}.{random}.tmp` and MediaFiles' `.{uuid}{ext}.{random}.part`.
 * Both are hidden; a finished media file is `{uuid}{ext}` and never starts
 * with a dot, even when its extension is `.part` or `.tmp`.
 */
export const isStaleTempFile = (name: string): boolean => /^\..+\.(tmp|part)$/.test(name)

export interface TidyReport {
  /** Paths whose group or other permission bits were removed. */
  readonly tightened: number
  /** Stale temporary files removed. */
  readonly removed: number
  /** Paths that could not be tightened or removed, with the reason. */
  readonly failures: ReadonlyArray<string>
}

/**
 * What tgsc keeps at the top of the data directory (TgscLive's dataLayout,
 * the lock and its SQLite journal); only these are walked. Anything else
 * someone put there is left as it is (the directory itself being 0700 keeps
 * it private), so a data directory pointed at a busy place by mistake does
 * not get all of it rewritten.
 */
const OWN_ENTRIES: ReadonlySet<string> = new Set([
  "settings.yaml",
  TOKENS_FILE,
  TOKENS_LOCK_FILE,
  `${TOKENS_LOCK_FILE}-journal`,
  "sessions",
  "accounts",
  LOCK_FILE,
  `${LOCK_FILE}-journal`,
  SERVER_FILE
])

/** At the top, only the temporary files of tgsc's own (settings.yaml's, tokens.yaml's) writes are stale. */
const isOwnStaleTempFile = (name: string) => isStaleTempFile(name) && [...OWN_ENTRIES].some((own) => name.startsWith(`.${own}.`))

const isGone = (error: unknown) => {
  const code = (error as NodeJS.ErrnoException | null)?.code
  return code === "ENOENT" || code === "ENOTDIR"
}

/**
 * Walks `dataDir` (created 0700 when missing) and tgsc's own entries in it:
 * every directory and file loses its group and other permission bits, stale
 * temporary files are removed. Symbolic links are neither followed nor
 * changed, so nothing outside the directory is touched; `dataDir` itself may
 * be a link. A data directory every user may write to (sticky, like /tmp) is
 * not changed, only reported: it is not tgsc's to close.
 */
export const tidyDataDirNow = async (dataDir: string): Promise<TidyReport> => {
  let tightened = 0
  let removed = 0
  const failures: Array<string> = []
  const tighten = async (path: string, stats: nodeFs.Stats) => {
    if ((stats.mode & 0o077) === 0) return
    try {
      await fs.chmod(path, stats.mode & 0o7700)
      tightened++
    } catch (error) {
      if (!isGone(error)) failures.push(`${path}: ${(error as Error).message}`)
    }
  }
  const visit = async (dir: string, top = false): Promise<void> => {
    let entries: Array<nodeFs.Dirent>
    try {
      entries = await fs.readdir(dir, { withFileTypes: true })
    } catch (error) {
      if (!isGone(error)) failures.push(`${dir}: ${(error as Error).message}`)
      return
    }
    await Promise.all(entries.map(async (entry) => {
      const path = nodePath.join(dir, entry.name)
      if (entry.isSymbolicLink()) return
      if (top && !OWN_ENTRIES.has(entry.name) && !(entry.isFile() && isOwnStaleTempFile(entry.name))) return
      if (entry.isFile() && isStaleTempFile(entry.name)) {
        try {
          await fs.rm(path, { force: true })
          removed++
        } catch (error) {
          failures.push(`${path}: ${(error as Error).message}`)
        }
        return
      }
      let stats: nodeFs.Stats
      try {
        stats = await fs.lstat(path)
      } catch (error) {
        if (!isGone(error)) failures.push(`${path}: ${(error as Error).message}`)
        return
      }
      await tighten(path, stats)
      if (stats.isDirectory()) await visit(path)
    }))
  }
  await makePrivateDir(dataDir)
  const root = await fs.stat(dataDir)
  if ((root.mode & 0o1002) === 0o1002) {
    failures.push(`${dataDir}: every user may write to it (like /tmp): give tgsc a directory of its own`)
  } else {
    await tighten(dataDir, root)
  }
  await visit(dataDir, true)
  return { tightened, removed, failures }
}

/** `tidyDataDirNow`, with one log line for what it tightened, one for what it removed, one for what it could not do. */
export const tidyDataDir = (dataDir: string): Effect.Effect<TidyReport, DataDirUnusable> =>
  Effect.tryPromise({
    try: () => tidyDataDirNow(dataDir),
    catch: (cause) => new DataDirUnusable({ dataDir, cause })
  }).pipe(
    Effect.tap((report) =>
      Effect.all([
        report.tightened === 0 ? Effect.void : Effect.logInfo(
          `data directory: tightened the permissions of ${report.tightened} paths to owner-only ` +
            "(directories 0700, files 0600)"
        ),
        report.removed === 0 ? Effect.void : Effect.logInfo(
          `data directory: removed ${report.removed} stale temporary files (.tmp, .part) left by interrupted writes`
        ),
        report.failures.length === 0 ? Effect.void : Effect.logWarning(
          `data directory: could not tighten or clean ${report.failures.length} paths ` +
            `(first: ${report.failures[0]}); fix their owner or permissions by hand`
        )
      ], { discard: true })
    )
  )
