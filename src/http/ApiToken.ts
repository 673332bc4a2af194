/**
 * The API tokens: `Authorization: Bearer <token>` with either the admin
 * token (TGSC_API_TOKEN: everything, any session) or a named token
 * (tgsc-auth token create: its sessions and its scope only). The guard
 * decides which one a request carries and hands that on as RequestAccess;
 * SessionAuth and AdminOnly apply it.
 *
 * With an admin token set, every request needs one of the two, except those
 * the router sends to one of the public routes below (default-deny: a route
 * added later is protected until it is listed here). Without one (the
 * loopback default), a request without a token has full access as before,
 * a named token still binds its bearer to its sessions and scope, and a
 * token that is not valid (revoked, mistyped) is a 401, never ignored: an
 * agent handed a scoped token must not get more when it is revoked.
 *
 * "Public" is decided by routing the request through a router holding only
 * the public routes, built the same way as the API's router (same matcher,
 * same options). So a path counts as public exactly when the real router
 * would serve a public route for it: however it is spelled (case, `//`,
 * `%xx`, a trailing `/` or `;`, the absolute form `http://host/...`), a
 * request routed to anything else needs the token.
 *
 * The admin token is compared as SHA-256 digests with timingSafeEqual, and
 * named tokens by their SHA-256 against every stored hash the same way
 * (ApiTokens): constant time whatever the lengths. tokens.yaml is read at
 * start (a file that does not read as tokens stops the server) and again
 * whenever it changes, so a token created or revoked counts from the next
 * request; if it turns invalid while the server runs, named tokens are
 * refused (503) until it is fixed, and the admin token still works.
 */
import { createHash, timingSafeEqual } from "node:crypto"
import { HttpApiBuilder, type HttpApp, HttpRouter, HttpServerRequest, HttpServerResponse } from "@effect/platform"
import { Effect, Either, Exit, Option, Redacted } from "effect"
import { TOKENS_FILE } from "../adapters/fs/TokensFile.js"
import { ApiTokens } from "../app/ApiTokens.js"
import { detailResponse } from "./DetailErrors.js"
import { type Access, FULL_ACCESS, RequestAccess } from "./RequestAccess.js"

/** GET (and HEAD) routes answered without the token. */
export const PUBLIC_ROUTES = ["/", "/health", "/docs", "/openapi.json", "/login", "/app", "/app/:file"] as const

const digest = (text: string) => createHash("sha256").update(text, "utf8").digest()

/** Whether `given` equals `expected`, in time independent of either's content and length. */
export const sameSecret = (given: string, expected: string): boolean => timingSafeEqual(digest(given), digest(expected))

const BEARER = /^Bearer\s+(.+)$/i

/** The token an Authorization header value carries, if it is a Bearer one. */
export const bearerToken = (header: string | undefined): string | undefined => BEARER.exec((header ?? "").trim())?.[1]

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

export const MISSING_TOKEN = "Missing or wrong API token: send 'Authorization: Bearer <token>' with TGSC_API_TOKEN " +
  "or a token from tgsc-auth token create"

export const tokensUnavailableDetail = (problem: string) =>
  `Named API tokens are refused until {data_dir}/${TOKENS_FILE} is fixed: ${problem}`

const guard = (admin: string | undefined) =>
  Effect.gen(function*() {
    const isPublic = yield* makePublicRouteCheck
    const tokens = yield* ApiTokens
    // Read now: a file that does not read as tokens stops the server here, naming it.
    yield* tokens.list
    let reported: string | undefined
    return <E, R>(app: HttpApp.Default<E, R>): HttpApp.Default<E, R> =>
      Effect.gen(function*() {
        const request = yield* HttpServerRequest.HttpServerRequest
        const as = (access: Access) => Effect.provideService(app, RequestAccess, access)
        const refuse = (response: HttpServerResponse.HttpServerResponse) =>
          Effect.flatMap(isPublic(request), (open) => (open ? app : Effect.succeed(response)))
        const presented = bearerToken(request.headers["authorization"])
        if (presented === undefined) {
          return yield* admin === undefined ? as(FULL_ACCESS) : refuse(unauthorized())
        }
        if (admin !== undefined && sameSecret(presented, admin)) return yield* as(FULL_ACCESS)
        const found = yield* Effect.either(tokens.authenticate(presented).pipe(Effect.catchTag("TokenStoreFailed", Effect.die)))
        if (Either.isLeft(found)) {
          if (reported !== found.left.message) {
            reported = found.left.message
            yield* Effect.logError(`${found.left.message}: named API tokens are refused until it is fixed`)
          }
          return yield* refuse(detailResponse(503, tokensUnavailableDetail(found.left.problem)))
        }
        reported = undefined
        return yield* Option.match(found.right, {
          onNone: () => refuse(unauthorized()),
          onSome: (token) => as({ _tag: "Token", token })
        })
      })
  })

const unauthorized = () => detailResponse(401, MISSING_TOKEN, { "www-authenticate": "Bearer" })

/** The token guard, with the admin token when one is set. */
export const ApiTokenLive = (admin: Option.Option<Redacted.Redacted<string>>) =>
  HttpApiBuilder.middleware(guard(Option.getOrUndefined(Option.map(admin, Redacted.value))))
