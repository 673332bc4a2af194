/**
 * The start-up tidy of a data directory, on real files: wider permissions
 * tightened to owner-only, a crash's temporary files removed, finished files
 * (even a media file whose extension is .part) kept, and nothing outside
 * the directory touched through a symbolic link.
 */
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { afterEach, beforeEach, describe, expect, it } from "vitest"
import { isStaleTempFile, tidyDataDirNow } from "../../../src/adapters/fs/DataDirTidy.js"
import { notPrivate, walkDataDir } from "../../support/DataDirModes.js"

let root: string
let dataDir: string
let outside: string
const write = (relative: string, mode: number, base = dataDir) => {
  const file = path.join(base, relative)
  fs.mkdirSync(path.dirname(file), { recursive: true })
  fs.writeFileSync(file, "x")
  fs.chmodSync(file, mode)
  return file
}
const modeOf = (file: string) => fs.lstatSync(file).mode & 0o777

beforeEach(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), "tgsc-tidy-"))
  dataDir = path.join(root, "data")
  outside = path.join(root, "outside")
  fs.mkdirSync(outside, { mode: 0o755 })
  fs.chmodSync(outside, 0o755)
})
afterEach(() => fs.rmSync(root, { recursive: true, force: true }))

describe("tidyDataDirNow", () => {
  it("creates a missing data directory 0700", async () => {
    const report = await tidyDataDirNow(dataDir)
    expect(report).toEqual({ tightened: 0, removed: 0, failures: [] })
    expect(modeOf(dataDir)).toBe(0o700)
  })

  it("tightens every directory and file to owner-only, keeping the owner's bits", async () => {
    fs.mkdirSync(dataDir, { mode: 0o755 })
    fs.chmodSync(dataDir, 0o755)
    write("settings.yaml", 0o644)
    write(".tgsc.lock", 0o644)
    write("sessions/a.session", 0o600)
    write("accounts/1001/media-index.db", 0o664)
    write("accounts/1001/media-index.db-wal", 0o644)
    write("accounts/1001/dialogs/-100/media/0b6c.jpg", 0o755)
    for (const dir of ["sessions", "accounts", "accounts/1001", "accounts/1001/dialogs", "accounts/1001/dialogs/-100", "accounts/1001/dialogs/-100/media"]) {
      fs.chmodSync(path.join(dataDir, dir), 0o775)
    }
    fs.chmodSync(path.join(dataDir, "sessions"), 0o700)
    const report = await tidyDataDirNow(dataDir)
    expect(notPrivate(dataDir)).toEqual([])
    // The data dir, 5 files and 5 directories below it (sessions/ and its file were already private).
    expect(report).toEqual({ tightened: 11, removed: 0, failures: [] })
    expect(modeOf(path.join(dataDir, "settings.yaml"))).toBe(0o600)
    expect(modeOf(path.join(dataDir, "accounts/1001/dialogs/-100/media/0b6c.jpg"))).toBe(0o700)
    expect(modeOf(path.join(dataDir, "accounts"))).toBe(0o700)
    expect(await tidyDataDirNow(dataDir)).toEqual({ tightened: 0, removed: 0, failures: [] })
  })

  it("takes tokens.yaml, its lock and its interrupted writes for its own", async () => {
    write("tokens.yaml", 0o644)
    write(".tokens.yaml.lock", 0o664)
    write(".tokens.yaml.4242.a1b2c3d4e5f6.tmp", 0o600)
    write(".someone-elses.yaml.4242.a1b2c3d4e5f6.tmp", 0o644)
    const report = await tidyDataDirNow(dataDir)
    // The data directory (made by the umask here) and the two files.
    expect(report).toEqual({ tightened: 3, removed: 1, failures: [] })
    expect(modeOf(path.join(dataDir, "tokens.yaml"))).toBe(0o600)
    expect(modeOf(path.join(dataDir, ".tokens.yaml.lock"))).toBe(0o600)
    expect(fs.existsSync(path.join(dataDir, ".tokens.yaml.4242.a1b2c3d4e5f6.tmp"))).toBe(false)
    // Not tgsc's: left as it is.
    expect(modeOf(path.join(dataDir, ".someone-elses.yaml.4242.a1b2c3d4e5f6.tmp"))).toBe(0o644)
  })

  it("removes the hidden .tmp and .part files of interrupted writes, keeps finished ones", async () => {
    const media = "accounts/1001/dialogs/-100/media"
    write(`.settings.yaml.4242.a1b2c3d4e5f6.tmp`, 0o644)
    write(`sessions/.alice.session.4242.a1b2c3d4e5f6.tmp`, 0o600)
    write(`${media}/.0b6c.jpg.1a2b3c4d.part`, 0o600)
    write(`${media}/.0b6d.1a2b3c4d.part`, 0o644)
    const kept = [write(`${media}/0b6e.part`, 0o600), write(`${media}/0b6f.tmp`, 0o600), write("settings.yaml", 0o600)]
    fs.mkdirSync(path.join(dataDir, "accounts/.dir.tmp"))
    const report = await tidyDataDirNow(dataDir)
    expect(report.removed).toBe(4)
    expect(walkDataDir(dataDir).filter((e) => e.kind === "file").map((e) => e.path).sort()).toEqual([
      `${media}/0b6e.part`,
      `${media}/0b6f.tmp`,
      "settings.yaml"
    ])
    for (const file of kept) expect(fs.existsSync(file)).toBe(true)
    expect(fs.statSync(path.join(dataDir, "accounts/.dir.tmp")).isDirectory()).toBe(true)
  })

  it("neither follows nor changes symbolic links, so nothing outside is touched", async () => {
    const outsideFile = write("secret.txt", 0o644, outside)
    write(".stale.tmp", 0o644, outside)
    write("settings.yaml", 0o644)
    const accounts = path.join(dataDir, "accounts")
    fs.mkdirSync(accounts)
    fs.symlinkSync(outside, path.join(accounts, "linked-dir"))
    fs.symlinkSync(outsideFile, path.join(accounts, "linked-file"))
    fs.symlinkSync(path.join(outside, ".stale.tmp"), path.join(accounts, ".link.tmp"))
    await tidyDataDirNow(dataDir)
    expect(modeOf(outside)).toBe(0o755)
    expect(modeOf(outsideFile)).toBe(0o644)
    expect(fs.existsSync(path.join(outside, ".stale.tmp"))).toBe(true)
    expect(modeOf(path.join(dataDir, "settings.yaml"))).toBe(0o600)
  })

  it("leaves alone what is not tgsc's at the top of the data directory (the directory itself, 0700, keeps it private)", async () => {
    write("settings.yaml", 0o644)
    const foreign = [write("notes.txt", 0o644), write(".notes.txt.1.tmp", 0o644), write("backup/old.db", 0o644)]
    fs.chmodSync(path.join(dataDir, "backup"), 0o755)
    expect(await tidyDataDirNow(dataDir)).toEqual({ tightened: 2, removed: 0, failures: [] })
    for (const file of foreign) expect(modeOf(file)).toBe(0o644)
    expect(modeOf(path.join(dataDir, "backup"))).toBe(0o755)
    expect(modeOf(dataDir)).toBe(0o700)
  })

  it("does not close a data directory every user may write to (like /tmp), and says so", async () => {
    fs.mkdirSync(dataDir)
    fs.chmodSync(dataDir, 0o1777)
    write("settings.yaml", 0o644)
    const report = await tidyDataDirNow(dataDir)
    expect(fs.statSync(dataDir).mode & 0o7777).toBe(0o1777)
    expect(modeOf(path.join(dataDir, "settings.yaml"))).toBe(0o600)
    expect(report.failures).toEqual([`${dataDir}: every user may write to it (like /tmp): give tgsc a directory of its own`])
  })

  it("follows the data directory itself when it is a link (the user's choice of where it lives)", async () => {
    write("settings.yaml", 0o644, outside)
    fs.symlinkSync(outside, dataDir)
    expect(await tidyDataDirNow(dataDir)).toMatchObject({ tightened: 2 })
    expect(modeOf(outside)).toBe(0o700)
    expect(modeOf(path.join(outside, "settings.yaml"))).toBe(0o600)
  })
})

describe("isStaleTempFile", () => {
  it.each([".settings.yaml.1.abc.tmp", ".x.jpg.1a2b3c4d.part", ".a.part"])("%s is one", (name) => {
    expect(isStaleTempFile(name)).toBe(true)
  })
  it.each(["0b6c.part", "0b6c.tmp", "settings.yaml", ".tgsc.lock", ".tmp", ".part", "a.session"])("%s is not", (name) => {
    expect(isStaleTempFile(name)).toBe(false)
  })
})
