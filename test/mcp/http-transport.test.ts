/**
 * GET /mcp's stream inside the transport (HttpTransport.ts `listen`), with
 * @effect/ai's McpServer over it and no HTTP server: what the MCP server
 * broadcasts (a list_changed notification) goes out on every open stream as
 * an SSE `event: message`, after the first keep-alive; a stream whose
 * request ended is no longer subscribed; shutting the transport down ends
 * the streams still open. (Over HTTP, with the guards: guards.test.ts.)
 */
import { McpServer } from "@effect/ai"
import type { HttpBody } from "@effect/platform"
import { RpcServer } from "@effect/rpc"
import { Chunk, Context, Effect, Exit, Fiber, Layer, Scope, Stream } from "effect"
import { describe, expect, it } from "vitest"
import { makeHttpTransport } from "../../src/mcp/HttpTransport.js"

const frames = (body: HttpBody.HttpBody) => Stream.decodeText((body as HttpBody.Stream).stream)

const LIST_CHANGED = 'event: message\ndata: {"jsonrpc":"2.0","method":"notifications/tools/list_changed"'

describe("the transport's stream of server messages", () => {
  it("carries the server's notifications to each open stream, until its request or the transport ends", async () => {
    await Effect.gen(function*() {
      const transportScope = yield* Scope.make()
      const transport = yield* Scope.extend(makeHttpTransport(new Map()), transportScope)
      const built = yield* Layer.build(
        McpServer.layer({ name: "test", version: "1" }).pipe(Layer.provide(Layer.succeed(RpcServer.Protocol, transport.protocol)))
      )
      const server = Context.get(built, McpServer.McpServer)
      /** Opens a stream and reads it, its first `frames` frames or to its end. */
      const open = (count?: number) =>
        Effect.gen(function*() {
          const scope = yield* Scope.make()
          const response = yield* Scope.extend(transport.listen({ keepAlive: "1 hour", subscribers: server.initializedClients }), scope)
          expect(response.headers["cache-control"]).toBe("no-cache")
          const body = frames(response.body)
          const read = yield* Effect.fork(Stream.runCollect(count === undefined ? body : Stream.take(body, count)))
          return { scope, read }
        })
      const first = yield* open(2)
      const second = yield* open()
      expect(server.initializedClients.size).toBe(2)

      yield* server.notifications["notifications/tools/list_changed"]({})
      const atFirst = Chunk.toArray(yield* Fiber.join(first.read))
      expect(atFirst[0]).toBe(": keep-alive\n\n")
      expect(atFirst[1]).toMatch(/^event: message\ndata: \{"jsonrpc":"2\.0","method":"notifications\/tools\/list_changed"/)
      // The first stream's request ends (its client went away): it is dropped from the subscribers.
      yield* Scope.close(first.scope, Exit.void)
      expect(server.initializedClients.size).toBe(1)

      // Shutting the transport down ends the stream still open.
      yield* Scope.close(transportScope, Exit.void)
      const received = Chunk.toArray(yield* Fiber.join(second.read)).join("")
      expect(received.startsWith(": keep-alive\n\n" + LIST_CHANGED)).toBe(true)
      expect(received.split("event: message").length - 1).toBe(1)
      yield* Scope.close(second.scope, Exit.void)
      expect(server.initializedClients.size).toBe(0)
    }).pipe(Effect.scoped, Effect.timeout("10 seconds"), Effect.runPromise)
  })
})
