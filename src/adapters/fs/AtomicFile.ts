/**
 * Writes that never leave a half-written file under the final name: data goes
 * to a temporary sibling, is flushed, then renamed over the target. Files are
 * 0600 unless told otherwise, a missing directory 0700 (PrivateFiles).
 */
import { randomBytes } from "node:crypto"
import * as fs from "node:fs/promises"
import * as path from "node:path"
import { makePrivateDir, PRIVATE_FILE_MODE } from "./PrivateFiles.js"

export const writeFileAtomic = async (
  target: string,
  data: string | Uint8Array,
  options: { readonly mode?: number } = {}
): Promise<void> => {
  const dir = path.dirname(target)
  await makePrivateDir(dir)
  const temp = path.join(dir, `.${path.basename(target)}.${process.pid}.${randomBytes(6).toString("hex")}.tmp`)
  const mode = options.mode ?? PRIVATE_FILE_MODE
  const handle = await fs.open(temp, "wx", mode)
  try {
    await handle.writeFile(data)
    await handle.sync()
  } finally {
    await handle.close()
  }
  try {
    await fs.chmod(temp, mode) // the umask may have narrowed or widened what open() set
    await fs.rename(temp, target)
  } catch (error) {
    await fs.rm(temp, { force: true })
    throw error
  }
  await syncDirectory(dir)
}

const syncDirectory = async (dir: string): Promise<void> => {
  try {
    const handle = await fs.open(dir, "r")
    try {
      await handle.sync()
    } finally {
      await handle.close()
    }
  } catch {
    // Some filesystems refuse fsync on directories; the rename itself is still atomic.
  }
}
