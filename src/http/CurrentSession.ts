/**
 * The session a request acts for (X-Telegram-Username) and the scope of
 * what it may see there (everything, unless a named API token limits it):
 * the middleware tag every group but the login ones declares, and what it
 * provides to handlers. Implemented in SessionAuth.ts.
 */
import { HttpApiMiddleware } from "@effect/platform"
import { Context, Schema } from "effect"
import type { AccessScope } from "../domain/AccessScope.js"
import type { SessionName } from "../domain/SessionName.js"
import { BadRequest, Forbidden, Unauthorized } from "./ApiErrors.js"

export class CurrentSession extends Context.Tag("app/CurrentSession")<
  CurrentSession,
  { readonly name: SessionName; readonly scope: AccessScope }
>() {}

export class SessionAuth extends HttpApiMiddleware.Tag<SessionAuth>()("app/SessionAuth", {
  failure: Schema.Union(BadRequest, Unauthorized, Forbidden),
  provides: CurrentSession
}) {}
