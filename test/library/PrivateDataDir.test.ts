/**
 * TgscLive used directly, as a library caller does, under a permissive
 * umask (022): everything it creates in the data directory is still private
 * to its owner (explicit modes, not the binaries' environment), and a data
 * directory from an earlier release is tightened and cleaned when the
 * layer is built, with one log line for each.
 */
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { describe, expect, it } from "@effect/vitest"
import { Chunk, Effect, Layer, Logger, Stream } from "effect"
import { DialogId, HistorySync, sessionName, SessionStore, SettingsStore, TgscLive } from "../../src/index.js"
import { document, message, photo } from "../adapters/sqlite/MessageFixtures.js"
import { TelegramFake } from "../app/HistoryTelegramFake.js"
import { notPrivate, walkDataDir } from "../support/DataDirModes.js"

const DIALOG = DialogId(-1001234567890)
const JAN = Date.UTC(2024, 0, 1) / 1000

const tempDataDir = Effect.acquireRelease(
  Effect.sync(() => fs.mkdtempSync(path.join(os.tmpdir(), "tgsc-private-"))),
  (dir) => Effect.sync(() => fs.rmSync(dir, { recursive: true, force: true }))
)

/** The process umask set for the scope, restored after. */
const umask = (mask: number) =>
  Effect.acquireRelease(Effect.sync(() => process.umask(mask)), (before) => Effect.sync(() => process.umask(before)))

/** Log messages of the scope's effects, collected. */
const collectLogs = () => {
  const lines: Array<string> = []
  const logger = Logger.make(({ logLevel, message }) => {
    lines.push(`${logLevel.label} ${Array.isArray(message) ? message.join(" ") : String(message)}`)
  })
  return { lines, layer: Logger.replace(Logger.defaultLogger, logger) }
}

describe("TgscLive keeps the data directory private", () => {
  it.scopedLive("under umask 022, everything it creates is 0700 / 0600: lock, settings, sessions, caches (-wal, -shm), media", () =>
    Effect.gen(function*() {
      yield* umask(0o022)
      const dataDir = yield* tempDataDir
      fs.rmdirSync(dataDir) // TgscLive makes it
      const fake = new TelegramFake()
      fake.set(DIALOG, [
        message(1, JAN, { media: photo("p1", 3000) }),
        message(2, JAN + 60, { media: document("d1", { fileName: "notes.pdf", mimeType: "application/pdf", size: 5000 }) }),
        message(3, JAN + 120)
      ])
      const services = yield* Layer.build(TgscLive({ dataDir }, { telegramGateway: fake.layer() }))
      const alice = yield* sessionName("alice")
      yield* Effect.provide(
        Effect.gen(function*() {
          yield* (yield* SessionStore).save(alice, "a-session-string")
          yield* (yield* SettingsStore).update({ max_media_size_mb: 50 })
          const history = yield* HistorySync
          yield* Stream.runDrain(history.stream({
            session: alice,
            dialogId: DIALOG,
            startDate: null,
            endDate: null,
            chunkSize: 100,
            forceRefresh: false,
            reverse: false
          }))
        }),
        services
      )
      const files = walkDataDir(dataDir).filter((e) => e.kind === "file").map((e) => e.path)
      // Every kind of file was made, so the check below covers them all.
      expect(files).toEqual(expect.arrayContaining([
        ".tgsc.lock",
        "settings.yaml",
        "sessions/alice.session",
        "accounts/1001/media-index.db",
        "accounts/1001/media-index.db-wal",
        "accounts/1001/media-index.db-shm",
        `accounts/1001/dialogs/${DIALOG}/${DIALOG}.db`,
        `accounts/1001/dialogs/${DIALOG}/${DIALOG}.db-wal`,
        `accounts/1001/dialogs/${DIALOG}/${DIALOG}.db-shm`
      ]))
      expect(files.filter((f) => f.includes("/media/"))).toHaveLength(2)
      expect(notPrivate(dataDir)).toEqual([])
      // A file made with the same umask outside tgsc is wider: the modes above are tgsc's own.
      fs.writeFileSync(path.join(dataDir, "control"), "x")
      expect(notPrivate(dataDir)).toEqual(["control 0644"])
    }))

  it.scopedLive("a data directory from an earlier release: tightened and cleaned when the layer is built, one log line each", () =>
    Effect.gen(function*() {
      yield* umask(0o022)
      const dataDir = yield* tempDataDir
      const media = path.join(dataDir, "accounts/1001/dialogs/-100/media")
      fs.mkdirSync(media, { recursive: true })
      for (const dir of ["", "accounts", "accounts/1001", "accounts/1001/dialogs", "accounts/1001/dialogs/-100", "accounts/1001/dialogs/-100/media"]) {
        fs.chmodSync(path.join(dataDir, dir), 0o755)
      }
      fs.writeFileSync(path.join(dataDir, "settings.yaml"), "download_media: true\n", { mode: 0o644 })
      fs.writeFileSync(path.join(media, "0b6c.jpg"), "jpeg", { mode: 0o644 })
      fs.writeFileSync(path.join(media, ".0b6d.pdf.1a2b3c4d.part"), "half", { mode: 0o600 })
      fs.writeFileSync(path.join(dataDir, ".settings.yaml.77.a1b2c3d4e5f6.tmp"), "half", { mode: 0o644 })
      const logs = collectLogs()
      yield* Layer.build(TgscLive({ dataDir })).pipe(Effect.provide(logs.layer))
      expect(notPrivate(dataDir)).toEqual([])
      expect(fs.readdirSync(media)).toEqual(["0b6c.jpg"])
      expect(fs.readdirSync(dataDir).filter((name) => name.endsWith(".tmp"))).toEqual([])
      // The data dir and 5 directories below it, settings.yaml and the media file.
      expect(logs.lines).toContain(
        "INFO data directory: tightened the permissions of 8 paths to owner-only (directories 0700, files 0600)"
      )
      expect(logs.lines).toContain(
        "INFO data directory: removed 2 stale temporary files (.tmp, .part) left by interrupted writes"
      )
      expect(Chunk.size(Chunk.fromIterable(logs.lines.filter((l) => l.includes("data directory:"))))).toBe(2)
    }))
})
