/**
 * POST /mcp on the running server: the MCP server (src/mcp) over streamable
 * HTTP (src/mcp/HttpTransport.ts), mounted in the HTTP adapter (src/http):
 * this module is where the two driving adapters meet, so neither imports the
 * other. It is one more route of the HTTP server, so the
 * server's guards run before it as before any /api route (./Server.ts):
 * the Host check, the Origin check, the API token, the body limits (64 KB,
 * JSON only, read bounded), and the `{"detail"}` error shape. Then the same
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
 * GET /mcp (a stream of server-initiated messages) and DELETE /mcp (ending a
 * session) answer 405: this server pushes nothing unasked and keeps no
 * session.
 */
import { HttpApiBuilder, HttpServerRequest } from "@effect/platform"
import { RpcServer } from "@effect/rpc"
import { Effect, Either, Layer } from "effect"
import { narrowScope } from "../domain/AccessScope.js"
import { AppConfig } from "../config/AppConfig.js"
import { BadRequest } from "../http/ApiErrors.js"
import { SessionAuth } from "../http/CurrentSession.js"
import { detailResponse } from "../http/DetailErrors.js"
import { requireTelegram } from "../http/RequireTelegram.js"
import { SessionAuthLive } from "../http/SessionAuth.js"
import { makeHttpTransport } from "../mcp/HttpTransport.js"
import { McpServerLive, OUTPUT_SCHEMAS } from "../mcp/McpServerLive.js"
import { parseScopeHeader, SCOPE_HEADER } from "../mcp/ScopeHeader.js"

export const MCP_PATH = "/mcp"

/** The protocol versions @effect/ai's McpServer speaks. */
export const SUPPORTED_PROTOCOL_VERSIONS = ["2025-06-18", "2025-03-26", "2024-11-05", "2024-10-07"] as const

const notOffered = (method: string) =>
  Effect.succeed(
    detailResponse(
      405,
      `${method} ${MCP_PATH} is not offered: this MCP server keeps no session and pushes nothing unasked; send requests with POST`,
      { allow: "POST" }
    )
  )

/** The MCP server and its route, over the use cases the server's layer provides. */
export const McpRouteLive = HttpApiBuilder.Router.use((router) =>
  Effect.gen(function*() {
    const transport = yield* makeHttpTransport(OUTPUT_SCHEMAS)
    yield* Layer.build(McpServerLive.pipe(Layer.provide(Layer.succeed(RpcServer.Protocol, transport.protocol))))
    const authenticate = yield* SessionAuth
    const config = yield* AppConfig
    yield* router.post(
      MCP_PATH,
      Effect.gen(function*() {
        const request = yield* HttpServerRequest.HttpServerRequest
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
        const body = yield* request.json
        const accept = (request.headers["accept"] ?? "").toLowerCase()
        return yield* transport.post(body, {
          caller: { session: name, scope: narrowScope(granted, scope.right) },
          acceptsEventStream: accept.includes("text/event-stream")
        })
      })
    )
    yield* router.get(MCP_PATH, notOffered("GET"))
    yield* router.del(MCP_PATH, notOffered("DELETE"))
  })
).pipe(Layer.provide(SessionAuthLive))
