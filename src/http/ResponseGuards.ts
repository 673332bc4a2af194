/**
 * Headers every response gets, whatever produced it (routes, errors, docs,
 * the login page, SSE streams, media files):
 *
 * - `X-Content-Type-Options: nosniff`: a browser never reads a response as
 *   another type than the one it is labelled with;
 * - `Connection: close` on an answer sent before the request's body was
 *   received whole (a 401, 403, 413 or 415 to a large upload): Node would
 *   otherwise keep reading and discarding the rest on a kept-alive
 *   connection. Closed, the upload stops: once the answer is sent, the
 *   connection stops reading and lingers LINGER_MS before it is destroyed.
 *   Destroyed at once with unread data, the kernel would reset it and the
 *   client could lose the answer before reading it (the reason for
 *   Apache's "lingering close"); not reading meanwhile keeps a client from
 *   pushing more of its body.
 */
import type { Socket } from "node:net"
import { HttpApp, type HttpServerRequest, HttpServerResponse } from "@effect/platform"
import { Effect } from "effect"
import { nodeRequestOf } from "./JsonBody.js"

/** How long a connection closed on an unread body stays open for the client to read the answer. */
export const LINGER_MS = 2000

/**
 * Node ends a `Connection: close` response with socket.destroySoon() (its
 * only caller there): made to end the writing side, stop reading, and
 * destroy the socket LINGER_MS later (or when it closes first).
 */
const lingerOnClose = (socket: Socket) => {
  Object.assign(socket, {
    destroySoon() {
      socket.end()
      socket.pause()
      // Node dumps an unread request body once the answer is sent (IncomingMessage._dump, a resume on the next
      // tick): the connection must not read again, or the rest of the upload would be taken in at full speed.
      Object.assign(socket, { resume: () => socket })
      const timer = setTimeout(() => socket.destroy(), LINGER_MS).unref()
      socket.once("close", () => clearTimeout(timer))
    }
  })
}

const guard = (request: HttpServerRequest.HttpServerRequest, response: HttpServerResponse.HttpServerResponse) =>
  Effect.sync(() => {
    const withNosniff = HttpServerResponse.setHeader(response, "x-content-type-options", "nosniff")
    const source = nodeRequestOf(request)
    if (source === undefined || source.complete) return withNosniff
    lingerOnClose(source.socket)
    return HttpServerResponse.setHeader(withNosniff, "connection", "close")
  })

export const responseGuards = <E, R>(app: HttpApp.Default<E, R>): HttpApp.Default<E, R> =>
  Effect.zipRight(HttpApp.appendPreResponseHandler(guard), app)
