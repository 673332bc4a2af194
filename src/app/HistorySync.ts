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
import { Cause, Chunk, Clock, Context, Duration, Effect, Exit, Fiber, FiberRef, Layer, Option, Queue, RcMap, Stream } from "effect"
import { backwardPage, forwardPage } from "../domain/HistoryPages.js"
import * as Intervals from "../domain/Intervals.js"
import type { Interval, IntervalSet } from "../domain/Intervals.js"
import type { MessageRecord } from "../domain/Message.js"
import type { SessionName } from "../domain/SessionName.js"
import { TELEGRAM_MAX_BATCH } from "../domain/Settings.js"
import {
  type DialogKey,
  type MessageCursor,
  MessageStore,
  type MessageStoreError,
  type StoredMessage
} from "../ports/MessageStore.js"
import { SettingsStore } from "../ports/SettingsStore.js"
import { SERVICE_CHAT_ID } from "../domain/DialogSearch.js"
import {
  FloodWaitListener,
  type HistoryPageRequest,
  type MessagePage,
  PeerNotFound,
  TelegramGateway,
  type TelegramError
} from "../ports/TelegramGateway.js"
import { type HistoryMediaError, makeHistoryMedia } from "./HistoryMedia.js"
import { checkHistoryRequest, type HistoryRequest, type InvalidHistoryRequest } from "./HistoryRequest.js"

export type { HistoryRequest }

export type HistoryEvent =
  | { readonly _tag: "Chunk"; readonly messages: ReadonlyArray<StoredMessage> }
  | {
    readonly _tag: "Progress"
    /** Messages fetched from Telegram so far by this request. */
    readonly fetched: number
    /** The missing range being fetched, if any. */
    readonly fetching: Interval | null
    /** Seconds of the rate-limit wait starting now (0 when this is not a wait). */
    readonly rateLimitWait: number
  }
  /** Nothing else for `heartbeat`; only with that option. */
  | { readonly _tag: "Heartbeat" }

const HEARTBEAT: HistoryEvent = { _tag: "Heartbeat" }

export type HistoryError = TelegramError | PeerNotFound | MessageStoreError | HistoryMediaError | InvalidHistoryRequest

/** Rows read from the cache at a time: large enough to be fast, small enough to keep memory flat. */
const READ_PAGE = 500

/**
 * Near "now" the cache records completeness only up to Telegram's clock (ours
 * moved by the offset the gateway measured, to the second) minus this margin,
 * or up to the newest message Telegram showed. A message arriving later is
 * dated after both, whatever the error of the measurement; it cannot fall
 * into a range already marked complete.
 */
const TAIL_MARGIN_SECONDS = 60

/**
 * How far off the measured offset of Telegram's clock may be (it is read
 * from a date in whole seconds, after a round trip). Well below the tail
 * margin, which covers it where completeness is recorded.
 */
const CLOCK_ERROR_SECONDS = 5

/** A page asked of Telegram ahead of time, while the one before it is stored and streamed. */
interface Prefetch {
  readonly request: HistoryPageRequest
  /** Our clock when it was asked for (what the tail rule may assume about it, see TAIL_MARGIN_SECONDS). */
  readonly askedAt: number
  readonly fiber: Fiber.RuntimeFiber<MessagePage, TelegramError | PeerNotFound>
}

interface Walk {
  /** The frontier the walk has reached: the next page continues from here. */
  readonly from: number
  /** Telegram's paging offset: the last message id seen. */
  readonly lastId: number
  /** Messages already fetched in the second at the frontier, which is not proven complete yet. */
  readonly carry: ReadonlyArray<MessageRecord>
  /** The walk's next page, already asked for; whoever continues the walk takes it. */
  next: Prefetch | null
}

/** Walks stopped at different frontiers (by frontier), oldest first; a few are kept, so that requests walking elsewhere do not end each other's. */
type WalkMap = Map<number, Walk>

interface Walks {
  readonly forward: WalkMap
  readonly backward: WalkMap
}

const WALKS_KEPT = 16

const makeWalks = (): Walks => ({ forward: new Map(), backward: new Map() })

/** Drops a walk's page asked for ahead, if any (its fiber is stopped; nobody is waiting for it under the lock). */
const dropPrefetch = (walk: Walk) => {
  const next = walk.next
  walk.next = null
  return next === null ? Effect.void : Fiber.interruptFork(next.fiber)
}

