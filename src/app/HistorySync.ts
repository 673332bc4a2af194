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
 */
import { Cause, Clock, Duration, Effect, Exit, Fiber, RcMap, Stream } from "effect"
import { backwardPage, forwardPage } from "../domain/HistoryPages.js"
import { latestEnd, settledPart } from "../domain/HistoryTail.js"
import * as Intervals from "../domain/Intervals.js"
import type { Interval, IntervalSet } from "../domain/Intervals.js"
import type { MessageRecord } from "../domain/Message.js"
import { TELEGRAM_MAX_BATCH } from "../domain/Settings.js"
import { type DialogKey, MessageStore } from "../ports/MessageStore.js"
import { SettingsStore } from "../ports/SettingsStore.js"
import { SERVICE_CHAT_ID } from "../domain/DialogSearch.js"
import { FloodWaitListener, type HistoryPageRequest, PeerNotFound, TelegramGateway } from "../ports/TelegramGateway.js"
import { makeHistoryMedia } from "./HistoryMedia.js"
import { checkHistoryRequest, type HistoryError, type HistoryEvent, type HistoryRequest } from "./HistoryRequest.js"
import { makeHistoryOutput } from "./HistoryOutput.js"
import { workStream } from "./WorkStream.js"
import { advanceWalk, clearWalks, dropPrefetch, makeWalks, type Prefetch, prefetchAnswers, type Walk, type Walks } from "./HistoryWalks.js"
import { DialogId } from "../domain/Ids.js"

export type { HistoryError, HistoryEvent, HistoryRequest }

const HEARTBEAT: HistoryEvent = { _tag: "Heartbeat" }


interface DialogState {
  readonly lock: Effect.Semaphore
  /** Where this dialog's last walks stopped, so whichever request comes next continues them without overlap. */
  readonly walks: Walks
}

