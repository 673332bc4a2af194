/**
 * Background sync jobs: a dialog's history over a range filled into the
 * cache by HistorySync (its stream drained, nothing kept but counts), each
 * job a fiber of this service's FiberMap, so that stopping the program
 * interrupts them all and a cancel interrupts one.
 *
 * Jobs live in memory, per session: lost on restart. One job per (session,
 * dialog, range, force_refresh) runs at a time: starting the same again
 * while it runs gives the running job. A finished job (done, failed,
 * cancelled) is kept for KEEP_FINISHED, and at most MAX_FINISHED_PER_SESSION
 * of them per session (the oldest go first); at most MAX_RUNNING_PER_SESSION
 * run at once per session.
 */
import { Cause, Clock, Data, Effect, Exit, FiberMap, Option, Stream } from "effect"
import type { SessionName } from "../domain/SessionName.js"
import { checkHistoryRequest, type HistoryError, type InvalidHistoryRequest } from "./HistoryRequest.js"
import { HistorySync } from "./HistorySync.js"
import type { DialogId } from "../domain/Ids.js"

export const KEEP_FINISHED_MS = 10 * 60 * 1000
export const MAX_FINISHED_PER_SESSION = 50
export const MAX_RUNNING_PER_SESSION = 8
/** Messages a drained chunk holds: the stream's grouping only, nothing is kept. */
const CHUNK_SIZE = 500

export type SyncJobState = "running" | "done" | "failed" | "cancelled"

/** What a job fills: `[startDate, endDate)` in epoch seconds, null for the beginning / now. */
export interface SyncRange {
  readonly dialogId: DialogId
  readonly startDate: number | null
  readonly endDate: number | null
  readonly forceRefresh: boolean
}

/** A job as it is now (a snapshot: the next look may differ while it runs). */
export interface SyncJob extends SyncRange {
  readonly id: string
  readonly session: SessionName
  readonly state: SyncJobState
  /** Messages of the range gone through so far (from the cache or Telegram). */
  readonly messages: number
  /** Of them, fetched from Telegram. */
  readonly fetched: number
  /** The newest message date reached so far (epoch seconds), null before the first message. */
  readonly reached: number | null
  /** While the job waits out a Telegram rate limit (below the flood threshold): when the wait ends, epoch ms. */
  readonly rateLimitedUntil: number | null
  /** Why it failed: the history's error, or a defect (its cause) for our own faults. */
  readonly error: HistoryError | Cause.Cause<unknown> | null
  /** Epoch milliseconds. */
  readonly startedAt: number
  readonly finishedAt: number | null
}

export class SyncJobNotFound extends Data.TaggedError("SyncJobNotFound")<{ readonly id: string }> {
  override get message() {
    return `sync job ${this.id} not found`
  }
}

export class TooManySyncJobs extends Data.TaggedError("TooManySyncJobs")<{ readonly running: number }> {
  override get message() {
    return `${this.running} sync jobs are running for this session already (at most ${MAX_RUNNING_PER_SESSION})`
  }
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] }

