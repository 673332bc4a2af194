/**
 * The session lifecycle routes of the HTTP API (TgscApi adds the group):
 * listing the saved sessions, deleting one. Described here, handled in Http.ts beside it.
 */
import { HttpApiEndpoint, HttpApiGroup, OpenApi } from "@effect/platform"
import { Schema } from "effect"
import { AdminOnly } from "../AdminOnly.js"
import { BadRequest, NotFound } from "../ApiErrors.js"

export const SessionDeletedResponse = Schema.Struct({
  status: Schema.Literal("deleted"),
  username: Schema.String,
  telegram: Schema.Literal("logged_out", "already_ended", "not_confirmed").annotations({
    description: "logged_out: Telegram ended the login; already_ended: Telegram no longer knew it (revoked elsewhere); " +
      "not_confirmed: Telegram could not be asked (the login may still be listed in Telegram > Settings > Devices)"
  }),
  message: Schema.String
}).annotations({ identifier: "SessionDeleted" })

export const SessionListResponse = Schema.Struct({
  sessions: Schema.Array(Schema.Struct({
    name: Schema.String.annotations({ description: "the session name, as X-Telegram-Username takes it" })
  }))
}).annotations({ identifier: "SessionList" })

export class SessionsGroup extends HttpApiGroup.make("sessions")
  .add(
    HttpApiEndpoint.get("listSessions", "/api/v3/sessions")
      .addSuccess(SessionListResponse)
      .annotate(
        OpenApi.Description,
        "The saved sessions (logins by QR code, phone or tgsc-auth), by name, in name order: names only, never a " +
          "session's secret. The admin token only (a named token is bound to its own sessions: 403)."
      )
      .annotate(OpenApi.Summary, "List the saved sessions")
  )
  .add(
    HttpApiEndpoint.del("deleteSession", "/api/v3/sessions/:name")
      .setPath(Schema.Struct({
        name: Schema.String.annotations({ description: "session name: 1-64 of A-Z a-z 0-9 _ . - (not starting with . or -)" })
      }))
      .addSuccess(SessionDeletedResponse)
      .addError(BadRequest)
      .addError(NotFound)
      .annotate(
        OpenApi.Description,
        "Logs the session out at Telegram (auth.logOut), then removes its file, its cached dialog list and any " +
          "login under way for it. The session is removed even when Telegram cannot be reached (`telegram` says so). " +
          "X-Telegram-Username is optional; when sent it must name the same session (400 otherwise)."
      )
      .annotate(OpenApi.Summary, "Delete a session: log it out at Telegram and remove it here")
  )
  .middleware(AdminOnly)
  .annotate(OpenApi.Title, "Sessions")
{}
