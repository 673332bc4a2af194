/**
 * One log line per request: method, path (never the query: it can carry
 * search text), status, duration, request id and session name. The request
 * id also goes back to the client as `x-request-id`.
 */
import { randomUUID } from "node:crypto"
import { HttpApp, HttpServerRequest, HttpServerResponse } from "@effect/platform"
import { Effect, FiberRef } from "effect"
import { SESSION_NAME_PATTERN } from "../../domain/SessionName.js"

export const CurrentRequestId = FiberRef.unsafeMake<string>("-")

const REQUEST_ID = /^[A-Za-z0-9._-]{1,64}$/

export const requestLog = <E, R>(app: HttpApp.Default<E, R>): HttpApp.Default<E, R> =>
  Effect.gen(function*() {
    const request = yield* HttpServerRequest.HttpServerRequest
    const given = request.headers["x-request-id"]
    const id = given !== undefined && REQUEST_ID.test(given) ? given : randomUUID().slice(0, 8)
    const session = request.headers["x-telegram-username"]
    const path = request.url.split("?")[0]!
    const started = performance.now()
    const annotations = {
      request_id: id,
      method: request.method,
      path,
      session: session !== undefined && SESSION_NAME_PATTERN.test(session) ? session : "-"
    }
    yield* HttpApp.appendPreResponseHandler((_, response) =>
      Effect.succeed(HttpServerResponse.setHeader(response, "x-request-id", id))
    )
    const response = yield* Effect.locally(app, CurrentRequestId, id).pipe(
      Effect.annotateLogs(annotations),
      Effect.onExit((exit) =>
        exit._tag === "Failure"
          ? Effect.logInfo("request aborted").pipe(
            Effect.annotateLogs({ ...annotations, duration_ms: Math.round(performance.now() - started) })
          )
          : Effect.void
      )
    )
    yield* Effect.logInfo(`${request.method} ${path} ${response.status}`).pipe(
      Effect.annotateLogs({ ...annotations, status: response.status, duration_ms: Math.round(performance.now() - started) })
    )
    return response
  })
