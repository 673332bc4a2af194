/**
 * The history routes of the HTTP API: A dialog's history as Server-Sent Events (contract section 4).
 * Declared here, handled in Http.ts beside it; src/http/Api.ts adds the
 * group to TgscApi.
 */
import { HttpApiEndpoint, HttpApiGroup, HttpApiSchema, OpenApi } from "@effect/platform"
import { Schema } from "effect"
import { BadGateway, BadRequest, Conflict, Gone, NotFound, RateLimited, ServiceUnavailable } from "../ApiErrors.js"
import { SessionAuth } from "../CurrentSession.js"
import { BoolParam, DateParam, DialogIdParam, IntParam, withDefault } from "../Params.js"

export const HISTORY_DEFAULT_CHUNK_SIZE = 100
/** A chunk is held whole before it is sent: this bounds a stream's memory (10x the default and Telegram's page). */
export const HISTORY_MAX_CHUNK_SIZE = 1000

export class HistoryGroup extends HttpApiGroup.make("history")
  .add(
    HttpApiEndpoint.get("streamHistory", "/api/v3/history/:dialog_id")
      .setPath(Schema.Struct({ dialog_id: DialogIdParam }))
      .setUrlParams(
        Schema.Struct({
          start_date: Schema.optional(DateParam),
          end_date: Schema.optional(DateParam),
          chunk_size: withDefault(IntParam(1, HISTORY_MAX_CHUNK_SIZE), HISTORY_DEFAULT_CHUNK_SIZE),
          force_refresh: withDefault(BoolParam, false),
          reverse: withDefault(BoolParam, false),
          progress: withDefault(BoolParam, false),
          follow: withDefault(BoolParam, false).annotations({
            description: "After the range (up to now: no end_date, not with reverse, topic_id or thread), keep the " +
              "stream open and append each new message of the dialog as it arrives, without gap or duplicate; needs " +
              "following on (the setting follow_updates, or --follow-updates): 409 otherwise"
          }),
          topic_id: Schema.optional(IntParam(1)).annotations({
            description: "Only this forum topic's messages (General is 1); 400 on a dialog that is not a forum, " +
              "404 for an unknown topic. Not with thread"
          }),
          thread: Schema.optional(IntParam(1)).annotations({
            description: "Only the thread rooted at this message: a channel post's comments (in its discussion group), " +
              "or a supergroup message's replies; 400 on a dialog or post without threads, 404 for an unknown message. " +
              "Not with topic_id"
          })
        })
      )
      .addSuccess(
        HttpApiSchema.Text({ contentType: "text/event-stream" }).annotations({
          description: "Server-Sent Events: `data: {\"messages\": [HistoryMessage, ...]}` per chunk of chunk_size, " +
            "oldest first (newest first with reverse=true), range [start_date, end_date); " +
            "`event: error` with `{\"detail\", \"status\", \"retry_after\"?}` on failure after the start; " +
            "`: keep-alive` comments while waiting; with progress=true, `event: progress` events " +
            "`{\"fetched\": messages fetched from Telegram so far, \"range\": {\"start_date\", \"end_date\"} being fetched or null, " +
            "\"rate_limit_wait\": seconds of the rate-limit wait starting now or 0}`. " +
            "At most 8 streams open per session and 32 on the server (--max-streams-per-session, --max-streams): " +
            "beyond that, 429 with Retry-After"
        })
      )
      .addError(BadRequest)
      .addError(NotFound)
      .addError(Conflict)
      .addError(Gone)
      .addError(RateLimited)
      .addError(ServiceUnavailable)
      .annotate(OpenApi.Summary, "Stream a dialog's history from the cache, fetching only missing ranges")
  )
  .addError(BadGateway)
  .addError(NotFound)
  .middleware(SessionAuth)
  .annotate(OpenApi.Title, "History")
{}
