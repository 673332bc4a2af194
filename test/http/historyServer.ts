/**
 * The history and files routes on a real Node HTTP server in this process
 * (so SSE streaming, keep-alives and client aborts behave as over the
 * network), over the real use case, SQLite cache and media files, with a
 * fake TelegramGateway.
 */
import { createServer } from "node:http"
import * as fs from "node:fs/promises"
import * as os from "node:os"
import * as path from "node:path"
import { HttpApi, HttpApiBuilder, HttpServer } from "@effect/platform"
import { NodeHttpServer } from "@effect/platform-node"
import { Duration, Effect, Either, Layer, ManagedRuntime, Option, Ref } from "effect"
import { MediaFilesLive } from "../../src/adapters/fs/MediaFilesLive.js"
import { MediaIndexLive } from "../../src/adapters/sqlite/MediaIndexLive.js"
import { MessageStoreLive } from "../../src/adapters/sqlite/MessageStoreLive.js"
import { AppConfig, type AppConfigShape } from "../../src/config/AppConfig.js"
import { AccountCacheLive } from "../../src/app/AccountCache.js"
import { HistorySyncLive } from "../../src/app/HistorySync.js"
import { ScopedAccessLive } from "../../src/app/ScopedAccess.js"
import { MediaLookupLive } from "../../src/app/MediaLookup.js"
import { FilesGroup } from "../../src/http/files/Api.js"
import { HistoryGroup } from "../../src/http/history/Api.js"
import { UpdatesGroup } from "../../src/http/updates/Api.js"
import { UpdatesHandlersLive } from "../../src/http/updates/Http.js"
import { UpdateLogLive } from "../../src/adapters/sqlite/UpdateLogLive.js"
import { HistoryFollow } from "../../src/app/HistoryFollow.js"
import { LiveUpdates, LiveUpdatesOptionsTag } from "../../src/app/LiveUpdates.js"
import type { Retention } from "../../src/domain/LiveUpdates.js"
import { TelegramUpdates } from "../../src/ports/TelegramUpdates.js"
import { UpdatesFake } from "../app/UpdatesTelegramFake.js"
import { BadRequest, Unauthorized } from "../../src/http/ApiErrors.js"
import { DetailErrorsLive } from "../../src/http/DetailErrors.js"
import { FilesHandlersLive } from "../../src/http/files/Http.js"
import { HistoryHandlersLive } from "../../src/http/history/Http.js"
import { requestLog } from "../../src/http/RequestLog.js"
import { SessionAuthLive } from "../../src/http/SessionAuth.js"
import { ServerStreamSlotsLive } from "../../src/http/StreamSlots.js"
import { applyPatch, defaultSettings, type Settings, type SettingsPatch } from "../../src/domain/Settings.js"
import { SessionStore } from "../../src/ports/SessionStore.js"
import { SettingsStore } from "../../src/ports/SettingsStore.js"
import type { TelegramFake } from "../app/HistoryTelegramFake.js"

/** The real API's history and files groups under the real API's name, so the real handlers serve them. */
class HistoryApi extends HttpApi.make("tgsc").add(HistoryGroup).add(FilesGroup).add(UpdatesGroup).addError(BadRequest).addError(Unauthorized) {}

export interface HistoryServer {
  readonly url: string
  readonly dataDir: string
  readonly settings: Ref.Ref<Settings>
  /** Telegram's updates for the live routes (follow_updates in `settings` turns following on). */
  readonly updates: UpdatesFake
  readonly get: (path: string, headers?: Record<string, string>, signal?: AbortSignal) => Promise<Response>
  readonly close: () => Promise<void>
}

