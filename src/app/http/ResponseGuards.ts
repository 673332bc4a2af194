/**
 * Headers every response gets, whatever produced it (routes, errors, docs,
 * the login page, SSE streams, media files):
 *
 * - `X-Content-Type-Options: nosniff`: a browser never reads a response as
 *   another type than the one it is labelled with;
 * - `Connection: close` on an answer sent before the request's body was
 *   received whole (a 401, 403, 413 or 415 to a large upload): Node would
 *   otherwise keep reading and discarding the rest on a kept-alive
 *   connection; closed, the upload stops.
 */
import { HttpApp, type HttpServerRequest, HttpServerResponse } from "@effect/platform"
import { Effect } from "effect"
import { nodeRequestOf } from "./JsonBody.js"

const guard = (request: HttpServerRequest.HttpServerRequest, response: HttpServerResponse.HttpServerResponse) =>
  Effect.sync(() => {
    const withNosniff = HttpServerResponse.setHeader(response, "x-content-type-options", "nosniff")
    const source = nodeRequestOf(request)
    return source !== undefined && !source.complete
      ? HttpServerResponse.setHeader(withNosniff, "connection", "close")
      : withNosniff
  })

export const responseGuards = <E, R>(app: HttpApp.Default<E, R>): HttpApp.Default<E, R> =>
  Effect.zipRight(HttpApp.appendPreResponseHandler(guard), app)
