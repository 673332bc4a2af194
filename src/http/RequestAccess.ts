/**
 * Who a request acts as, decided once by the API token guard (ApiToken.ts)
 * and read by the route guards that depend on it (SessionAuth, AdminOnly):
 * `Full`, the admin token (TGSC_API_TOKEN), or no token on a server that
 * requires none; `Token`, a named token, bound to its sessions and scope.
 *
 * Absent (a route test without the token guard): Full, as such a server
 * has always been.
 */
import { Context, Effect, Option } from "effect"
import type { NamedToken } from "../domain/NamedToken.js"

export type Access =
  | { readonly _tag: "Full" }
  | { readonly _tag: "Token"; readonly token: NamedToken }

export const FULL_ACCESS: Access = { _tag: "Full" }

export class RequestAccess extends Context.Tag("http/RequestAccess")<RequestAccess, Access>() {}

export const currentAccess: Effect.Effect<Access> = Effect.map(
  Effect.serviceOption(RequestAccess),
  Option.getOrElse(() => FULL_ACCESS)
)
