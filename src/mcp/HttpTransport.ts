/**
 * MCP's streamable HTTP transport, stateless: each POST carries JSON-RPC
 * messages and is answered on its own, as one RPC client of the server for
 * the time of the request, acting for the caller the route authenticated.
 * No `Mcp-Session-Id` is issued, so nothing of one request is reachable
 * from another (another account's session, another token).
 *
 * - Only notifications: 202 Accepted, no body.
 * - Requests: the answers as `application/json` (one object, or an array
 *   for a batch) once all are done; or, when a request carries a progress
 *   token and the client accepts `text/event-stream`, as Server-Sent Events
 *   (each message an `event: message`): its progress notifications as they
 *   happen, then the answers, then the end of the stream.
 *
 * A client that goes away cancels its requests (a history fill stops, the
 * cache stays consistent).
 *
 * GET /mcp (`listen`) opens the stream of server-initiated messages: one
 * more RPC client that sends nothing, subscribed to what the MCP server
 * broadcasts (its notifications, such as `notifications/tools/list_changed`;
 * none of a request's own, which go on that request's answer). Today the
 * server has nothing to push after start-up, so the stream carries
 * `: keep-alive` comments, one at once (the headers go out) and one every
 * `keepAlive` after that. It ends when the client goes away (the
 * request's scope closes) or the transport is shut down (the server stops).
 * DELETE (ending a session) is not offered: 405 (the route).
 */
import { HttpServerResponse } from "@effect/platform"
import type { RpcMessage } from "@effect/rpc"
import { RpcServer } from "@effect/rpc"
import { type Duration, Effect, Mailbox, Schedule, Scope, Stream } from "effect"
import { KEEP_ALIVE } from "../contract/SseFraming.js"
import { type JsonRpcMessage, makeJsonRpcCodec, type ServerMessage } from "./JsonRpcCodec.js"
import { type Caller, McpCall } from "./McpCall.js"

export interface PostOptions {
  readonly caller: Caller
  /** The request's Accept header allows `text/event-stream`. */
  readonly acceptsEventStream: boolean
}

export interface ListenOptions {
  /** The longest silence before a `: keep-alive` comment. */
  readonly keepAlive: Duration.DurationInput
  /**
   * The clients the MCP server broadcasts its notifications to (McpServer's
   * `initializedClients`): the stream's client is one of them while it is open.
   */
  readonly subscribers: Set<number>
}

export interface HttpTransport {
  readonly protocol: RpcServer.Protocol["Type"]
  /** Answers one POST whose body (already read, bounded and parsed) is `body`. */
  readonly post: (body: unknown, options: PostOptions) => Effect.Effect<HttpServerResponse.HttpServerResponse, never, Scope.Scope>
  /** Answers a GET: the SSE stream of server-initiated messages, open until the request's scope closes. */
  readonly listen: (options: ListenOptions) => Effect.Effect<HttpServerResponse.HttpServerResponse, never, Scope.Scope>
}

interface Client {
  readonly send: (message: ServerMessage) => Effect.Effect<void>
  readonly end: Effect.Effect<void>
}

const EOF: RpcMessage.FromClientEncoded = { _tag: "Eof" }

const sseFrame = (message: JsonRpcMessage) => `event: message\ndata: ${JSON.stringify(message)}\n\n`

const SSE_HEADERS = { "cache-control": "no-cache", "x-accel-buffering": "no" }

