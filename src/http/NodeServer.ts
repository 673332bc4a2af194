/**
 * The Node http server under the API: timeouts for receiving requests, the
 * `{"detail"}` shape for what Node's parser refuses, and open connections
 * (SSE clients) dropped on shutdown instead of waited for.
 */
import { createServer, type Server } from "node:http"
import type { Duplex } from "node:stream"
import { HttpServer } from "@effect/platform"
import { NodeHttpServer } from "@effect/platform-node"
import { Effect, Layer } from "effect"

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

/** Listening on `host`:`port`. */
export const NodeServerLive = (config: { readonly host: string; readonly port: number }) =>
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
