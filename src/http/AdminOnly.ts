/**
 * Routes only the admin token may use: logins (they add sessions), session
 * deletion and settings changes. A named token, whatever its scope, gets
 * 403 there; the admin token, or no token on a server that requires none,
 * passes. Declared on the groups and endpoints it guards, so /openapi.json
 * lists the 403.
 */
import { HttpApiMiddleware } from "@effect/platform"
import { Effect, Layer } from "effect"
import { Forbidden } from "./ApiErrors.js"
import { currentAccess } from "./RequestAccess.js"

export class AdminOnly extends HttpApiMiddleware.Tag<AdminOnly>()("app/AdminOnly", { failure: Forbidden }) {}

export const adminOnlyDetail = (token: string) =>
  `The API token '${token}' may not do this: logins, the session list, session deletion and settings changes need the admin token (TGSC_API_TOKEN)`

export const AdminOnlyLive = Layer.succeed(
  AdminOnly,
  Effect.flatMap(currentAccess, (access) =>
    access._tag === "Token" ? Effect.fail(new Forbidden({ detail: adminOnlyDetail(access.token.name) })) : Effect.void)
)
