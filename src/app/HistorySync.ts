/**
 * A dialog's history over `[start, end)`, served from the per-dialog cache
 * and completed from Telegram only where the cache's covered intervals have
 * holes. Oldest first by default (walking Telegram forward in time, so the
 * first chunk goes out as soon as its messages are in), newest first with
 * `reverse`.
 *
 * Each step, under a per-dialog lock, recomputes what is missing, fetches at
 * most one Telegram page, and commits it with the interval it proves in one
 * transaction; the lock is never held while emitting. So concurrent
 * requests never fetch the same range twice, an interrupted request leaves
 * a consistent cache the next one completes, and a second never counts as
 * covered until all of its messages are stored (pages can end mid-second).
 *
 * While a page is stored and streamed, the walk's next page is already
 * being asked for (one page ahead, kept with the walk, so whichever request
 * continues the walk takes it and nothing is asked for twice); what a commit
 * wrote is streamed as written, not read back.
 *
 * What the walk decides (which gap, which page, what a page proves) is
 * domain/HistoryWalk.ts, the same for both directions; this use case runs
 * it against the ports, with each request's state in one HistoryRun.
 */
import { Cause, Clock, Duration, Effect, Exit, Fiber, RcMap, Stream } from "effect"
import { SERVICE_CHAT_ID } from "../domain/DialogFilters.js"
import { latestEnd, settledPart } from "../domain/HistoryTail.js"
import {
  direction,
  type HistoryPageRequest,
  nextStep,
  pageRequest,
  prefetchAnswers,
  prefetchCurrent,
  reached,
  refreshedReach,
  walkStep,
  type WalkStep
} from "../domain/HistoryWalk.js"
import * as Intervals from "../domain/Intervals.js"
import type { Interval } from "../domain/Intervals.js"
import { TELEGRAM_MAX_BATCH } from "../domain/Settings.js"
import { type DialogKey, MessageStore } from "../ports/MessageStore.js"
import { SettingsStore } from "../ports/SettingsStore.js"
import { FloodWaitListener, PeerNotFound, TelegramGateway, type ThreadLocation } from "../ports/TelegramGateway.js"
import { worthSplitting } from "../domain/HistorySplit.js"
import { makeHistoryFill } from "./HistoryFill.js"
import { makeLimiters } from "./HistoryLimiter.js"
import { makeHistoryTakeout } from "./HistoryTakeout.js"
import { makeHistoryMedia } from "./HistoryMedia.js"
import { makeHistoryOutput } from "./HistoryOutput.js"
import { checkHistoryRequest, type HistoryError, type HistoryEvent, type HistoryRequest } from "./HistoryRequest.js"
import { type DialogState, HistoryRun } from "./HistoryRun.js"
import { advanceWalk, clearWalks, dropPrefetch, makeWalks, type Prefetch, type Walk } from "./HistoryWalks.js"
import { workStream } from "./WorkStream.js"
import { DialogId, MessageId } from "../domain/Ids.js"

export type { HistoryError, HistoryEvent, HistoryRequest }

const HEARTBEAT: HistoryEvent = { _tag: "Heartbeat" }

/** Cached messages refreshed by id at a time: as many as one messages.getMessages takes. */
const DETAILS_BATCH = 100

