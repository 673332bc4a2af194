/**
 * Optional bearer token (TGSC_API_TOKEN): when set, every request must carry
 * `Authorization: Bearer <token>`, except those the router sends to one of
 * the public routes below (default-deny: a route added later is protected
 * until it is listed here).
 *
 * "Public" is decided by routing the request through a router holding only
 * the public routes, built the same way as the API's router (same matcher,
 * same options). So a path counts as public exactly when the real router
 * would serve a public route for it: however it is spelled (case, `//`,
 * `%xx`, a trailing `/` or `;`, the absolute form `http://host/...`), a
 * request routed to anything else needs the token.
 *
 * Tokens are compared as SHA-256 digests with timingSafeEqual: constant time
 * whatever the lengths.
 */
import { createHash, timingSafeEqual } from "node:crypto"
import { HttpApiBuilder, type HttpApp, HttpRouter, HttpServerRequest, HttpServerResponse } from "@effect/platform"
import { Effect, Exit, Layer, Option, Redacted } from "effect"
import { detailResponse } from "./DetailErrors.js"

/** GET (and HEAD) routes answered without the token. */
export const PUBLIC_ROUTES = ["/", "/health", "/docs", "/openapi.json", "/login"] as const

const digest = (text: string) => createHash("sha256").update(text, "utf8").digest()

/** Whether `given` equals `expected`, in time independent of either's content and length. */
export const sameSecret = (given: string, expected: string): boolean => timingSafeEqual(digest(given), digest(expected))

const BEARER = /^Bearer\s+(.+)$/i

/** Whether an Authorization header value carries this token. */
export const carriesToken = (header: string | undefined, expected: string): boolean => {
  const match = BEARER.exec((header ?? "").trim())
  return match !== null && sameSecret(match[1]!, expected)
}

/** A request predicate: does the router serve one of PUBLIC_ROUTES for it? */
export const makePublicRouteCheck = Effect.gen(function*() {
  const router = PUBLIC_ROUTES.reduce(
    (r, path) => HttpRouter.get(r, path, Effect.succeed(HttpServerResponse.empty())),
    HttpRouter.empty
  )
  const app = yield* HttpRouter.toHttpApp(router)
  return (request: HttpServerRequest.HttpServerRequest): Effect.Effect<boolean> =>
    app.pipe(
      Effect.provideService(HttpServerRequest.HttpServerRequest, request),
      Effect.exit,
      Effect.map(Exit.isSuccess)
    )
})

const MISSING_TOKEN = "Missing or wrong API token: send 'Authorization: Bearer <TGSC_API_TOKEN>'"

const requireToken = (expected: string, isPublic: (request: HttpServerRequest.HttpServerRequest) => Effect.Effect<boolean>) =>
<E, R>(app: HttpApp.Default<E, R>): HttpApp.Default<E, R> =>
  Effect.gen(function*() {
    const request = yield* HttpServerRequest.HttpServerRequest
    if (carriesToken(request.headers["authorization"], expected) || (yield* isPublic(request))) return yield* app
    return detailResponse(401, MISSING_TOKEN, { "www-authenticate": "Bearer" })
  })

export const ApiTokenLive = (token: Option.Option<Redacted.Redacted<string>>) =>
  Option.match(token, {
    onNone: () => Layer.empty,
    onSome: (expected) =>
      HttpApiBuilder.middleware(Effect.map(makePublicRouteCheck, (isPublic) => requireToken(Redacted.value(expected), isPublic)))
  })
