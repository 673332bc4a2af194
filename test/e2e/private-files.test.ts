/**
 * The data directory stays private on disk, end to end: the real server
 * (started under umask 022, so only its explicit modes can make the files
 * private), a full QR login, history syncs with media downloads, file
 * downloads and a settings change against the emulator; then a data
 * directory as an earlier release left it, tightened and cleaned at start.
 */
import * as fs from "node:fs"
import * as path from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { type E2e, startE2e } from "../support/E2e.js"
import { notPrivate, walkDataDir } from "../support/DataDirModes.js"
import { makeTempDir, startServer } from "../support/ServerProcess.js"
import { expectNoError, history, HISTORY_FIXTURE, marked, messagesOf } from "./HistoryExpect.js"

const ALICE = "alice"
const RUST = marked("channel:3001")
const CAROL = marked("user:1003")

let previousUmask: number
beforeAll(() => {
  previousUmask = process.umask(0o022)
})
afterAll(() => {
  process.umask(previousUmask)
})

describe("after a login, history and media", () => {
  let e2e: E2e
  beforeAll(async () => {
    e2e = await startE2e({ scenario: HISTORY_FIXTURE })
  })
  afterAll(async () => {
    await e2e?.stop()
  })

  it("nothing under the data directory is readable or writable by group or others, while running and after", async () => {
    await e2e.login(ALICE, 1001)
    const patched = await e2e.api("/api/v3/settings", {
      session: ALICE,
      method: "PATCH",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ download_file_types: { videos: true } })
    })
    expect(patched.status).toBe(200)
    let downloaded = 0
    for (const dialog of [RUST, CAROL]) {
      const body = await history(e2e, ALICE, dialog)
      expectNoError(body)
      for (const m of messagesOf(body).filter((m) => m.media_uuid !== null && m.media_size !== null)) {
        const res = await e2e.api(`/api/v3/files/${m.media_uuid}`, { session: ALICE })
        if (res.status === 200) downloaded++
        await res.arrayBuffer()
      }
    }
    expect(downloaded).toBeGreaterThan(3)
    const dataDir = e2e.server.dataDir
    const files = walkDataDir(dataDir).filter((e) => e.kind === "file").map((e) => e.path)
    // Every kind of file the server writes is there to check.
    expect(files).toEqual(expect.arrayContaining([
      ".tgsc.lock",
      "settings.yaml",
      `sessions/${ALICE}.session`,
      "accounts/1001/media-index.db",
      "accounts/1001/media-index.db-wal",
      "accounts/1001/media-index.db-shm",
      `accounts/1001/dialogs/${RUST}/${RUST}.db`,
      `accounts/1001/dialogs/${RUST}/${RUST}.db-wal`,
      `accounts/1001/dialogs/${RUST}/${RUST}.db-shm`
    ]))
    expect(files.filter((f) => f.includes("/media/")).length).toBeGreaterThan(3)
    expect(notPrivate(dataDir)).toEqual([])
    await e2e.server.stop()
    expect(notPrivate(dataDir)).toEqual([])
    // The test's umask would have let them be wider: the modes are the server's own.
    fs.writeFileSync(path.join(dataDir, "control.txt"), "x")
    expect(notPrivate(dataDir)).toEqual(["control.txt 0644"])
  })
})

describe("a data directory an earlier release left readable by others", () => {
  it("is tightened and cleaned of stale .tmp/.part files at start, before requests are served, one log line each", async () => {
    const dataDir = await makeTempDir()
    const dialog = path.join(dataDir, "accounts/1001/dialogs/-1003001")
    const media = path.join(dialog, "media")
    fs.mkdirSync(media, { recursive: true })
    fs.mkdirSync(path.join(dataDir, "sessions"))
    for (const dir of ["", "sessions", "accounts", "accounts/1001", "accounts/1001/dialogs", "accounts/1001/dialogs/-1003001", "accounts/1001/dialogs/-1003001/media"]) {
      fs.chmodSync(path.join(dataDir, dir), 0o755)
    }
    const write = (file: string, mode: number) => {
      fs.writeFileSync(file, "x")
      fs.chmodSync(file, mode)
    }
    write(path.join(dataDir, "settings.yaml"), 0o644)
    write(path.join(dataDir, ".tgsc.lock"), 0o644)
    write(path.join(dataDir, "sessions/alice.session"), 0o600)
    write(path.join(media, "0b6c.jpg"), 0o644)
    write(path.join(media, "0b6e.part"), 0o644) // a finished file whose name ends in .part: kept
    write(path.join(media, ".0b6d.pdf.1a2b3c4d.part"), 0o600)
    write(path.join(dataDir, ".settings.yaml.4242.a1b2c3d4e5f6.tmp"), 0o644)
    write(path.join(dataDir, "sessions/.bob.session.4242.a1b2c3d4e5f6.tmp"), 0o600)
    fs.writeFileSync(path.join(dataDir, "settings.yaml"), "download_media: true\n")
    const server = await startServer({ dataDir })
    try {
      expect(notPrivate(dataDir)).toEqual([])
      // (The lock's SQLite journal may be there too.)
      const files = walkDataDir(dataDir).filter((e) => e.kind === "file" && !e.path.endsWith("-journal"))
      expect(files.map((e) => e.path).sort()).toEqual([
        ".tgsc.lock",
        ".tgsc.server.json", // where the server listens, written once it does (0600 like the rest)
        "accounts/1001/dialogs/-1003001/media/0b6c.jpg",
        "accounts/1001/dialogs/-1003001/media/0b6e.part",
        "sessions/alice.session",
        "settings.yaml"
      ])
      const output = server.output()
      // The data dir and the 6 directories below it, settings.yaml, the lock file and the journal SQLite made with
      // its mode when the lock was taken, and the 2 media files.
      const tightened = "data directory: tightened the permissions of 12 paths to owner-only (directories 0700, files 0600)"
      const removed = "data directory: removed 3 stale temporary files (.tmp, .part) left by interrupted writes"
      expect(output).toContain(tightened)
      expect(output).toContain(removed)
      expect(output.indexOf(tightened)).toBeLessThan(output.indexOf("Listening on"))
      expect(output.indexOf(removed)).toBeLessThan(output.indexOf("Listening on"))
      expect((await fetch(server.url + "/health")).status).toBe(200)
    } finally {
      await server.stop()
    }
    // Nothing left to do on the next start: no line at all.
    const again = await startServer({ dataDir })
    await again.stop()
    expect(again.output()).not.toContain("data directory:")
    fs.rmSync(dataDir, { recursive: true, force: true })
  })
})
