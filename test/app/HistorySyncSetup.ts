/**
 * HistorySync over a fake Telegram (HistoryTelegramFake.ts) with the real
 * SQLite cache, media files and media index in a temporary directory: the
 * setup the history use-case tests share.
 */
import * as fs from "node:fs/promises"
import * as os from "node:os"
import * as path from "node:path"
import { Chunk, Context, Effect, Layer, Ref, Stream } from "effect"
import { MediaFilesLive } from "../../src/adapters/fs/MediaFilesLive.js"
import { MediaIndexLive } from "../../src/adapters/sqlite/MediaIndexLive.js"
import { MessageStoreLive } from "../../src/adapters/sqlite/MessageStoreLive.js"
import { type HistoryEvent, type HistoryRequest, HistorySync, HistorySyncLive } from "../../src/app/HistorySync.js"
import type { MessageRecord } from "../../src/domain/Message.js"
import type { SessionName } from "../../src/domain/SessionName.js"
import { applyPatch, defaultSettings, type Settings, type SettingsPatch } from "../../src/domain/Settings.js"
import { MediaFiles } from "../../src/ports/MediaFiles.js"
import { MediaIndex } from "../../src/ports/MediaIndex.js"
import { type DialogKey, MessageStore, type StoredMessage } from "../../src/ports/MessageStore.js"
import { SettingsStore } from "../../src/ports/SettingsStore.js"
import { message } from "../adapters/sqlite/MessageFixtures.js"
import type { TelegramFake } from "./HistoryTelegramFake.js"
import { AccountId, DialogId } from "../../src/domain/Ids.js"

export const DIALOG = DialogId(-1001234567890)
export const JAN = Date.UTC(2024, 0, 1) / 1000
export const key: DialogKey = { accountId: AccountId(1001), dialogId: DIALOG }

/** A history request as alice for all of DIALOG, oldest first, chunks of 100; `overrides` on top. */
export const historyRequest = (overrides: Partial<HistoryRequest> = {}): HistoryRequest => ({
  session: "alice" as SessionName,
  dialogId: DIALOG,
  startDate: null,
  endDate: null,
  chunkSize: 100,
  forceRefresh: false,
  reverse: false,
  ...overrides
})

export const tempDir = Effect.acquireRelease(
  Effect.promise(() => fs.mkdtemp(path.join(os.tmpdir(), "tgsc-history-"))),
  (dir) => Effect.promise(() => fs.rm(dir, { recursive: true, force: true }))
)

export const setup = (fake: TelegramFake, initial: Partial<Settings> = {}) =>
  Effect.gen(function*() {
    const dir = yield* tempDir
    const settings = yield* Ref.make<Settings>({ ...defaultSettings, ...initial })
    const SettingsLive = Layer.succeed(SettingsStore, {
      get: Ref.get(settings),
      update: (patch: SettingsPatch) => Ref.updateAndGet(settings, (s) => applyPatch(s, patch))
    })
    const PortsLive = Layer.mergeAll(
      fake.layer(),
      MessageStoreLive({ accountsDir: dir }),
      MediaFilesLive({ accountsDir: dir }),
      MediaIndexLive({ accountsDir: dir }),
      SettingsLive
    )
    const context = yield* Layer.build(HistorySyncLive.pipe(Layer.provideMerge(PortsLive)))
    const history = Context.get(context, HistorySync)
    const request = historyRequest
    const events = (overrides: Partial<HistoryRequest> = {}) =>
      Effect.map(Stream.runCollect(history.stream(request(overrides))), Chunk.toArray)
    const run = (overrides: Partial<HistoryRequest> = {}) => Effect.map(events(overrides), messagesOf)
    return {
      dir,
      context,
      history,
      request,
      events,
      run,
      settings,
      store: Context.get(context, MessageStore),
      index: Context.get(context, MediaIndex),
      files: Context.get(context, MediaFiles)
    }
  })

export const messagesOf = (events: ReadonlyArray<HistoryEvent>): Array<StoredMessage> =>
  events.flatMap((e) => (e._tag === "Chunk" ? e.messages : []))

export const idsOf = (messages: ReadonlyArray<{ readonly message: MessageRecord } | MessageRecord>) =>
  messages.map((m) => ("message" in m ? m.message.id : m.id))

/** `count` messages from `from`, `perSecond` sharing each second, then a gap of `spacing` seconds. */
export const generate = (firstId: number, count: number, from: number, perSecond = 1, spacing = 1): Array<MessageRecord> =>
  Array.from({ length: count }, (_, k) => message(firstId + k, from + Math.floor(k / perSecond) * spacing))