const makeHistorySync = Effect.gen(function*() {
  const gateway = yield* TelegramGateway
  const store = yield* MessageStore
  const settingsStore = yield* SettingsStore
  const media = yield* makeHistoryMedia

  const dialogs = yield* RcMap.make({
    lookup: (_: string) =>
      Effect.map(Effect.makeSemaphore(1), (lock): DialogState => ({ lock, walks: makeWalks() })),
    idleTimeToLive: Duration.minutes(5)
  })
  /** Runs `f` holding the dialog's lock (one step: recompute, fetch a page, commit). */
  const withDialog = <A, E, R>(state: DialogState, f: (state: DialogState) => Effect.Effect<A, E, R>) =>
    state.lock.withPermits(1)(f(state))

  /** `emit` hands the consumer several events at once: a batch costs the stream machinery what one event does. */
  const run = (request: HistoryRequest, emitNow: (events: ReadonlyArray<HistoryEvent>) => Effect.Effect<void>) =>
    Effect.gen(function*() {
      const account = yield* gateway.account(request.session)
      const key: DialogKey = { accountId: account.userId, dialogId: DialogId(request.dialogId) }
      // The dialog's lock and walks, held for the whole request.
      const dialog = yield* RcMap.get(dialogs, `${key.accountId}:${key.dialogId}`)
      // Message dates are in Telegram's time: "now" and when a page was asked for are read on its clock
      // (ours moved by the offset measured at connect), or a message sent a moment ago could fall after
      // the range (Telegram ahead) or before what the tail rule records as complete (Telegram behind).
      const clockOffset = yield* gateway.clockOffset(request.session)
      const telegramMillis = Effect.map(Clock.currentTimeMillis, (ms) => ms + clockOffset)
      const startedMs = yield* telegramMillis
      const now = Math.floor(startedMs / 1000)
      // Nothing is dated before 1970 or after now, so the range is clamped to what can exist. Dates are
      // whole seconds: "now" as the (exclusive) end would leave out a message sent earlier this second;
      // and Telegram's now is known to a few seconds (latestEnd, domain/HistoryTail.ts), so those are let in too.
      const start = Math.max(0, request.startDate ?? 0)
      const latest = latestEnd(now)
      const end = Math.min(request.endDate ?? latest, latest)
      if (start >= end) return

      const reverse = request.reverse
      let fetched = 0
      let fetching: Interval | null = null
      /** A forced refresh walks on its own: it must see every message again, not continue another request's walk. */
      const ownWalks: Walks = makeWalks()
      /** What this request fetched completely itself (recorded in the cache or not, see domain/HistoryTail.ts). */
      let fetchedHere: IntervalSet = Intervals.empty
      let cacheExists = false
      const hasCache = Effect.gen(function*() {
        if (!cacheExists) cacheExists = yield* store.exists(key)
        return cacheExists
      })

      /** With force_refresh, only what this request re-fetched counts as covered. */
      const covered = Effect.gen(function*() {
        if (request.forceRefresh || !(yield* hasCache)) return fetchedHere
        return Intervals.union(yield* store.covered(key), fetchedHere)
      })

      const output = makeHistoryOutput({
        session: request.session,
        key,
        chunkSize: request.chunkSize,
        reverse,
        from: reverse ? end : start,
        hasCache,
        store,
        media,
        emitNow
      })
      const progressEvent = (rateLimitWait: number): HistoryEvent => ({ _tag: "Progress", fetched, fetching, rateLimitWait })
      /** A rate-limit wait is reported at once: it is about to keep the client waiting. */
      const progress = (rateLimitWait: number) => output.emit([progressEvent(rateLimitWait)])

      /**
       * Stores a page with the interval it proves; `newestSeen` is the newest
       * date Telegram showed in it, which bounds what may be recorded near now,
       * as does our clock when the page was asked for (`askedAt`, seconds).
       */
      const commit = (
        state: DialogState,
        messages: ReadonlyArray<MessageRecord>,
        proves: Interval | null,
        newestSeen: number | undefined,
        askedAt: number,
        /** What the serve after this step reads up to. */
        reach: number
      ) =>
        Effect.gen(function*() {
          const covers = settledPart(proves, now, askedAt, newestSeen)
          const after = output.cursor()
          const result = yield* store.commitPage(key, {
            messages,
            covers,
            replace: request.forceRefresh ? proves : null,
            window: { after, bound: reach, order: reverse ? "desc" : "asc" }
          })
          output.answer(after, reach, result.window)
          cacheExists = true
          if (proves !== null) fetchedHere = Intervals.add(fetchedHere, proves)
          if (request.forceRefresh) {
            // Their carried messages may just have been deleted: other requests start afresh.
            yield* clearWalks(state.walks.forward)
            yield* clearWalks(state.walks.backward)
          }
          yield* media.discard(key, result.droppedMedia)
        })

      const neighbours = (gap: Interval) =>
        Effect.gen(function*() {
          if (!(yield* hasCache)) return { before: null, after: null }
          return yield* store.idsAround(key, gap)
        })

      const batchSize = Effect.map(settingsStore.get, (s) => Math.max(1, Math.min(s.telegram_batch_size, TELEGRAM_MAX_BATCH)))

      const ask = (wanted: HistoryPageRequest) => gateway.history(request.session, key.dialogId, wanted)

      /**
       * Asks for the page after this one now, in a fiber of its own, so that
       * Telegram works on it while this one is stored and streamed. The fiber
       * is this request's child: it stops when the request does.
       */
      const askAhead = (wanted: HistoryPageRequest) =>
        Effect.map(
          Effect.zip(telegramMillis, Effect.fork(ask(wanted))),
          ([askedMs, fiber]): Prefetch => ({ request: wanted, askedAt: askedMs, fiber })
        )

      /**
       * The page `wanted` names: the one the continued walk asked for ahead
       * when that answers it, otherwise asked now; with our clock (seconds)
       * when it was asked for. A page asked ahead by a request that has
       * stopped since is asked again; so is an empty page newer than the
       * frontier asked before this request started (a message sent since
       * would be missing from it: later messages only ever come after the
       * newest one, so a page with entries, or a page older than the
       * frontier, is as good as new).
       */
      const pageFor = (walk: Walk | null, wanted: HistoryPageRequest, forward: boolean) =>
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
                if (!forward || next.askedAt >= startedMs || page.ids.length > 0) {
                  return {
                    messages: page.messages.filter(keep),
                    ids: page.ids.filter((id) => keep({ id } as MessageRecord)),
                    askedAt: Math.floor(next.askedAt / 1000)
                  }
                }
              }
            }
          }
          const page = yield* ask(wanted)
          return { messages: page.messages, ids: page.ids, askedAt: now }
        })

      /**
       * One page just newer than the frontier (an offset and a negative
       * add_offset), bounded by max_id at the oldest cached message past the
       * gap; returns the new frontier. A bound only ever cuts what lies past
       * the gap; the gap is complete once a page shows nothing more in it
       * (see domain/HistoryPages.ts), whatever the length of the pages.
       */
      const fetchForward = (state: DialogState, gap: Interval) =>
        Effect.gen(function*() {
          const walks = request.forceRefresh ? ownWalks : state.walks
          const limit = yield* batchSize
          const bounds = yield* neighbours(gap)
          const continuing = walks.forward.get(gap.start) ?? null
          const ids = { minId: 0, maxId: bounds.after ?? 0 }
          const after = (lastId: number): HistoryPageRequest => ({
            offsetId: lastId + 1,
            offsetDate: 0,
            addOffset: -limit,
            limit,
            ...ids
          })
          const result = yield* pageFor(
            continuing,
            continuing !== null
              ? after(continuing.lastId)
              : gap.start <= 1
              ? { offsetId: 1, offsetDate: 0, addOffset: -limit, limit, ...ids }
              // Whether offset_date is inclusive does not matter: the second before is asked for too, then dropped.
              : { offsetId: 0, offsetDate: gap.start - 1, addOffset: -limit, limit, ...ids },
            true
          )
          const page = forwardPage(gap, result, continuing?.lastId)
          const to = page.reach
          const toStore = continuing !== null ? [...continuing.carry, ...page.inGap] : page.inGap
          const lastId = page.lastId
          // More of the gap to come: its next page is asked for now, and stored and streamed when this one is.
          const next = lastId !== undefined && !page.complete ? yield* askAhead(after(lastId)) : null
          yield* commit(
            state,
            toStore,
            to > gap.start ? Intervals.interval(gap.start, to) : null,
            // An empty last page shows nothing new: the newest message the walk saw bounds the tail as well.
            page.newestDate ?? continuing?.from,
            result.askedAt,
            to
          ).pipe(Effect.onError(() => (next === null ? Effect.void : Fiber.interruptFork(next.fiber))))
          yield* advanceWalk(
            walks.forward,
            continuing,
            lastId === undefined ? null : { from: to, lastId, carry: toStore.filter((m) => m.date >= to), next }
          )
          fetched += page.inGap.length
          return to
        })

      /** One page just older than the frontier, bounded by min_id at the newest cached message before the gap. */
      const fetchBackward = (state: DialogState, gap: Interval) =>
        Effect.gen(function*() {
          const walks = request.forceRefresh ? ownWalks : state.walks
          const limit = yield* batchSize
          const bounds = yield* neighbours(gap)
          const continuing = walks.backward.get(gap.end) ?? null
          const ids = { minId: bounds.before ?? 0, maxId: 0 }
          const before = (lastId: number): HistoryPageRequest => ({ offsetId: lastId, offsetDate: 0, addOffset: 0, limit, ...ids })
          const result = yield* pageFor(
            continuing,
            continuing !== null ? before(continuing.lastId) : { offsetId: 0, offsetDate: gap.end, addOffset: 0, limit, ...ids },
            false
          )
          const page = backwardPage(gap, result, continuing?.lastId)
          const to = page.reach
          const toStore = continuing !== null ? [...continuing.carry, ...page.inGap] : page.inGap
          const lastId = page.lastId
          const next = lastId !== undefined && !page.complete ? yield* askAhead(before(lastId)) : null
          yield* commit(
            state,
            toStore,
            to < gap.end ? Intervals.interval(to, gap.end) : null,
            page.newestDate,
            result.askedAt,
            to
          ).pipe(Effect.onError(() => (next === null ? Effect.void : Fiber.interruptFork(next.fiber))))
          yield* advanceWalk(
            walks.backward,
            continuing,
            lastId === undefined ? null : { from: to, lastId, carry: toStore.filter((m) => m.date < to), next }
          )
          fetched += page.inGap.length
          return to
        })

      /** Under the lock: how far the cache now reaches from `position`, fetching one page if it reaches nowhere. */
      const step = (position: number) =>
        withDialog(dialog, (state) =>
          Effect.gen(function*() {
            const holes = Intervals.missing(
              reverse ? Intervals.interval(start, position) : Intervals.interval(position, end),
              yield* covered
            )
            fetching = null
            if (reverse) {
              const gap = holes.at(-1)
              if (gap === undefined) return { reach: start, fetchedPage: false }
              if (gap.end < position) return { reach: gap.end, fetchedPage: false }
              fetching = gap
              return { reach: yield* fetchBackward(state, gap), fetchedPage: true }
            }
            const gap = holes[0]
            if (gap === undefined) return { reach: end, fetchedPage: false }
            if (gap.start > position) return { reach: gap.start, fetchedPage: false }
            fetching = gap
            return { reach: yield* fetchForward(state, gap), fetchedPage: true }
          }))

      const walkRange = Effect.gen(function*() {
        let position = reverse ? end : start
        while (reverse ? position > start : position < end) {
          const { fetchedPage, reach } = yield* step(position)
          if (fetchedPage) output.later(progressEvent(0))
          yield* output.serve(reach)
          yield* output.emitPending
          position = reach
        }
        yield* output.flush(true)
      })
      // The gateway waits out short rate limits in place; each wait is reported (and keeps the client informed).
      yield* Effect.locally(walkRange, FloodWaitListener, (seconds: number) => progress(seconds)).pipe(
        // Whatever is complete goes out before the failure does, so the client can resume after it.
        Effect.tapError(() => Effect.ignore(Effect.zipRight(output.flush(true), output.emitPending)))
      )
    }).pipe(Effect.scoped)

  return {
    /**
     * The history as a stream of chunks (and progress events). The work runs
     * ahead by at most one batch (a read page of chunks without media, or one
     * chunk with media), and one Telegram page is asked for ahead of it; when
     * the consumer stops, it stops, the page asked ahead included.
     */
    stream: (request: HistoryRequest): Stream.Stream<HistoryEvent, HistoryError> =>
      // Telegram's service chat holds login codes: never exposed, as if it did not exist.
      request.dialogId === SERVICE_CHAT_ID ? Stream.fail(new PeerNotFound({ dialogId: request.dialogId })) : Stream.unwrapScoped(
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
  }
})

/** A dialog's history from the cache, fetching from Telegram only what it lacks. */
export class HistorySync extends Effect.Service<HistorySync>()("app/HistorySync", { scoped: makeHistorySync }) {}

/** The use case's layer (the name earlier releases exported). */
export const HistorySyncLive = HistorySync.Default
