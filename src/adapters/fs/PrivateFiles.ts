/**
 * The data directory holds a person's whole Telegram history (and the
 * sessions that open it), so everything in it is private to its owner:
 * directories 0700, files 0600, whatever the process umask. Every adapter
 * that creates something under it goes through these helpers (or passes the
 * same modes itself); SQLite creates a database's -wal, -shm and -journal
 * files with the mode of the database file, so creating that file first is
 * enough. DataDirTidy tightens, at start, what was made before.
 */
import * as nodeFs from "node:fs"
import * as fs from "node:fs/promises"

export const PRIVATE_DIR_MODE = 0o700
export const PRIVATE_FILE_MODE = 0o600

/** Creates `dir` and any missing parent, each 0700 (before the umask, which can only narrow it). */
export const makePrivateDir = (dir: string): Promise<string | undefined> =>
  fs.mkdir(dir, { recursive: true, mode: PRIVATE_DIR_MODE })

export const makePrivateDirSync = (dir: string): void => {
  nodeFs.mkdirSync(dir, { recursive: true, mode: PRIVATE_DIR_MODE })
}

/** Creates `file` empty with mode 0600 when it does not exist yet; an existing file is left as it is. */
export const touchPrivateFile = async (file: string): Promise<void> => {
  const handle = await fs.open(file, "a", PRIVATE_FILE_MODE)
  await handle.close()
}

export const touchPrivateFileSync = (file: string): void => {
  nodeFs.closeSync(nodeFs.openSync(file, "a", PRIVATE_FILE_MODE))
}