/** Takes `walk` (continued by the caller) out of the map, and records where the walk now stands. */
const advanceWalk = (walks: WalkMap, taken: Walk | null, walk: Walk | null) =>
  Effect.gen(function*() {
    if (taken !== null && walks.get(taken.from) === taken) walks.delete(taken.from)
    if (walk === null) return
    const old = walks.get(walk.from)
    if (old !== undefined) {
      walks.delete(walk.from)
      yield* dropPrefetch(old)
    }
    walks.set(walk.from, walk)
    for (const [from, stale] of walks) {
      if (walks.size <= WALKS_KEPT) break
      walks.delete(from)
      yield* dropPrefetch(stale)
    }
  })

const clearWalks = (walks: WalkMap) =>
  Effect.gen(function*() {
    const all = [...walks.values()]
    walks.clear()
    for (const walk of all) yield* dropPrefetch(walk)
  })

/**
 * Whether a page asked for ahead answers `wanted`, and which of its messages
 * do: the same request, or one whose id bound has only tightened since (a
 * neighbour stored meanwhile); Telegram applies min_id and max_id after
 * choosing the page's window, so the tighter answer is the looser one with
 * the messages past the bound left out.
 */
const prefetchAnswers = (
  asked: HistoryPageRequest,
  wanted: HistoryPageRequest
): ((m: MessageRecord) => boolean) | null => {
  if (
    asked.offsetId !== wanted.offsetId || asked.offsetDate !== wanted.offsetDate ||
    asked.addOffset !== wanted.addOffset || asked.limit !== wanted.limit
  ) return null
  const maxOk = asked.maxId === wanted.maxId || (wanted.maxId > 0 && (asked.maxId <= 0 || wanted.maxId < asked.maxId))
  const minOk = asked.minId === wanted.minId || wanted.minId > asked.minId
  if (!maxOk || !minOk) return null
  return (m) => m.id > wanted.minId && (wanted.maxId <= 0 || m.id < wanted.maxId)
}

interface DialogState {
  readonly lock: Effect.Semaphore
  /** Where this dialog's last walks stopped, so whichever request comes next continues them without overlap. */
  readonly walks: Walks
}

