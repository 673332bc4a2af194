/**
 * The session a request acts for (X-Telegram-Username): the middleware tag
 * every group but the login ones declares, and what it provides to handlers.
 * Implemented in SessionAuth.ts.
 */
import { HttpApiMiddleware } from "@effect/platform"
import { Context, Schema } from "effect"
import type { SessionName } from "../domain/SessionName.js"
import { BadRequest, Unauthorized } from "./ApiErrors.js"

export class CurrentSession extends Context.Tag("app/CurrentSession")<CurrentSession, { readonly name: SessionName }>() {}

export class SessionAuth extends HttpApiMiddleware.Tag<SessionAuth>()("app/SessionAuth", {
  failure: Schema.Union(BadRequest, Unauthorized),
  provides: CurrentSession
}) {}
