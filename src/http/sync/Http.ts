/**
 * Sync-job routes: the history route's range parameters to the SyncJobs use
 * case, under the request's scope (a dialog, or a job's dialog, outside it
 * is a 404, as an unknown one); a job's failure shown as the history route
 * would answer it.
 */
import { HttpApiBuilder } from "@effect/platform"
import { Cause, Clock, Effect } from "effect"
import type { AccessScope } from "../../domain/AccessScope.js"
import { formatMessageDate } from "../../domain/Dates.js"
import type { SessionName } from "../../domain/SessionName.js"
import { checkHistoryRequest } from "../../app/HistoryRequest.js"
import { ScopedAccess } from "../../app/ScopedAccess.js"
import { type SyncJob, SyncJobs } from "../../app/SyncJobs.js"
import { TgscApi } from "../Api.js"
import { BadRequest, NotFound, RateLimited } from "../ApiErrors.js"
import { CurrentSession } from "../CurrentSession.js"
import { requireTelegram } from "../RequireTelegram.js"
import { telegramErrorToHttp } from "../TelegramHttpErrors.js"
import type { SyncJobResponse } from "./Api.js"
import { badRequestOf, failureBody, httpErrorOf } from "../history/HistoryFailure.js"
import { DialogId } from "../../domain/Ids.js"

const dateOrNull = (seconds: number | null) => (seconds === null ? null : formatMessageDate(seconds))

/** The job's failure as the history route would answer it; our own faults a 500 (the server log says more). */
const errorOf = (job: SyncJob): SyncJobResponse["error"] => {
  if (job.error === null) return null
  const http = Cause.isCause(job.error) ? null : httpErrorOf(job.error, job.endDate)
  return http === null ? { detail: `Internal server error (sync job ${job.id}): see the server log`, status: 500 } : failureBody(http)
}

const viewOf = (job: SyncJob, nowMillis: number): SyncJobResponse => ({
  job_id: job.id,
  dialog_id: job.dialogId,
  state: job.state,
  start_date: dateOrNull(job.startDate),
  end_date: dateOrNull(job.endDate),
  force_refresh: job.forceRefresh,
  messages: job.messages,
  fetched: job.fetched,
  reached: dateOrNull(job.reached),
  rate_limit_wait: job.rateLimitedUntil === null ? 0 : Math.max(0, Math.ceil((job.rateLimitedUntil - nowMillis) / 1000)),
  error: errorOf(job),
  started_at: formatMessageDate(Math.floor(job.startedAt / 1000)),
  finished_at: job.finishedAt === null ? null : formatMessageDate(Math.floor(job.finishedAt / 1000))
})

/** The job as the API shows it now. */
const shown = (job: SyncJob) => Effect.map(Clock.currentTimeMillis, (now) => viewOf(job, now))

const jobNotFound = (id: string) => new NotFound({ detail: `Sync job '${id}' not found` })

export const SyncHandlersLive = HttpApiBuilder.group(TgscApi, "sync", (handlers) =>
  Effect.gen(function*() {
    const jobs = yield* SyncJobs
    const access = yield* ScopedAccess

    /** The scope admits the dialog (a named token's scope); else PeerNotFound. */
    const admitted = (name: SessionName, scope: AccessScope, dialogId: DialogId) =>
      scope._tag === "Everything" ? Effect.void : Effect.asVoid(access.dialog(name, scope, dialogId))

    /** The session's job, if its dialog is in the request's scope. */
    const jobOf = (id: string) =>
      Effect.gen(function*() {
        const { name, scope } = yield* CurrentSession
        const job = yield* Effect.mapError(jobs.get(name, id), () => jobNotFound(id))
        yield* Effect.mapError(admitted(name, scope, job.dialogId), (e) =>
          e._tag === "PeerNotFound" ? jobNotFound(id) : telegramErrorToHttp(e))
        return { name, job }
      })

    return handlers
      .handle("startSync", ({ path, urlParams }) =>
        Effect.gen(function*() {
          const range = {
            dialogId: DialogId(path.dialog_id),
            startDate: urlParams.start_date ?? null,
            endDate: urlParams.end_date ?? null,
            forceRefresh: urlParams.force_refresh
          }
          // A wrong range is a 400 whatever else is wrong, as for a history request.
          const now = Math.floor((yield* Clock.currentTimeMillis) / 1000)
          const invalid = checkHistoryRequest({ session: "" as SessionName, ...range, chunkSize: 1, reverse: false }, now)
          if (invalid !== null) return yield* badRequestOf(invalid, range.endDate)
          yield* requireTelegram
          const { name, scope } = yield* CurrentSession
          // A dialog outside the request's scope is a 404 before any job starts (one the account cannot read fails the job).
          yield* Effect.mapError(admitted(name, scope, range.dialogId), telegramErrorToHttp)
          const started = yield* jobs.start(name, range).pipe(
            Effect.catchTags({
              InvalidHistoryRequest: (e) => Effect.fail(new BadRequest({ detail: `Invalid request: ${e.reason}` })),
              TooManySyncJobs: (e) => Effect.fail(new RateLimited({ detail: `Too many sync jobs: ${e.message}`, retryAfter: 10 }))
            })
          )
          return yield* shown(started.job)
        }))
      .handle("getSync", ({ path }) => Effect.flatMap(jobOf(path.job_id), ({ job }) => shown(job)))
      .handle("cancelSync", ({ path }) =>
        Effect.gen(function*() {
          const { name } = yield* jobOf(path.job_id)
          const job = yield* Effect.mapError(jobs.cancel(name, path.job_id), () => jobNotFound(path.job_id))
          return yield* shown(job)
        }))
  }))