/** The transport, until `scope` closes: then the open GET streams end. */
export const makeHttpTransport = (outputSchemas: ReadonlyMap<string, unknown>): Effect.Effect<HttpTransport, never, Scope.Scope> =>
  Effect.gen(function*() {
    let nextClientId = 1
    const clients = new Map<number, Client>()
    // The open GET streams' outlets, ended when the transport is shut down.
    const listeners = new Set<Mailbox.Mailbox<JsonRpcMessage>>()
    yield* Effect.addFinalizer(() => Effect.forEach(listeners, (out) => out.end, { discard: true }))
    const disconnects = yield* Mailbox.make<number>()
    let writeRequest!: (clientId: number, message: RpcMessage.FromClientEncoded) => Effect.Effect<void>

    const protocol = yield* RpcServer.Protocol.make((write) => {
      writeRequest = write
      return Effect.succeed({
        disconnects,
        send: (clientId: number, message: RpcMessage.FromServerEncoded) => clients.get(clientId)?.send(message) ?? Effect.void,
        end: (clientId: number) => clients.get(clientId)?.end ?? Effect.void,
        clientIds: Effect.sync(() => new Set(clients.keys())),
        initialMessage: Effect.succeedNone,
        supportsAck: false,
        supportsTransferables: false,
        supportsSpanPropagation: false
      })
    })

    const post = (body: unknown, options: PostOptions) =>
      Effect.gen(function*() {
        const codec = makeJsonRpcCodec(outputSchemas)
        const decoded = codec.decode(body)
        const expectsAnswers = codec.pending() > 0 || decoded.immediate.length > 0
        const streaming = options.acceptsEventStream && decoded.requests.some((r) => r.progressToken !== undefined)
        const out = yield* Mailbox.make<JsonRpcMessage>()
        const clientId = nextClientId++
        clients.set(clientId, {
          send: (message) => {
            const encoded = codec.encode(message)
            return encoded === undefined ? Effect.void : Effect.asVoid(out.offer(encoded))
          },
          end: Effect.asVoid(out.end)
        })
        // The request is over (answered, or its client gone): whatever of it still runs is stopped.
        yield* Scope.addFinalizer(
          yield* Effect.scope,
          Effect.sync(() => {
            clients.delete(clientId)
            disconnects.unsafeOffer(clientId)
          })
        )
        const notify = (method: string, params: Record<string, unknown>) =>
          streaming ? Effect.asVoid(out.offer({ jsonrpc: "2.0", method, params })) : Effect.void
        for (const message of decoded.immediate) yield* out.offer(message)
        for (const request of decoded.requests) {
          yield* writeRequest(clientId, request.message).pipe(
            Effect.provideService(McpCall, { caller: options.caller, progressToken: request.progressToken, notify })
          )
        }
        yield* writeRequest(clientId, EOF)
        if (!expectsAnswers) return HttpServerResponse.empty({ status: 202 })
        if (streaming) {
          return HttpServerResponse.stream(
            Mailbox.toStream(out).pipe(Stream.map(sseFrame), Stream.encodeText),
            { contentType: "text/event-stream", headers: SSE_HEADERS }
          )
        }
        const answers = Array.from(yield* Stream.runCollect(Mailbox.toStream(out)))
        if (answers.length === 0) return HttpServerResponse.empty({ status: 202 })
        return HttpServerResponse.unsafeJson(Array.isArray(body) ? answers : answers[0])
      })

    const listen = (options: ListenOptions) =>
      Effect.gen(function*() {
        const codec = makeJsonRpcCodec(outputSchemas)
        const out = yield* Mailbox.make<JsonRpcMessage>()
        const clientId = nextClientId++
        clients.set(clientId, {
          // Only the server's own notifications come here: this client sends no requests to answer.
          send: (message) => {
            if (message._tag !== "Request") return Effect.void
            const encoded = codec.encode(message)
            return encoded === undefined ? Effect.void : Effect.asVoid(out.offer(encoded))
          },
          end: Effect.asVoid(out.end)
        })
        options.subscribers.add(clientId)
        listeners.add(out)
        yield* Scope.addFinalizer(
          yield* Effect.scope,
          Effect.sync(() => {
            listeners.delete(out)
            options.subscribers.delete(clientId)
            clients.delete(clientId)
            disconnects.unsafeOffer(clientId)
          })
        )
        const messages = Mailbox.toStream(out).pipe(Stream.map(sseFrame))
        const keepAlives = Stream.fromSchedule(Schedule.spaced(options.keepAlive)).pipe(Stream.as(KEEP_ALIVE))
        // The first keep-alive at once, so the client has the headers; the stream ends when the outlet does.
        const frames = Stream.concat(Stream.make(KEEP_ALIVE), Stream.merge(messages, keepAlives, { haltStrategy: "left" }))
        return HttpServerResponse.stream(Stream.encodeText(frames), { contentType: "text/event-stream", headers: SSE_HEADERS })
      })

    return { protocol, post, listen }
  })
