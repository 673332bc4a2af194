/**
 * GET /api/v3/sessions and DELETE /api/v3/sessions/{name}: thin mappings from
 * HTTP to the SessionListing and SessionLogout use cases. For a delete the
 * name is in the path, so X-Telegram-Username is not needed; when a client
 * sends it anyway (agents send it on every request), it must
 * name the same session, so that a wrong path cannot delete another session.
 */
import { HttpApiBuilder, HttpServerRequest } from "@effect/platform"
import { Effect, Either } from "effect"
import { validateSessionName } from "../../domain/SessionName.js"
import { SessionListing } from "../../app/SessionListing.js"
import { SessionLogout } from "../../app/SessionLogout.js"
import type { TelegramLogout } from "../../app/TelegramLogout.js"
import { TgscApi } from "../Api.js"
import { BadRequest, NotFound } from "../ApiErrors.js"
import { headerText } from "../HeaderText.js"

const outcomeOf = (name: string, telegram: TelegramLogout) => {
  switch (telegram._tag) {
    case "LoggedOut":
      return { telegram: "logged_out" as const, message: `Session '${name}' was logged out at Telegram and deleted` }
    case "AlreadyEnded":
      return {
        telegram: "already_ended" as const,
        message: `Session '${name}' was deleted; Telegram had already ended its login (${telegram.reason})`
      }
    case "NotConfirmed":
      return {
        telegram: "not_confirmed" as const,
        message: `Session '${name}' was deleted here, but Telegram did not confirm the logout (${telegram.reason}): ` +
          "end the login in Telegram > Settings > Devices"
      }
  }
}

export const SessionsHandlersLive = HttpApiBuilder.group(TgscApi, "sessions", (handlers) =>
  Effect.gen(function*() {
    const sessions = yield* SessionLogout
    const listing = yield* SessionListing
    return handlers.handle("listSessions", () =>
      listing.list().pipe(
        // The data directory could not be read: a fault of this machine (logged with a request id).
        Effect.catchTag("SessionStoreFailed", (e) => Effect.die(e)),
        Effect.map((names) => ({ sessions: names.map((name) => ({ name })) }))
      )).handle("deleteSession", ({ path }) =>
      Effect.gen(function*() {
        const name = validateSessionName(path.name)
        if (Either.isLeft(name)) return yield* new BadRequest({ detail: name.left })
        const request = yield* HttpServerRequest.HttpServerRequest
        const header = request.headers["x-telegram-username"]?.trim()
        if (header !== undefined && header !== "" && header !== name.right) {
          const named = headerText(header)
          return yield* new BadRequest({
            detail: `X-Telegram-Username names ${JSON.stringify(named.length > 80 ? named.slice(0, 80) + "..." : named)} ` +
              `but the path names '${name.right}': send the same session name, or no header`
          })
        }
        const deleted = yield* sessions.logOut(name.right).pipe(
          Effect.catchTags({
            SessionNotFound: (e) => Effect.fail(new NotFound({ detail: e.message })),
            // The file could not be removed: a fault of this machine (logged with a request id), retrying is safe.
            SessionStoreFailed: (e) => Effect.die(e)
          })
        )
        return { status: "deleted" as const, username: deleted.name, ...outcomeOf(deleted.name, deleted.telegram) }
      }))
  }))
