/**
 * What a data directory holds, with modes: for tests that everything in it
 * is private to its owner, and that writes a crash interrupted are cleaned.
 */
import * as fs from "node:fs"
import * as path from "node:path"

export interface Entry {
  /** Relative to the data directory; "." for itself. */
  readonly path: string
  readonly kind: "dir" | "file" | "symlink" | "other"
  /** Permission bits, e.g. 0o600. */
  readonly mode: number
}

/** Every path under `dataDir` (itself included), links not followed. */
export const walkDataDir = (dataDir: string): Array<Entry> => {
  const entries: Array<Entry> = []
  const visit = (absolute: string) => {
    const stats = fs.lstatSync(absolute)
    const kind = stats.isSymbolicLink() ? "symlink" : stats.isDirectory() ? "dir" : stats.isFile() ? "file" : "other"
    entries.push({ path: path.relative(dataDir, absolute) || ".", kind, mode: stats.mode & 0o7777 })
    if (kind === "dir") for (const name of fs.readdirSync(absolute).sort()) visit(path.join(absolute, name))
  }
  visit(dataDir)
  return entries
}

/** The paths group or others may read, write or enter, as `path 0644`: none is the goal. */
export const notPrivate = (dataDir: string): Array<string> =>
  walkDataDir(dataDir)
    .filter((e) => e.kind !== "symlink" && (e.mode & 0o077) !== 0)
    .map((e) => `${e.path} ${e.mode.toString(8).padStart(4, "0")}`)

/** Runs `body` with the process umask set to `mask`, restoring it after. */
export const withUmask = async <A>(mask: number, body: () => Promise<A>): Promise<A> => {
  const before = process.umask(mask)
  try {
    return await body()
  } finally {
    process.umask(before)
  }
}