export const startHistoryServer = async (
  fake: TelegramFake,
  options: {
    readonly keepAliveSeconds?: number
    readonly settings?: Partial<Settings>
    readonly telegram?: boolean
    /** Stream caps (AppConfig's maxStreamsPerSession, maxStreams). */
    readonly limits?: Pick<AppConfigShape, "maxStreamsPerSession" | "maxStreams">
    /** The update log's retention. */
    readonly retention?: Retention
  } = {}
): Promise<HistoryServer> => {
  const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), "tgsc-http-history-"))
  const accountsDir = path.join(dataDir, "accounts")
  const settings = Ref.unsafeMake<Settings>({ ...defaultSettings, ...options.settings })
  const config: AppConfigShape = {
    dataDir,
    host: "127.0.0.1",
    port: 0,
    settingsSeed: Option.none(),
    apiToken: Option.none(),
    floodThresholdSeconds: 120,
    dialogCacheTtlSeconds: 60,
    sseKeepAliveSeconds: options.keepAliveSeconds ?? 15,
    telegram: options.telegram === false
      ? Either.left("Telegram API credentials are not configured: set TELEGRAM_API_ID and TELEGRAM_API_HASH")
      : Either.right({ apiId: 1, apiHash: "x" }),
    logLevel: "none",
    logFormat: "text",
    ...options.limits
  } as AppConfigShape
  const updates = new UpdatesFake(fake)
  const PortsLive = Layer.mergeAll(
    fake.layer(),
    Layer.succeed(TelegramUpdates, updates.layer()),
    UpdateLogLive({ accountsDir, retention: options.retention }),
    MessageStoreLive({ accountsDir }),
    MediaFilesLive({ accountsDir }),
    MediaIndexLive({ accountsDir }),
    Layer.succeed(SettingsStore, {
      get: Ref.get(settings),
      update: (patch: SettingsPatch) => Ref.updateAndGet(settings, (s) => applyPatch(s, patch))
    }),
    Layer.succeed(SessionStore, {
      exists: (name) => Effect.succeed(fake.accounts.has(name)),
      load: () => Effect.succeed(Option.none()),
      save: () => Effect.void,
      remove: () => Effect.void,
      list: Effect.succeed([])
    }),
    Layer.succeed(AppConfig, config)
  )
  const ApiLive = HttpApiBuilder.api(HistoryApi).pipe(
    Layer.provide([HistoryHandlersLive, FilesHandlersLive, UpdatesHandlersLive]),
    Layer.provide([SessionAuthLive, ScopedAccessLive, ServerStreamSlotsLive]),
    Layer.provideMerge(HistoryFollow.Default),
    Layer.provideMerge(LiveUpdates.Default),
    Layer.provide(Layer.succeed(LiveUpdatesOptionsTag, { forced: false, check: Duration.millis(50) })),
    Layer.provideMerge(Layer.merge(HistorySyncLive, MediaLookupLive)),
    Layer.provide(AccountCacheLive)
  )
  const ServerLive = HttpApiBuilder.serve(requestLog).pipe(
    Layer.provide(ApiLive),
    Layer.provide(DetailErrorsLive),
    Layer.provideMerge(
      Layer.scoped(
        HttpServer.HttpServer,
        Effect.gen(function*() {
          const server = createServer()
          const http = yield* NodeHttpServer.make(() => server, { host: "127.0.0.1", port: 0 })
          yield* Effect.addFinalizer(() => Effect.sync(() => server.closeAllConnections()))
          return http
        })
      ).pipe(Layer.merge(NodeHttpServer.layerContext))
    ),
    Layer.provide(PortsLive)
  )
  const runtime = ManagedRuntime.make(ServerLive)
  const server = await runtime.runPromise(HttpServer.HttpServer)
  const address = server.address as HttpServer.TcpAddress
  const url = `http://127.0.0.1:${address.port}`
  return {
    url,
    dataDir,
    settings,
    updates,
    get: (p, headers = { "x-telegram-username": "alice" }, signal) => fetch(url + p, { headers, ...(signal ? { signal } : {}) }),
    close: async () => {
      await runtime.dispose()
      await fs.rm(dataDir, { recursive: true, force: true })
    }
  }
}

export { parseSse, type SseEvent } from "../support/Sse.js"

/** Reads a streamed body until `done(textSoFar)` holds; returns the text and the reader to go on with. */
export const readUntil = async (response: Response, done: (text: string) => boolean) => {
  const reader = response.body!.getReader()
  const decoder = new TextDecoder()
  let text = ""
  while (!done(text)) {
    const { done: ended, value } = await reader.read()
    if (ended) break
    text += decoder.decode(value, { stream: true })
  }
  return { text, reader }
}
