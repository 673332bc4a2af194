/**
 * One log line per request: method, path (never the query: it can carry
 * search text; secrets in the path redacted), status, duration, request id
 * and session name. The request id also goes back to the client as
 * `x-request-id`. Headers are never logged (the API token, session strings).
 */
import { randomUUID } from "node:crypto"
import { HttpApp, HttpServerRequest, HttpServerResponse } from "@effect/platform"
import { Effect, FiberRef } from "effect"
import { SESSION_NAME_PATTERN } from "../domain/SessionName.js"

export const CurrentRequestId = FiberRef.unsafeMake<string>("-")

const REQUEST_ID = /^[A-Za-z0-9._-]{1,64}$/

/**
 * Path segments that hold a secret, by the segments before them: the login
 * tokens (`/api/v3/auth/qr/<token>/...`, `/api/v3/auth/phone/<token>/...`).
 * A route with a secret in its path adds its prefix here.
 */
const SECRET_AFTER: ReadonlyArray<RegExp> = [/(\/auth\/+qr\/+)[^/]+/gi, /(\/auth\/+phone\/+)[^/]+/gi]

const decodedOrRaw = (path: string) => {
  try {
    return decodeURI(path)
  } catch {
    return path
  }
}

/**
 * The path as logged: without the query (`?`, or `;`/`#` as the router
 * reads them), the absolute form's scheme and host, and repeated slashes,
 * `%xx` decoded, then every secret segment replaced by `***`, however the
 * path was spelled (the router ignores case, `//` and `%xx` too).
 */
export const loggedPath = (url: string): string => {
  const path = url.split(/[?#;]/, 1)[0]!.replace(/^[a-z][a-z0-9+.-]*:\/\/[^/]*/i, "")
  const normalized = decodedOrRaw(path).replace(/\/{2,}/g, "/")
  return SECRET_AFTER.reduce((p, pattern) => p.replace(pattern, "$1***"), normalized)
}

export const requestLog = <E, R>(app: HttpApp.Default<E, R>): HttpApp.Default<E, R> =>
  Effect.gen(function*() {
    const request = yield* HttpServerRequest.HttpServerRequest
    const given = request.headers["x-request-id"]
    const id = given !== undefined && REQUEST_ID.test(given) ? given : randomUUID().slice(0, 8)
    const session = request.headers["x-telegram-username"]
    const path = loggedPath(request.url)
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
