/**
 * Composes the HTTP server: the API and its handlers, Swagger UI at /docs,
 * /openapi.json, the {"detail"} error shape, request logs, optional API
 * token, over a Node http server that drops open connections (SSE clients)
 * on shutdown instead of waiting for them.
 */
import { createServer } from "node:http"
import * as nodePath from "node:path"
import { HttpApiBuilder, HttpServer } from "@effect/platform"
import { NodeHttpServer } from "@effect/platform-node"
import { Duration, Effect, Layer } from "effect"
import { SessionFilesLive } from "../adapters/fs/SessionFiles.js"
import { SettingsFileLive } from "../adapters/fs/SettingsFile.js"
import { TgscApi } from "./http/Api.js"
import { ApiTokenLive } from "./http/ApiToken.js"
import { DetailErrorsLive } from "./http/DetailErrors.js"
import { TelegramAdapterConfig } from "../adapters/telegram/TelegramAdapterConfig.js"
import { TelegramGatewayOnFirstUse, TelegramLoginOnFirstUse } from "../adapters/telegram/TelegramOnFirstUse.js"
import { AuthHandlersLive } from "./http/handlers/AuthHandlers.js"
import { LoginPageLive } from "./http/LoginPage.js"
import { SwaggerDocsLive } from "./http/SwaggerDocs.js"
import { defaultQrLoginOptions, QrLoginOptionsTag, QrLoginsLive } from "./QrLogins.js"
import { AccountCacheLive, AccountCacheOptionsTag } from "./AccountCache.js"
import { DialogSearchLive } from "./DialogSearch.js"
import { MessageSearchLive } from "./MessageSearch.js"
import { DialogsHandlersLive } from "./http/handlers/DialogsHandlers.js"
import { MessagesHandlersLive } from "./http/handlers/MessagesHandlers.js"
import { FilesHandlersLive } from "./http/handlers/FilesHandlers.js"
import { HistoryHandlersLive } from "./http/handlers/HistoryHandlers.js"
import { HistorySyncLive } from "./HistorySync.js"
import { MediaFilesLive } from "../adapters/fs/MediaFilesLive.js"
import { MediaIndexLive } from "../adapters/sqlite/MediaIndexLive.js"
import { MessageStoreLive } from "../adapters/sqlite/MessageStoreLive.js"
import { SettingsHandlersLive } from "./http/handlers/SettingsHandlers.js"
import { SystemHandlersLive } from "./http/handlers/SystemHandlers.js"
import { requestLog } from "./http/RequestLog.js"
import { SessionAuthLive } from "./http/SessionAuth.js"
import { AppConfig, type AppConfigShape } from "./Config.js"

/** Where things live under the data directory. */
export const dataLayout = (dataDir: string) => ({
  sessions: nodePath.join(dataDir, "sessions"),
  settings: nodePath.join(dataDir, "settings.yaml"),
  accounts: nodePath.join(dataDir, "accounts")
})

const NodeServerLive = (config: AppConfigShape) =>
  Layer.merge(
    Layer.scoped(
      HttpServer.HttpServer,
      Effect.gen(function*() {
        const server = createServer()
        const httpServer = yield* NodeHttpServer.make(() => server, { host: config.host, port: config.port })
        // Added after make()'s own finalizer, so it runs first: open streams are cut, close() returns.
        yield* Effect.addFinalizer(() => Effect.sync(() => server.closeAllConnections()))
        return httpServer
      })
    ),
    NodeHttpServer.layerContext
  )

export const ApiLive = HttpApiBuilder.api(TgscApi).pipe(
  Layer.provide([
    SystemHandlersLive,
    SettingsHandlersLive,
    AuthHandlersLive,
    DialogsHandlersLive,
    MessagesHandlersLive,
    HistoryHandlersLive,
    FilesHandlersLive
  ]),
  Layer.provide(SessionAuthLive)
)

export const ServerLive = (config: AppConfigShape) => {
  const layout = dataLayout(config.dataDir)
  const StoresLive = Layer.mergeAll(
    SessionFilesLive(layout.sessions),
    SettingsFileLive({ path: layout.settings, seedFrom: config.settingsSeed._tag === "Some" ? config.settingsSeed.value : undefined }),
    MessageStoreLive({ accountsDir: layout.accounts }),
    MediaFilesLive({ accountsDir: layout.accounts }),
    MediaIndexLive({ accountsDir: layout.accounts })
  )
  const TelegramLive = Layer.mergeAll(TelegramGatewayOnFirstUse, TelegramLoginOnFirstUse).pipe(
    Layer.provide(
      Layer.succeed(TelegramAdapterConfig, {
        credentials: config.telegram,
        floodThresholdSeconds: config.floodThresholdSeconds,
        ...(config.clientIdleSeconds === undefined ? {} : { idleTimeToLive: Duration.seconds(config.clientIdleSeconds) })
      })
    ),
    Layer.provideMerge(StoresLive)
  )
  const AccountCacheWithTtl = AccountCacheLive.pipe(
    Layer.provide(Layer.succeed(AccountCacheOptionsTag, { timeToLive: Duration.seconds(config.dialogCacheTtlSeconds) }))
  )
  const QrLoginsWithOptions = QrLoginsLive.pipe(
    Layer.provide(Layer.succeed(QrLoginOptionsTag, {
      loginTimeout: config.loginTimeoutSeconds === undefined
        ? defaultQrLoginOptions.loginTimeout
        : Duration.seconds(config.loginTimeoutSeconds),
      keepFinished: config.loginKeepSeconds === undefined
        ? defaultQrLoginOptions.keepFinished
        : Duration.seconds(config.loginKeepSeconds)
    }))
  )
  const UseCasesLive = Layer.mergeAll(QrLoginsWithOptions, DialogSearchLive, MessageSearchLive, HistorySyncLive).pipe(
    Layer.provideMerge(AccountCacheWithTtl),
    Layer.provideMerge(TelegramLive)
  )
  return HttpApiBuilder.serve(requestLog).pipe(
    Layer.provide(SwaggerDocsLive({ path: "/docs" })),
    Layer.provide(LoginPageLive),
    Layer.provide(HttpApiBuilder.middlewareOpenApi({ path: "/openapi.json" })),
    Layer.provide(ApiLive),
    Layer.provide(DetailErrorsLive),
    Layer.provide(ApiTokenLive(config.apiToken)),
    HttpServer.withLogAddress,
    Layer.provide(NodeServerLive(config)),
    Layer.provide(UseCasesLive),
    Layer.provide(Layer.succeed(AppConfig, config))
  )
}
