/**
 * The sync-job routes of the HTTP API: a dialog's history over a range
 * filled into the cache in the background (issue 17). Declared here,
 * handled in Http.ts beside it; src/http/Api.ts adds the group to TgscApi.
 */
import { HttpApiEndpoint, HttpApiGroup, OpenApi } from "@effect/platform"
import { Schema } from "effect"
import { BadGateway, NotFound, RateLimited, ServiceUnavailable } from "../ApiErrors.js"
import { SessionAuth } from "../CurrentSession.js"
import { BoolParam, DateParam, DialogIdParam, withDefault } from "../Params.js"

const Nullable = Schema.NullOr

export const SyncJobError = Schema.Struct({
  detail: Schema.String,
  /** The HTTP status the same failure gives a history request (429 for a Telegram rate limit beyond the flood threshold). */
  status: Schema.Number,
  /** Seconds Telegram asked to wait, with status 429. */
  retry_after: Schema.optional(Schema.Number)
}).annotations({ identifier: "SyncJobError" })

export const SyncJobResponse = Schema.Struct({
  job_id: Schema.String,
  dialog_id: Schema.Number,
  state: Schema.Literal("running", "done", "failed", "cancelled"),
  start_date: Nullable(Schema.String),
  end_date: Nullable(Schema.String),
  force_refresh: Schema.Boolean,
  /** Messages of the range gone through so far, from the cache or from Telegram. */
  messages: Schema.Number,
  /** Of them, fetched from Telegram. */
  fetched: Schema.Number,
  /** The newest message date reached so far (the range is walked oldest first), like message dates. */
  reached: Nullable(Schema.String),
  /** Seconds left of a Telegram rate-limit wait the running job is waiting out (below the flood threshold), else 0. */
  rate_limit_wait: Schema.Number,
  error: Nullable(SyncJobError),
  started_at: Schema.String,
  finished_at: Nullable(Schema.String)
}).annotations({
  identifier: "SyncJob",
  description: "A background sync job. Jobs live in memory: lost on restart; a finished one is kept 10 minutes " +
    "(at most 50 per session); dates are UTC, formatted like message dates"
})

export type SyncJobResponse = typeof SyncJobResponse.Type

const JobIdPath = Schema.Struct({ job_id: Schema.String })

export class SyncGroup extends HttpApiGroup.make("sync")
  .add(
    HttpApiEndpoint.post("startSync", "/api/v3/sync/:dialog_id")
      .setPath(Schema.Struct({ dialog_id: DialogIdParam }))
      .setUrlParams(
        Schema.Struct({
          start_date: Schema.optional(DateParam),
          end_date: Schema.optional(DateParam),
          force_refresh: withDefault(BoolParam, false)
        })
      )
      .addSuccess(SyncJobResponse, { status: 202 })
      .annotate(
        OpenApi.Summary,
        "Start filling a dialog's history over [start_date, end_date) into the cache in the background " +
          "(query parameters as the history route's); the same range while its job runs gives that job"
      )
  )
  .add(
    HttpApiEndpoint.get("getSync", "/api/v3/sync/:job_id")
      .setPath(JobIdPath)
      .addSuccess(SyncJobResponse)
      .annotate(OpenApi.Summary, "A sync job's state and progress (another session's job is a 404)")
  )
  .add(
    HttpApiEndpoint.del("cancelSync", "/api/v3/sync/:job_id")
      .setPath(JobIdPath)
      .addSuccess(SyncJobResponse)
      .annotate(OpenApi.Summary, "Cancel a running sync job (what it fetched stays cached); a finished one is left as it is")
  )
  .addError(BadGateway)
  .addError(NotFound)
  .addError(RateLimited)
  .addError(ServiceUnavailable)
  .middleware(SessionAuth)
  .annotate(OpenApi.Title, "Sync jobs")
{}