const makeSyncJobs = Effect.gen(function*() {
  const history = yield* HistorySync
  const fibers = yield* FiberMap.make<string>()
  const jobs = new Map<string, Mutable<SyncJob>>()

  const snapshot = (job: SyncJob): SyncJob => ({ ...job })

  const sameRange = (job: SyncJob, session: SessionName, range: SyncRange) =>
    job.session === session && job.dialogId === range.dialogId && job.startDate === range.startDate &&
    job.endDate === range.endDate && job.forceRefresh === range.forceRefresh

  /** Forgets finished jobs past their keeping time, and a session's oldest beyond the cap. */
  const prune = (now: number) => {
    const finished = new Map<string, Array<SyncJob>>()
    for (const job of jobs.values()) {
      if (job.finishedAt === null) continue
      if (now - job.finishedAt > KEEP_FINISHED_MS) {
        jobs.delete(job.id)
        continue
      }
      const list = finished.get(job.session) ?? []
      list.push(job)
      finished.set(job.session, list)
    }
    for (const list of finished.values()) {
      list.sort((a, b) => a.finishedAt! - b.finishedAt!)
      for (const job of list.slice(0, Math.max(0, list.length - MAX_FINISHED_PER_SESSION))) jobs.delete(job.id)
    }
  }

  const finish = (job: Mutable<SyncJob>, exit: Exit.Exit<void, HistoryError>) =>
    Effect.gen(function*() {
      job.finishedAt = yield* Clock.currentTimeMillis
      job.rateLimitedUntil = null
      if (Exit.isSuccess(exit)) {
        job.state = "done"
      } else if (Cause.isInterruptedOnly(exit.cause)) {
        job.state = "cancelled"
      } else {
        job.state = "failed"
        job.error = Option.getOrElse(Cause.failureOption(exit.cause), () => exit.cause)
        yield* Effect.logWarning("sync job failed", exit.cause).pipe(
          Effect.annotateLogs({ job_id: job.id, dialog_id: job.dialogId })
        )
      }
    })

  /** Drains the history of the job's range, counting as it goes. */
  const work = (job: Mutable<SyncJob>): Effect.Effect<void, HistoryError> =>
    history.stream({
      session: job.session,
      dialogId: job.dialogId,
      startDate: job.startDate,
      endDate: job.endDate,
      chunkSize: CHUNK_SIZE,
      forceRefresh: job.forceRefresh,
      reverse: false
    }).pipe(
      Stream.runForEach((event) =>
        Effect.map(Clock.currentTimeMillis, (now) => {
          if (event._tag === "Chunk") {
            job.rateLimitedUntil = null
            job.messages += event.messages.length
            for (const m of event.messages) {
              if (job.reached === null || m.message.date > job.reached) job.reached = m.message.date
            }
          } else if (event._tag === "Progress") {
            job.fetched = Math.max(job.fetched, event.fetched)
            job.rateLimitedUntil = event.rateLimitWait > 0 ? now + event.rateLimitWait * 1000 : null
          }
        })
      )
    )

  /**
   * Starts a job for the range, or gives the one running for it already
   * (`created` false). The range is checked first, as HistorySync would.
   */
  const start = (
    session: SessionName,
    range: SyncRange
  ): Effect.Effect<{ readonly job: SyncJob; readonly created: boolean }, InvalidHistoryRequest | TooManySyncJobs> =>
    Effect.gen(function*() {
      const now = yield* Clock.currentTimeMillis
      prune(now)
      const invalid = checkHistoryRequest(
        { session, ...range, chunkSize: CHUNK_SIZE, reverse: false },
        Math.floor(now / 1000)
      )
      if (invalid !== null) return yield* invalid
      const all = [...jobs.values()]
      const running = all.find((j) => j.state === "running" && sameRange(j, session, range))
      if (running !== undefined) return { job: snapshot(running), created: false }
      const runningHere = all.filter((j) => j.state === "running" && j.session === session).length
      if (runningHere >= MAX_RUNNING_PER_SESSION) return yield* new TooManySyncJobs({ running: runningHere })
      const job: Mutable<SyncJob> = {
        id: crypto.randomUUID(),
        session,
        ...range,
        state: "running",
        messages: 0,
        fetched: 0,
        reached: null,
        rateLimitedUntil: null,
        error: null,
        startedAt: now,
        finishedAt: null
      }
      jobs.set(job.id, job)
      yield* FiberMap.run(fibers, job.id, Effect.onExit(work(job), (exit) => finish(job, exit)))
      return { job: snapshot(job), created: true }
    })

  /** A job of this session; another session's is as unknown. */
  const get = (session: SessionName, id: string): Effect.Effect<SyncJob, SyncJobNotFound> =>
    Effect.gen(function*() {
      prune(yield* Clock.currentTimeMillis)
      const job = jobs.get(id)
      if (job === undefined || job.session !== session) return yield* new SyncJobNotFound({ id })
      return snapshot(job)
    })

  /** Interrupts a running job (its state then cancelled) and gives it; a finished one is given as it is. */
  const cancel = (session: SessionName, id: string): Effect.Effect<SyncJob, SyncJobNotFound> =>
    Effect.gen(function*() {
      yield* get(session, id)
      // Waits for the fiber to end, its state settled.
      yield* FiberMap.remove(fibers, id)
      const job = jobs.get(id)!
      // A fiber interrupted before its first step never ran its own finish.
      if (job.state === "running") {
        job.state = "cancelled"
        job.finishedAt = yield* Clock.currentTimeMillis
        job.rateLimitedUntil = null
      }
      return snapshot(job)
    })

  return {
    start: (session: SessionName, range: SyncRange) => Effect.withSpan(start(session, range), "SyncJobs.start"),
    get: (session: SessionName, id: string) => get(session, id),
    cancel: (session: SessionName, id: string) => Effect.withSpan(cancel(session, id), "SyncJobs.cancel")
  } as const
})

/** Background history fills into the cache, per session; needs HistorySync. */
export class SyncJobs extends Effect.Service<SyncJobs>()("app/SyncJobs", { scoped: makeSyncJobs }) {}
