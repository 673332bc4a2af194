/**
 * MCP over stdio: one JSON-RPC message per line in, one per line out (MCP,
 * "stdio" transport), every request acting for the session and scope the
 * command was started with. Nothing else may go to stdout: logs go to
 * stderr (the caller's logger).
 *
 * A line longer than MAX_LINE_BYTES is answered with a parse error and
 * skipped, so a runaway client cannot make the process buffer without
 * bound. The input ending (the client closed our stdin) ends the server.
 */
import { RpcServer } from "@effect/rpc"
import { Effect, Mailbox, type Scope, Stream } from "effect"
import { type DecodedRequest, errorMessage, type JsonRpcMessage, makeJsonRpcCodec, PARSE_ERROR } from "./JsonRpcCodec.js"
import { type Caller, McpCall } from "./McpCall.js"

/** Far more than any MCP request of these tools needs (a tool call is a few hundred bytes). */
export const MAX_LINE_BYTES = 1024 * 1024

export interface StdioOptions {
  readonly input: Stream.Stream<Uint8Array, unknown>
  /** Writes one line (a JSON text and its newline) to the client, whole. */
  readonly write: (line: string) => Effect.Effect<void>
  readonly caller: Caller
  readonly outputSchemas: ReadonlyMap<string, unknown>
  /** Runs when the input has ended. */
  readonly onEnd: Effect.Effect<void>
}

/** Splits bytes into lines, dropping (and reporting) any line over the limit. */
const makeLineSplitter = () => {
  const decoder = new TextDecoder()
  let buffer = ""
  let overflowing = false
  return (bytes: Uint8Array): { readonly lines: Array<string>; readonly oversized: number } => {
    buffer += decoder.decode(bytes, { stream: true })
    const lines: Array<string> = []
    let oversized = 0
    let newline = buffer.indexOf("\n")
    while (newline >= 0) {
      const line = buffer.slice(0, newline)
      buffer = buffer.slice(newline + 1)
      if (overflowing) {
        overflowing = false
        oversized++
      } else if (line.trim() !== "") lines.push(line)
      newline = buffer.indexOf("\n")
    }
    if (buffer.length > MAX_LINE_BYTES) {
      buffer = ""
      overflowing = true
    }
    return { lines, oversized }
  }
}

export const makeStdioProtocol = (options: StdioOptions): Effect.Effect<RpcServer.Protocol["Type"], never, Scope.Scope> =>
  RpcServer.Protocol.make((writeRequest) =>
    Effect.gen(function*() {
      const codec = makeJsonRpcCodec(options.outputSchemas)
      const send = (message: JsonRpcMessage) => options.write(JSON.stringify(message) + "\n")
      const notify = (method: string, params: Record<string, unknown>) => send({ jsonrpc: "2.0", method, params })
      const split = makeLineSplitter()

      const deliver = (request: DecodedRequest) =>
        writeRequest(0, request.message).pipe(
          Effect.provideService(McpCall, { caller: options.caller, progressToken: request.progressToken, notify })
        )

      const onLine = (line: string) =>
        Effect.suspend(() => {
          let value: unknown
          try {
            value = JSON.parse(line)
          } catch (error) {
            return send(errorMessage(null, PARSE_ERROR, `Parse error: ${error instanceof Error ? error.message : String(error)}`))
          }
          const decoded = codec.decode(value)
          return Effect.zipRight(
            Effect.forEach(decoded.immediate, send, { discard: true }),
            Effect.forEach(decoded.requests, deliver, { discard: true })
          )
        })

      yield* options.input.pipe(
        Stream.runForEach((bytes) =>
          Effect.suspend(() => {
            const { lines, oversized } = split(bytes)
            const tooLong = Array.from({ length: oversized }, () =>
              errorMessage(null, PARSE_ERROR, `Parse error: a message longer than ${MAX_LINE_BYTES} bytes`))
            return Effect.zipRight(Effect.forEach(tooLong, send, { discard: true }), Effect.forEach(lines, onLine, { discard: true }))
          })),
        Effect.catchAllCause((cause) => Effect.logError("stdin failed", cause)),
        Effect.ensuring(options.onEnd),
        Effect.forkScoped
      )

      return {
        disconnects: yield* Mailbox.make<number>(),
        send: (_clientId, response) => {
          const message = codec.encode(response)
          return message === undefined ? Effect.void : send(message)
        },
        end: () => Effect.void,
        clientIds: Effect.succeed(new Set([0])),
        initialMessage: Effect.succeedNone,
        supportsAck: false,
        supportsTransferables: false,
        supportsSpanPropagation: false
      }
    })
  )
