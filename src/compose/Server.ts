/**
 * Composition root of tgsc-server: the HTTP driving adapter (src/http) and
 * the MCP route (./McpRoute.ts) over the library. The API and its handlers,
 * Swagger UI at /docs, /openapi.json, the web app at /app (src/http/WebApp.ts), the MCP server at /mcp, the {"detail"}
 * error shape, request logs, the Host check (DNS rebinding), the Origin
 * check (cross-site writes), the API tokens (admin and named), bounded JSON
 * bodies, over the Node http server of src/http/NodeServer.ts.
 *
 * The server is one program using the library: everything behind the routes
 * comes from TgscLive through the package's entry point (src/index.ts), and
 * the routes need nothing else (checked by the type of ServerLive).
 */
import { HttpApiBuilder, HttpServer } from "@effect/platform"
import { Either, Layer } from "effect"
import { ScopedAccessLive, type TgscConfig, TgscLive, type TgscServices } from "../index.js"
import { AdminOnlyLive } from "../http/AdminOnly.js"
import { AllowedHostsLive } from "../http/AllowedHosts.js"
import { TgscApi } from "../http/Api.js"
import { ApiTokenLive } from "../http/ApiToken.js"
import { DetailErrorsLive } from "../http/DetailErrors.js"
import { JsonBodyLive } from "../http/JsonBody.js"
import { AuthHandlersLive } from "../http/auth/Http.js"
import { PhoneAuthHandlersLive } from "../http/auth/PhoneHttp.js"
import { LoginPageLive } from "../http/LoginPage.js"
import { WebAppLive, WebAppRedirectLive } from "../http/WebApp.js"
import { SwaggerDocsLive } from "../http/SwaggerDocs.js"
import { OpenApiRouteLive } from "../http/OpenApiRoute.js"
import { DialogsHandlersLive } from "../http/dialogs/Http.js"
import { MessagesHandlersLive } from "../http/messages/Http.js"
import { FilesHandlersLive } from "../http/files/Http.js"
import { HistoryHandlersLive } from "../http/history/Http.js"
import { SyncHandlersLive } from "../http/sync/Http.js"
import { TopicsHandlersLive } from "../http/topics/Http.js"
import { UpdatesHandlersLive } from "../http/updates/Http.js"
import { SessionsHandlersLive } from "../http/sessions/Http.js"
import { SettingsHandlersLive } from "../http/settings/Http.js"
import { SystemHandlersLive } from "../http/system/Http.js"
import { withRecordedAddress } from "../http/RecordedAddress.js"
import { requestLog } from "../http/RequestLog.js"
import { responseGuards } from "../http/ResponseGuards.js"
import { SameOriginLive } from "../http/SameOrigin.js"
import { SessionAuthLive } from "../http/SessionAuth.js"
import { ServerStreamSlotsLive } from "../http/StreamSlots.js"
import { AppConfig, type AppConfigShape } from "../config/AppConfig.js"
import { NodeServerLive } from "../http/NodeServer.js"
import { McpRouteLive } from "./McpRoute.js"

export const ApiLive = HttpApiBuilder.api(TgscApi).pipe(
  Layer.provide([
    SystemHandlersLive,
    SettingsHandlersLive,
    AuthHandlersLive,
    PhoneAuthHandlersLive,
    SessionsHandlersLive,
    DialogsHandlersLive,
    MessagesHandlersLive,
    HistoryHandlersLive,
    FilesHandlersLive,
    SyncHandlersLive,
    TopicsHandlersLive,
    UpdatesHandlersLive
  ]),
  Layer.provide([SessionAuthLive, AdminOnlyLive, ScopedAccessLive])
)

/**
 * The library's configuration for the server's: missing credentials leave
 * Telegram unconfigured (the routes answer 503 naming the variable, from
 * AppConfig), the emulator switch comes from the environment.
 */
export const tgscConfigOf = (config: AppConfigShape): TgscConfig => ({
  dataDir: config.dataDir,
  telegram: Either.isRight(config.telegram) ? { ...config.telegram.right, emulator: config.emulator, proxy: config.proxy } : undefined,
  floodThresholdSeconds: config.floodThresholdSeconds,
  dialogCacheTtlSeconds: config.dialogCacheTtlSeconds,
  clientIdleSeconds: config.clientIdleSeconds,
  telegramTimeoutSeconds: config.telegramTimeoutSeconds,
  loginTimeoutSeconds: config.loginTimeoutSeconds,
  loginKeepSeconds: config.loginKeepSeconds,
  maxPendingLogins: config.maxPendingLogins,
  searchIndex: config.noSearchIndex !== true,
  followUpdates: config.followUpdates === true,
  settingsSeed: config.settingsSeed._tag === "Some" ? config.settingsSeed.value : undefined
})

/**
 * The HTTP side alone. `satisfies` keeps it honest: beyond its own
 * configuration it needs nothing TgscLive does not provide.
 *
 * A middleware added later wraps those added before it, and the layer
 * provided last is built first: the Host check, provided first, is added
 * last, so it runs before everything else on every path; then the Origin
 * check, the error shape, the API token, the body checks, the routes.
 * Around all of it: the request log and the headers every response gets.
 */
const HttpLive = (config: AppConfigShape) =>
  HttpApiBuilder.serve((app) => requestLog(responseGuards(app))).pipe(
    // Recorded before "Listening on" is logged: whoever waits for that line finds the record.
    withRecordedAddress(config),
    HttpServer.withLogAddress,
    // Provided first, so built last: the port is bound only once every route and middleware is ready, and the
    // handler is attached right after. Bound earlier, a connection made meanwhile would wait for ever.
    Layer.provide(NodeServerLive(config)),
    Layer.provide(AllowedHostsLive(config)),
    Layer.provide(SameOriginLive),
    Layer.provide(WebAppRedirectLive),
    Layer.provide(SwaggerDocsLive({ path: "/docs" })),
    Layer.provide(LoginPageLive),
    Layer.provide(WebAppLive()),
    Layer.provide(McpRouteLive),
    Layer.provide(OpenApiRouteLive({ path: "/openapi.json" })),
    Layer.provide(ApiLive),
    Layer.provide(DetailErrorsLive),
    Layer.provide(ApiTokenLive(config.apiToken)),
    Layer.provide(JsonBodyLive),
    // One set for the history route (in ApiLive) and GET /mcp: their streams count against the same caps.
    Layer.provide(ServerStreamSlotsLive)
  ) satisfies Layer.Layer<never, unknown, TgscServices | AppConfig>

/**
 * The whole server. TgscLive takes the data-directory lock first, so the
 * port is bound only once this process owns the directory.
 */
export const ServerLive = (config: AppConfigShape) =>
  HttpLive(config).pipe(
    Layer.provide(TgscLive(tgscConfigOf(config))),
    Layer.provide(Layer.succeed(AppConfig, config))
  )
