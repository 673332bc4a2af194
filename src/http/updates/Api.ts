/**
 * The live updates route of the HTTP API: the account's events as
 * Server-Sent Events, resumable by event id (Last-Event-ID or since).
 * Declared here, handled in Http.ts beside it; src/http/Api.ts adds the
 * group to TgscApi.
 */
import { HttpApiEndpoint, HttpApiGroup, HttpApiSchema, OpenApi } from "@effect/platform"
import { Schema } from "effect"
import { BadGateway, BadRequest, Conflict, Gone, NotFound, RateLimited, ServiceUnavailable } from "../ApiErrors.js"
import { SessionAuth } from "../CurrentSession.js"
import { DialogIdParam, IntParam } from "../Params.js"

export class UpdatesGroup extends HttpApiGroup.make("updates")
  .add(
    HttpApiEndpoint.get("streamUpdates", "/api/v3/updates")
      .setUrlParams(
        Schema.Struct({
          since: Schema.optional(IntParam(0)).annotations({
            description: "Resume after this event id (the `id:` of the last event received); the Last-Event-ID header, " +
              "when sent, wins. Without either, only events from now on"
          }),
          dialog_id: Schema.optional(Schema.Array(DialogIdParam).annotations({
            description: "Only these dialogs' events; repeat for several: ?dialog_id=1&dialog_id=2"
          })),
          folder: Schema.optional(Schema.String.annotations({
            description: "Only the events of this folder's dialogs (folder id or title; 0 or \"All Chats\": the main list)"
          }))
        })
      )
      .setHeaders(Schema.Struct({ "last-event-id": Schema.optional(IntParam(0)) }))
      .addSuccess(
        HttpApiSchema.Text({ contentType: "text/event-stream" }).annotations({
          description: "Server-Sent Events, one per change, in the order applied: `id: <event id>` (per account, " +
            "growing by one per event), `event: new_message | edit_message | delete_messages | dialog`, and `data:` the " +
            "message as history shows it with `dialog_id` first (HistoryMessage plus dialog_id), or for deletions " +
            "`{\"dialog_id\", \"message_ids\"}` (dialog_id null when Telegram did not say which private chat or basic " +
            "group, and no cache held them), or for a dialog new to the account (before its first message, or when a " +
            "channel was joined) the Dialog as dialog search shows it with `dialog_id` first. `: keep-alive` comments while waiting. Needs following on (the setting " +
            "follow_updates, or --follow-updates): 409 otherwise. Events are kept 7 days or 1,000,000 events: a resume " +
            "from before that is a 410 naming the oldest available id. Counts against the stream caps (429)"
        })
      )
      .addError(BadRequest)
      .addError(NotFound)
      .addError(Conflict)
      .addError(Gone)
      .addError(RateLimited)
      .addError(ServiceUnavailable)
      .annotate(OpenApi.Summary, "Follow the account's new, edited and deleted messages live, resumable by event id")
  )
  .addError(BadGateway)
  .middleware(SessionAuth)
  .annotate(OpenApi.Title, "Updates")
{}
