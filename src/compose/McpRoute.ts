/**
 * POST and GET /mcp on the running server: the MCP server (src/mcp) over
 * streamable HTTP (src/mcp/HttpTransport.ts), mounted in the HTTP adapter
 * (src/http): this module is where the two driving adapters meet, so neither
 * imports the other. It is one more route of the HTTP server, so the
 * server's guards run before it as before any /api route (./Server.ts):
 * the Host check, the Origin check (the server's on writes, this route's own
 * on GET too), the API token, the body limits (64 KB, JSON only, read
 * bounded), and the `{"detail"}` error shape. Then the same
 * session rules as /api (X-Telegram-Username, SessionAuth) and the same 503
 * when Telegram credentials are missing: a request failing any of them never
 * reaches a tool.
 *
 * What the request may see is its API token's scope (a named token's; the
 * admin token's is everything), narrowed by `X-Tgsc-Scope` (optional):
 * comma-separated scope entries, each URI-encoded
 * (`folder:Work,dialog:-1001234567890`), as `tgsc-mcp --scope`. The header
 * can only narrow, never widen the token's scope. tgsc-mcp sends it when it
 * relays to a running server.
 *
 * GET /mcp, behind exactly the same guards, opens the stream of
 * server-initiated messages (HttpTransport's `listen`) for a client that
 * accepts `text/event-stream` (else 406). Each holds one of the server's
 * stream slots (ServerStreamSlots, shared with the history streams; beyond
 * a cap 429 with Retry-After) until it ends, and sends keep-alives at the
 * history streams' interval (--sse-keepalive).
 *
 * DELETE /mcp (ending a session) answers 405: this server keeps no session.
 */
import { HttpApiBuilder, HttpServerRequest } from "@effect/platform"
import { RpcServer } from "@effect/rpc"
import { McpServer } from "@effect/ai"
import { Context, Duration, Effect, Either, Layer } from "effect"
import { narrowScope } from "../domain/AccessScope.js"
import { AppConfig, DEFAULT_SSE_KEEPALIVE_SECONDS } from "../config/AppConfig.js"
import { BadRequest, Forbidden } from "../http/ApiErrors.js"
import { SessionAuth } from "../http/CurrentSession.js"
import { detailResponse } from "../http/DetailErrors.js"
import { requireTelegram } from "../http/RequireTelegram.js"
import { foreignOriginDetail, isSameOrigin } from "../http/SameOrigin.js"
import { SessionAuthLive } from "../http/SessionAuth.js"
import { ServerStreamSlots } from "../http/StreamSlots.js"
import { makeHttpTransport } from "../mcp/HttpTransport.js"
import { McpServerLive, OUTPUT_SCHEMAS } from "../mcp/McpServerLive.js"
import { parseScopeHeader, SCOPE_HEADER } from "../mcp/ScopeHeader.js"

export const MCP_PATH = "/mcp"

/** The protocol versions @effect/ai's McpServer speaks. */
export const SUPPORTED_PROTOCOL_VERSIONS = ["2025-06-18", "2025-03-26", "2024-11-05", "2024-10-07"] as const

const acceptsEventStream = (request: HttpServerRequest.HttpServerRequest) =>
  (request.headers["accept"] ?? "").toLowerCase().includes("text/event-stream")

/** The MCP server and its route, over the use cases the server's layer provides. */
export const McpRouteLive = HttpApiBuilder.Router.use((router) =>
  Effect.gen(function*() {
    const transport = yield* makeHttpTransport(OUTPUT_SCHEMAS)
    const server = yield* Layer.build(McpServerLive.pipe(Layer.provide(Layer.succeed(RpcServer.Protocol, transport.protocol))))
    const subscribers = Context.get(server, McpServer.McpServer).initializedClients
    const authenticate = yield* SessionAuth
    const config = yield* AppConfig
    const slots = yield* ServerStreamSlots
    const keepAlive = Duration.seconds(config.sseKeepAliveSeconds ?? DEFAULT_SSE_KEEPALIVE_SECONDS)

    /**
     * What POST and GET check alike after the server's own guards: the Origin (the server checks it on writes
     * only; MCP wants it checked on every connection, the GET stream included), the version, the session, the
     * scope, Telegram.
     */
    const admit = Effect.gen(function*() {
      const request = yield* HttpServerRequest.HttpServerRequest
      const origin = request.headers["origin"]
      if (origin !== undefined && !isSameOrigin(origin, request.headers["host"])) {
        return yield* new Forbidden({ detail: foreignOriginDetail(origin, "MCP connections are accepted") })
      }
      const version = request.headers["mcp-protocol-version"]
      if (version !== undefined && !(SUPPORTED_PROTOCOL_VERSIONS as ReadonlyArray<string>).includes(version.trim())) {
        return yield* new BadRequest({
          detail: `Unsupported MCP-Protocol-Version '${version.slice(0, 40)}': this server speaks ${SUPPORTED_PROTOCOL_VERSIONS.join(", ")}`
        })
      }
      const { name, scope: granted } = yield* authenticate
      const scope = parseScopeHeader(request.headers[SCOPE_HEADER])
      if (Either.isLeft(scope)) return yield* new BadRequest({ detail: scope.left })
      yield* Effect.provideService(requireTelegram, AppConfig, config)
      return { request, session: name, scope: narrowScope(granted, scope.right) }
    })

    yield* router.post(
      MCP_PATH,
      Effect.gen(function*() {
        const { request, session, scope } = yield* admit
        const body = yield* request.json
        return yield* transport.post(body, { caller: { session, scope }, acceptsEventStream: acceptsEventStream(request) })
      })
    )
    yield* router.get(
      MCP_PATH,
      Effect.gen(function*() {
        const { request, session } = yield* admit
        if (!acceptsEventStream(request)) {
          return detailResponse(
            406,
            `GET ${MCP_PATH} opens a stream of server messages: send 'Accept: text/event-stream' (requests go with POST)`
          )
        }
        // Held until the request ends: the client going away, or the server stopping.
        yield* slots.acquire(session)
        return yield* transport.listen({ keepAlive, subscribers })
      })
    )
    yield* router.del(
      MCP_PATH,
      Effect.succeed(
        detailResponse(405, `DELETE ${MCP_PATH} is not offered: this MCP server keeps no session to end`, { allow: "GET, POST" })
      )
    )
  })
).pipe(Layer.provide(SessionAuthLive))
