/**
 * Every temporary file of a test run (data directories, emulator keys,
 * scratch databases) goes under one directory, removed when the run ends,
 * so a run leaves nothing in the machine's /tmp.
 */
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"

export default function setup() {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "tgsc-tests-"))
  const previous = process.env.TMPDIR
  // Workers are started after this and inherit it; os.tmpdir() reads TMPDIR.
  process.env.TMPDIR = root
  return () => {
    if (previous === undefined) delete process.env.TMPDIR
    else process.env.TMPDIR = previous
    fs.rmSync(root, { recursive: true, force: true })
  }
}