const makeHistorySync = Effect.gen(function*() {
  const gateway = yield* TelegramGateway
  const store = yield* MessageStore
  const settingsStore = yield* SettingsStore
  const media = yield* makeHistoryMedia
  const takeout = yield* makeHistoryTakeout

  const dialogs = yield* RcMap.make({
    lookup: (_: string) =>
      Effect.map(Effect.makeSemaphore(1), (lock): DialogState => ({ lock, walks: makeWalks() })),
    idleTimeToLive: Duration.minutes(5)
  })

  const batchSize = Effect.map(settingsStore.get, (s) => Math.max(1, Math.min(s.telegram_batch_size, TELEGRAM_MAX_BATCH)))
  // (A settings store that cannot be read leaves the pages as they are: one at a time.)
  const concurrency = Effect.map(settingsStore.get, (s) => Math.max(1, s.sync_concurrency ?? 1))

  /** One limiter per account: every history page its requests ask, all dialogs together (HistoryLimiter.ts). */
  const limiterOf = makeLimiters()

  /** Where topics and threads are, as Telegram said: a topic or a thread's root does not move. */
  const locations = new Map<string, ThreadLocation>()

  /** The dialog the request's messages are in (a post's comments: its discussion group) and its thread, if any. */
  const locate = (request: HistoryRequest) =>
    Effect.gen(function*() {
      const scope = request.scope
      const dialogId = DialogId(request.dialogId)
      if (scope === undefined) return { dialogId, rootId: null }
      const name = `${request.session}:${dialogId}:${scope._tag === "Topic" ? `t${scope.topicId}` : `m${scope.messageId}`}`
      const known = locations.get(name)
      if (known !== undefined) return known
      const found = yield* gateway.thread(request.session, dialogId, scope)
      locations.set(name, found)
      return found
    })

  /** Telegram's clock (ms): ours moved by the offset measured at connect. */
  const telegramMillis = (run: HistoryRun) => Effect.map(Clock.currentTimeMillis, (ms) => ms + run.clockOffset)

  /** Whether the dialog has a cache: asked of the store until it has one. */
  const hasCache = (run: HistoryRun) =>
    Effect.suspend(() =>
      run.cacheExists ? Effect.succeed(true) : Effect.map(store.exists(run.key), (exists) => (run.cacheExists = exists))
    )

  /** With force_refresh, only what this request re-fetched counts as covered. */
  const covered = (run: HistoryRun) =>
    Effect.gen(function*() {
      if (run.request.forceRefresh || !(yield* hasCache(run))) return run.fetchedHere
      return Intervals.union(yield* store.covered(run.key, run.thread), run.fetchedHere)
    })

  const neighbours = (run: HistoryRun, gap: Interval) =>
    Effect.gen(function*() {
      if (!(yield* hasCache(run))) return { before: null, after: null }
      return yield* store.idsAround(run.key, gap, run.thread)
    })

  /**
   * The walk's page source: the dialog's history, or a topic's or thread's
   * replies; each page in a place of the account's limiter, which hears of
   * the rate limits the gateway waits out.
   */
  const ask = (run: HistoryRun, wanted: HistoryPageRequest) =>
    Effect.flatMap(concurrency, (max) =>
      limiterOf(String(run.key.accountId)).run(max, (onFlood) =>
        Effect.locallyWith(
          run.thread === null
            ? gateway.history(run.request.session, run.key.dialogId, wanted)
            : gateway.replies(run.request.session, run.key.dialogId, run.thread, wanted),
          FloodWaitListener,
          (listen) => (seconds, method) => Effect.zipRight(onFlood(seconds), listen(seconds, method))
        )))

  /**
   * Asks for the page after this one now, in a fiber of its own, so that
   * Telegram works on it while this one is stored and streamed. The fiber
   * is this request's child: it stops when the request does.
   */
  const askAhead = (run: HistoryRun, wanted: HistoryPageRequest) =>
    Effect.map(
      Effect.zip(telegramMillis(run), Effect.fork(ask(run, wanted))),
      ([askedMs, fiber]): Prefetch => ({ request: wanted, askedAt: askedMs, fiber })
    )

  /**
   * The page `wanted` names: the one the continued walk asked for ahead
   * when that answers it (domain/HistoryWalk.ts, prefetchAnswers and
   * prefetchCurrent), otherwise asked now; with Telegram's clock (seconds)
   * when it was asked for. A page asked ahead by a request that has
   * stopped since is asked again.
   */
  const pageFor = (run: HistoryRun, walk: Walk | null, wanted: HistoryPageRequest) =>
    Effect.gen(function*() {
      const next = walk?.next ?? null
      if (walk !== null && next !== null) {
        const keep = prefetchAnswers(next.request, wanted)
        if (keep === null) {
          yield* dropPrefetch(walk)
        } else {
          const exit = yield* Fiber.await(next.fiber)
          walk.next = null
          if (!(Exit.isFailure(exit) && Cause.isInterruptedOnly(exit.cause))) {
            const page = yield* exit
            if (prefetchCurrent(run.direction, next.askedAt, run.startedMs, page)) {
              return {
                messages: page.messages.filter(keep),
                ids: page.ids.filter((id) => keep({ id })),
                askedAt: Math.floor(next.askedAt / 1000),
                count: page.count
              }
            }
          }
        }
      }
      const page = yield* ask(run, wanted)
      return { messages: page.messages, ids: page.ids, askedAt: run.now, count: page.count }
    })

  /**
   * Stores a step's messages with the interval it proves, as much of it as
   * may be recorded near now: the step's newest date, and Telegram's clock
   * when the page was asked for (`askedAt`, seconds), bound that.
   */
  const commit = (run: HistoryRun, step: WalkStep, askedAt: number, piece = false) =>
    Effect.gen(function*() {
      const covers = settledPart(step.proves, run.now, askedAt, step.newestSeen)
      const after = run.output.cursor()
      // What the serve after this step reads up to (a piece walked side by side is served by HistoryFill).
      const bound = step.reach
      const result = yield* store.commitPage(run.key, {
        messages: step.messages,
        covers,
        replace: run.request.forceRefresh ? step.proves : null,
        window: piece ? undefined : { after, bound, order: run.direction.forward ? "asc" : "desc" },
        thread: run.thread
      })
      if (!piece) run.output.answer(after, bound, result.window)
      run.cacheExists = true
      if (step.proves !== null) run.fetchedHere = Intervals.add(run.fetchedHere, step.proves)
      if (run.request.forceRefresh) {
        // Their carried messages may just have been deleted: other requests start afresh.
        yield* clearWalks(run.dialog.walks.forward)
        yield* clearWalks(run.dialog.walks.backward)
      }
      yield* media.discard(run.key, result.droppedMedia)
    })

  const { fill } = makeHistoryFill<HistoryError>({
    page: pageFor,
    probe: ask,
    commit: (run, step, askedAt) => commit(run, step, askedAt, true),
    neighbours,
    covered,
    limit: batchSize,
    concurrency
  })

  /**
   * One page of `gap`, continuing its walk where it stopped (whichever
   * request took it there), bounded by the ids of the cached messages
   * around the gap; returns how far the walk reached. The gap is complete
   * once a page shows nothing more in it (domain/HistoryWalk.ts), whatever
   * the length of the pages. `split`: the gap's first page showed a history
   * large enough to walk the rest of it by pieces side by side (HistoryFill.ts).
   */
  const fetchGap = (run: HistoryRun, gap: Interval) =>
    Effect.gen(function*() {
      const d = run.direction
      const walks = run.walks()
      const limit = yield* batchSize
      const around = yield* neighbours(run, gap)
      const continuing = walks.get(d.near(gap)) ?? null
      const page = yield* pageFor(
        run,
        continuing,
        pageRequest(d, gap, continuing?.lastId, limit, around)
      )
      const step = walkStep(d, gap, page, continuing)
      const position = step.position
      // More of the gap to come: its next page is asked for now, and stored and streamed when this one is.
      const next = position !== null && !step.complete ? yield* askAhead(run, pageRequest(d, gap, position.lastId, limit, around)) : null
      yield* commit(run, step, page.askedAt).pipe(
        Effect.onError(() => (next === null ? Effect.void : Fiber.interruptFork(next.fiber)))
      )
      yield* advanceWalk(walks, continuing, position === null ? null : { ...position, next })
      run.fetched += step.fetched
      const split = continuing === null && next !== null && worthSplitting(page.count, limit) && (yield* concurrency) > 1
      return { reach: step.reach, split }
    })

  /**
   * Cached messages between the run's position and `reach` that were stored
   * before tgsc knew their details are asked of Telegram again by id, a
   * batch at a time, before they are served; returns how far the step may
   * now serve. Telegram's refusal does not fail the request: the messages
   * are served as cached (details unknown) and asked for by a later one.
   */
  const refreshDetails = (run: HistoryRun, reach: number) =>
    Effect.gen(function*() {
      const d = run.direction
      if (!run.refreshDetails || reach === run.position || !(yield* hasCache(run))) return reach
      const span = d.forward ? Intervals.interval(run.position, reach) : Intervals.interval(reach, run.position)
      const stale = yield* store.withoutDetails(run.key, span, d.forward ? "asc" : "desc", DETAILS_BATCH + 1)
      if (stale.length === 0) return reach
      const ids = stale.slice(0, DETAILS_BATCH).map((m) => MessageId(m.id))
      const fresh = yield* gateway.messagesByIds(run.request.session, run.key.dialogId, ids).pipe(
        // A revoked session fails the request as any call would; anything else leaves them as cached (a left
        // channel's cache stays readable, a long rate limit does not hold up what the cache can serve).
        Effect.catchIf(
          (e) => e._tag !== "SessionRevoked",
          (e) => Effect.as(Effect.logWarning(`details of cached messages not refreshed: ${e.message}`), null)
        )
      )
      if (fresh === null) {
        run.refreshDetails = false
        return reach
      }
      const found = new Set(fresh.map((m) => m.id))
      const result = yield* store.commitPage(run.key, { messages: fresh, covers: null, replace: null })
      yield* store.detailsUnavailable(run.key, ids.filter((id) => !found.has(id)))
      yield* media.discard(run.key, result.droppedMedia)
      return refreshedReach(d, reach, stale.length > DETAILS_BATCH ? stale[DETAILS_BATCH]!.date : null)
    })

  /** Under the dialog's lock: how far the cache now reaches from the run's position, fetching one page if it reaches nowhere. */
  const step = (run: HistoryRun) =>
    run.dialog.lock.withPermits(1)(
      Effect.gen(function*() {
        const next = nextStep(run.direction, run.range, run.position, yield* covered(run))
        run.fetching = null
        if (next._tag === "Cached") return { reach: yield* refreshDetails(run, next.reach), fetchedPage: false, split: false }
        run.fetching = next.gap
        yield* takeout(run)
        return { ...yield* fetchGap(run, next.gap), fetchedPage: true }
      })
    )

  const walkRange = (run: HistoryRun) =>
    Effect.gen(function*() {
      while (!reached(run.direction, run.range, run.position)) {
        const { fetchedPage, reach, split } = yield* step(run)
        if (fetchedPage) run.output.later(run.progress(0))
        yield* run.output.serve(reach)
        yield* run.output.emitPending
        run.position = reach
        // The rest of a large gap: by pieces side by side, its prefix served as it completes.
        if (split && !reached(run.direction, run.range, run.position)) yield* fill(run)
      }
      yield* run.output.flush(true)
    })

  /** `emitNow` hands the consumer several events at once: a batch costs the stream machinery what one event does. */
  const run = (request: HistoryRequest, emitNow: (events: ReadonlyArray<HistoryEvent>) => Effect.Effect<void>) =>
    Effect.gen(function*() {
      const account = yield* gateway.account(request.session)
      const where = yield* locate(request)
      const key: DialogKey = { accountId: account.userId, dialogId: where.dialogId }
      const thread = where.rootId
      // The dialog's (or thread's: its walks are its own) lock and walks, held for the whole request.
      const dialog = yield* RcMap.get(dialogs, `${key.accountId}:${key.dialogId}${thread === null ? "" : `#${thread}`}`)
      // Message dates are in Telegram's time: "now" and when a page was asked for are read on its clock
      // (ours moved by the offset measured at connect), or a message sent a moment ago could fall after
      // the range (Telegram ahead) or before what the tail rule records as complete (Telegram behind).
      const clockOffset = yield* gateway.clockOffset(request.session)
      const startedMs = (yield* Clock.currentTimeMillis) + clockOffset
      // Nothing is dated before 1970 or after now, so the range is clamped to what can exist. Dates are
      // whole seconds: "now" as the (exclusive) end would leave out a message sent earlier this second;
      // and Telegram's now is known to a few seconds (latestEnd, domain/HistoryTail.ts), so those are let in too.
      const start = Math.max(0, request.startDate ?? 0)
      const latest = latestEnd(Math.floor(startedMs / 1000))
      const end = Math.min(request.endDate ?? latest, latest)
      if (start >= end) return
      const d = direction(request.reverse)
      const range = Intervals.interval(start, end)

      const r = new HistoryRun(request, key, dialog, d, range, startedMs, clockOffset, thread, (r) =>
        makeHistoryOutput({
          session: request.session,
          key,
          chunkSize: request.chunkSize,
          reverse: request.reverse,
          from: d.near(range),
          hasCache: hasCache(r),
          store,
          thread,
          media,
          emitNow
        }))
      // The gateway waits out short rate limits in place; each wait is reported at once (it is about to keep
      // the client waiting), which keeps the client informed.
      yield* Effect.locally(walkRange(r), FloodWaitListener, (seconds: number) => r.output.emit([r.progress(seconds)])).pipe(
        // Whatever is complete goes out before the failure does, so the client can resume after it.
        Effect.tapError(() => Effect.ignore(Effect.zipRight(r.output.flush(true), r.output.emitPending)))
      )
    }).pipe(Effect.scoped)

  /** `stream`, below, without its span. */
  const streamOf = (request: HistoryRequest): Stream.Stream<HistoryEvent, HistoryError> =>
    // Telegram's service chat holds login codes: never exposed, as if it did not exist.
    request.dialogId === SERVICE_CHAT_ID ? Stream.fail(new PeerNotFound({ dialogId: DialogId(request.dialogId) })) : Stream.unwrapScoped(
      Effect.gen(function*() {
        // Before anything is asked of Telegram; a chunk size below 1 would otherwise emit empty chunks for ever.
        const invalid = checkHistoryRequest(request, Math.floor((yield* Clock.currentTimeMillis) / 1000))
        if (invalid !== null) return yield* invalid
        return yield* workStream<HistoryEvent, HistoryError, never>(
          (emit) => run(request, emit),
          request.heartbeat === undefined ? undefined : { every: request.heartbeat, event: HEARTBEAT }
        )
      })
    )

  return {
    /**
     * The history as a stream of chunks (and progress events). The work runs
     * ahead by at most one batch (a read page of chunks without media, or one
     * chunk with media), and one Telegram page is asked for ahead of it; when
     * the consumer stops, it stops, the page asked ahead included.
     */
    stream: (request: HistoryRequest): Stream.Stream<HistoryEvent, HistoryError> =>
      // One span for the whole request (its work runs under it), none per message.
      Stream.withSpan(streamOf(request), "HistorySync.stream", { attributes: { dialogId: request.dialogId } }),
    /** The media resolution history applies to what it serves; live updates resolve new messages' media with it. */
    media
  }
})

/** A dialog's history from the cache, fetching from Telegram only what it lacks. */
export class HistorySync extends Effect.Service<HistorySync>()("app/HistorySync", { scoped: makeHistorySync }) {}

/** The use case's layer (the name earlier releases exported). */
export const HistorySyncLive = HistorySync.Default
