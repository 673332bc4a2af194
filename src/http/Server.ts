/**
 * Composes the HTTP server: the API and its handlers, Swagger UI at /docs,
 * /openapi.json, the MCP server at /mcp (src/mcp), the {"detail"} error shape, request logs, the Host check
 * (DNS rebinding), the Origin check (cross-site writes), the API tokens (admin and named),
 * bounded JSON bodies, over a Node http server with timeouts for receiving
 * requests that drops open connections (SSE clients) on shutdown instead of
 * waiting for them.
 *
 * The server is one program using the library: everything behind the routes
 * comes from TgscLive through the package's entry point (src/index.ts), and
 * the routes need nothing else (checked by the type of ServerLive).
 */
import { createServer, type Server } from "node:http"
import type { Duplex } from "node:stream"
import { HttpApiBuilder, HttpServer } from "@effect/platform"
import { NodeHttpServer } from "@effect/platform-node"
import { Effect, Either, Layer } from "effect"
import { ScopedAccessLive, type TgscConfig, TgscLive, type TgscServices } from "../index.js"
import { AdminOnlyLive } from "./AdminOnly.js"
import { AllowedHostsLive } from "./AllowedHosts.js"
import { TgscApi } from "./Api.js"
import { ApiTokenLive } from "./ApiToken.js"
import { DetailErrorsLive } from "./DetailErrors.js"
import { JsonBodyLive } from "./JsonBody.js"
import { AuthHandlersLive } from "./auth/Http.js"
import { PhoneAuthHandlersLive } from "./auth/PhoneHttp.js"
import { LoginPageLive } from "./LoginPage.js"
import { SwaggerDocsLive } from "./SwaggerDocs.js"
import { DialogsHandlersLive } from "./dialogs/Http.js"
import { MessagesHandlersLive } from "./messages/Http.js"
import { FilesHandlersLive } from "./files/Http.js"
import { HistoryHandlersLive } from "./history/Http.js"
import { TopicsHandlersLive } from "./topics/Http.js"
import { SyncHandlersLive } from "./sync/Http.js"
import { SessionsHandlersLive } from "./sessions/Http.js"
import { SettingsHandlersLive } from "./settings/Http.js"
import { SystemHandlersLive } from "./system/Http.js"
import { withRecordedAddress } from "./RecordedAddress.js"
import { requestLog } from "./RequestLog.js"
import { responseGuards } from "./ResponseGuards.js"
import { SameOriginLive } from "./SameOrigin.js"
import { SessionAuthLive } from "./SessionAuth.js"
import { ServerStreamSlotsLive } from "./StreamSlots.js"
import { AppConfig, type AppConfigShape } from "../cli/Config.js"
import { McpRouteLive } from "../mcp/McpRoute.js"

/**
 * What Node's HTTP parser refuses before any route sees the request (a URL
 * or headers over its ~16 KB limit, malformed HTTP) still gets the API's
 * error shape: `{"detail": ...}` as JSON, then the connection is closed.
 * Node's own answer has an empty body.
 */
export const clientErrorResponse = (code: string | undefined): string => {
  const [status, reason, detail] = code === "HPE_HEADER_OVERFLOW"
    ? [431, "Request Header Fields Too Large",
      "Request header fields too large: the URL and headers together must be under 16 KB; shorten the query"]
    : code === "ERR_HTTP_REQUEST_TIMEOUT"
    ? [408, "Request Timeout", "Request timeout: the request was not received in time"]
    : code === "HPE_CHUNK_EXTENSIONS_OVERFLOW"
    ? [413, "Payload Too Large", "Request chunk extensions too large"]
    : [400, "Bad Request", `Bad request: malformed HTTP${code === undefined ? "" : ` (${code})`}`]
  const body = JSON.stringify({ detail })
  return `HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json\r\nX-Content-Type-Options: nosniff\r\n` +
    `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`
}

const onClientError = (error: NodeJS.ErrnoException, socket: Duplex) => {
  // As Node does: answer only on a socket that can still take it and has no response of its own under way.
  const inFlight = (socket as Duplex & { _httpMessage?: { headersSent?: boolean } | null })._httpMessage
  if (error.code === "ECONNRESET" || !socket.writable || inFlight?.headersSent === true) {
    socket.destroy()
    return
  }
  socket.end(clientErrorResponse(error.code))
  // The client closes on `Connection: close`; one that does not is cut shortly after.
  setTimeout(() => socket.destroy(), 2000).unref()
}

/**
 * Node's timeouts for receiving a request. `requestTimeout` covers receiving
 * the request (headers and body) only, not the answer: a history stream (SSE)
 * runs as long as it needs once its GET has arrived. `timeout` (socket
 * inactivity) stays off for the same streams; they send keep-alive comments.
 */
export const SERVER_TIMEOUTS = {
  /** The headers of a request must arrive within this. */
  headersTimeout: 20_000,
  /** The whole request (at most 64 KB of body) must arrive within this. */
  requestTimeout: 60_000,
  /** An idle kept-alive connection is closed after this. */
  keepAliveTimeout: 5_000
} as const

export const applyServerTimeouts = (server: Server): Server => Object.assign(server, SERVER_TIMEOUTS)

const NodeServerLive = (config: AppConfigShape) =>
  Layer.merge(
    Layer.scoped(
      HttpServer.HttpServer,
      Effect.gen(function*() {
        // Node itself answers an HTTP/1.1 request without Host with a bare 400 (no body); the Host check
        // (AllowedHosts) already decides about requests without one, as it does for HTTP/1.0.
        const server = applyServerTimeouts(createServer({ requireHostHeader: false }))
        server.on("clientError", onClientError)
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
    PhoneAuthHandlersLive,
    SessionsHandlersLive,
    DialogsHandlersLive,
    MessagesHandlersLive,
    HistoryHandlersLive,
    TopicsHandlersLive,
    FilesHandlersLive,
    SyncHandlersLive
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
    Layer.provide(SwaggerDocsLive({ path: "/docs" })),
    Layer.provide(LoginPageLive),
    Layer.provide(McpRouteLive),
    Layer.provide(HttpApiBuilder.middlewareOpenApi({ path: "/openapi.json" })),
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
