/**
 * The MCP server on this process's stdin and stdout, embedded: the tools
 * run on the use cases of this process (TgscLive over the data directory,
 * whose lock the caller holds). Runs until the client closes stdin.
 */
import { RpcServer } from "@effect/rpc"
import { Deferred, Effect, Layer, type Stream } from "effect"
import type { Caller } from "./McpCall.js"
import { McpServerLive, OUTPUT_SCHEMAS } from "./McpServerLive.js"
import { makeStdioProtocol } from "./StdioTransport.js"

export const serveStdio = (options: {
  readonly caller: Caller
  readonly input: Stream.Stream<Uint8Array, unknown>
  readonly write: (line: string) => Effect.Effect<void>
}) =>
  Effect.scoped(Effect.gen(function*() {
    const ended = yield* Deferred.make<void>()
    const protocol = yield* makeStdioProtocol({
      input: options.input,
      write: options.write,
      caller: options.caller,
      outputSchemas: OUTPUT_SCHEMAS,
      onEnd: Deferred.succeed(ended, undefined)
    })
    yield* Layer.build(McpServerLive.pipe(Layer.provide(Layer.succeed(RpcServer.Protocol, protocol))))
    yield* Deferred.await(ended)
  }))