export const makeHistorySync = Effect.gen(function*() {
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
      const key: DialogKey = { accountId: account.userId, dialogId: request.dialogId }
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
      // and Telegram's now is known to a few seconds (CLOCK_ERROR_SECONDS), so those are let in too.
      const start = Math.max(0, request.startDate ?? 0)
      const latest = now + 1 + CLOCK_ERROR_SECONDS
      const end = Math.min(request.endDate ?? latest, latest)
      if (start >= end) return

      const reverse = request.reverse
      let fetched = 0
      let fetching: Interval | null = null
      /** A forced refresh walks on its own: it must see every message again, not continue another request's walk. */
      const ownWalks: Walks = makeWalks()
      /** What this request fetched completely itself (recorded in the cache or not, see TAIL_MARGIN_SECONDS). */
      let fetchedHere: IntervalSet = Intervals.empty
      let cacheExists = false
      let cursor: MessageCursor = reverse ? { date: end, id: 0 } : { date: start, id: 0 }
      const buffer: Array<StoredMessage> = []

      /** Events ready to go out with the next batch (progress after a page goes out with that page's chunks). */
      let pending: Array<HistoryEvent> = []
      const emit = (events: ReadonlyArray<HistoryEvent>) => {
        if (pending.length === 0) return emitNow(events)
        const all = [...pending, ...events]
        pending = []
        return emitNow(all)
      }
      const progressEvent = (rateLimitWait: number): HistoryEvent => ({ _tag: "Progress", fetched, fetching, rateLimitWait })
      /** A rate-limit wait is reported at once: it is about to keep the client waiting. */
      const progress = (rateLimitWait: number) => emit([progressEvent(rateLimitWait)])

      const hasCache = Effect.gen(function*() {
        if (!cacheExists) cacheExists = yield* store.exists(key)
        return cacheExists
      })

      /** With force_refresh, only what this request re-fetched counts as covered. */
      const covered = Effect.gen(function*() {
        if (request.forceRefresh || !(yield* hasCache)) return fetchedHere
        return Intervals.union(yield* store.covered(key), fetchedHere)
      })

      const flush = (all: boolean) =>
        Effect.gen(function*() {
          // Chunks without media go out together (a read page's worth); a chunk with media goes alone, its
          // media fetched right before it goes out, never for a whole Telegram batch.
          let ready: Array<HistoryEvent> = []
          while (buffer.length >= request.chunkSize || (all && buffer.length > 0)) {
            const chunk = buffer.splice(0, request.chunkSize)
            if (chunk.every((m) => m.media === null)) {
              ready.push({ _tag: "Chunk", messages: chunk })
              continue
            }
            const prepared: HistoryEvent = { _tag: "Chunk", messages: yield* media.prepare(request.session, key, chunk) }
            yield* emit(ready.length > 0 ? [...ready, prepared] : [prepared])
            ready = []
          }
          if (ready.length > 0) yield* emit(ready)
        })

      /** The messages the last commit found between the cursor and the bound the serve after it reads up to. */
      let answered: { readonly after: MessageCursor; readonly bound: number; readonly rows: ReadonlyArray<StoredMessage> } | null =
        null

      /** Emits cached messages from the cursor up to `bound` (exclusive going forward, inclusive going back). */
      const serve = (bound: number) =>
        Effect.gen(function*() {
          if (!(yield* hasCache)) return
          const known = answered
          answered = null
          if (known !== null && known.after === cursor && known.bound === bound) {
            // What the page just committed is all there is up to the bound: no need to read it back.
            if (known.rows.length === 0) return
            buffer.push(...known.rows)
            const last = known.rows[known.rows.length - 1]!.message
            cursor = { date: last.date, id: last.id }
            return yield* flush(false)
          }
          for (;;) {
            const rows = yield* store.read(key, { after: cursor, bound, order: reverse ? "desc" : "asc", limit: READ_PAGE })
            if (rows.length === 0) return
            buffer.push(...rows)
            const last = rows[rows.length - 1]!.message
            cursor = { date: last.date, id: last.id }
            yield* flush(false)
            if (rows.length < READ_PAGE) return
          }
        })

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
          const settled = Math.max(Math.min(now, askedAt) - TAIL_MARGIN_SECONDS, newestSeen ?? -Infinity)
          const covers = proves === null || proves.end <= settled
            ? proves
            : settled > proves.start
            ? Intervals.interval(proves.start, settled)
            : null
          const after = cursor
          const result = yield* store.commitPage(key, {
            messages,
            covers,
            replace: request.forceRefresh ? proves : null,
            window: { after, bound: reach, order: reverse ? "desc" : "asc" }
          })
          answered = result.window === null ? null : { after, bound: reach, rows: result.window }
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

      const ask = (wanted: HistoryPageRequest) => gateway.history(request.session, request.dialogId, wanted)

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
          if (fetchedPage) pending.push(progressEvent(0))
          yield* serve(reach)
          if (pending.length > 0) yield* emit([])
          position = reach
        }
        yield* flush(true)
      })
      // The gateway waits out short rate limits in place; each wait is reported (and keeps the client informed).
      yield* Effect.locally(walkRange, FloodWaitListener, (seconds: number) => progress(seconds)).pipe(
        // Whatever is complete goes out before the failure does, so the client can resume after it.
        Effect.tapError(() => Effect.ignore(Effect.zipRight(flush(true), Effect.suspend(() => pending.length > 0 ? emit([]) : Effect.void))))
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
          // A batch of events, or how the work ended: one queue item per hand-over, taken by one pull.
          const queue = yield* Queue.bounded<ReadonlyArray<HistoryEvent> | Exit.Exit<void, HistoryError>>(1)
          let lastOffer = yield* Clock.currentTimeMillis
          const offer = (item: ReadonlyArray<HistoryEvent> | Exit.Exit<void, HistoryError>) =>
            Effect.flatMap(Clock.currentTimeMillis, (now) => {
              lastOffer = now
              return Queue.offer(queue, item)
            })
          yield* run(request, offer).pipe(Effect.exit, Effect.flatMap(offer), Effect.forkScoped)
          if (request.heartbeat !== undefined) {
            // Beside the work, into the same queue (a keep-alive merged in further down the stream would hand
            // every frame over between fibers, and hold on to their memory: see SseResponse).
            const every = Duration.toMillis(request.heartbeat)
            yield* Effect.gen(function*() {
              const now = yield* Clock.currentTimeMillis
              if (now < lastOffer + every) return yield* Effect.sleep(lastOffer + every - now)
              yield* offer([HEARTBEAT])
            }).pipe(Effect.forever, Effect.forkScoped)
          }
          return Stream.repeatEffectChunkOption(
            Effect.flatMap(Queue.take(queue), (item): Effect.Effect<Chunk.Chunk<HistoryEvent>, Option.Option<HistoryError>> =>
              !Exit.isExit(item)
                ? Effect.succeed(Chunk.unsafeFromArray(item))
                : Exit.isSuccess(item)
                ? Effect.fail(Option.none())
                : Effect.failCause(Cause.map(item.cause, Option.some)))
          )
        })
      )
  }
})

export class HistorySync extends Context.Tag("app/HistorySync")<HistorySync, Effect.Effect.Success<typeof makeHistorySync>>() {}

export const HistorySyncLive = Layer.scoped(HistorySync, makeHistorySync)
