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
 */
import { Chunk, Clock, Context, Duration, Effect, FiberRef, Layer, Queue, RcMap, Stream, Take } from "effect"
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
  PeerNotFound,
  TelegramGateway,
  type TelegramError
} from "../ports/TelegramGateway.js"
import { type HistoryMediaError, makeHistoryMedia } from "./HistoryMedia.js"
import { checkHistoryRequest, type InvalidHistoryRequest } from "./InvalidHistoryRequest.js"

export interface HistoryRequest {
  readonly session: SessionName
  readonly dialogId: number
  /** Inclusive, epoch seconds; null for the dialog's beginning. */
  readonly startDate: number | null
  /** Exclusive, epoch seconds; null for now. */
  readonly endDate: number | null
  readonly chunkSize: number
  readonly forceRefresh: boolean
  readonly reverse: boolean
  /**
   * When given, a Heartbeat event goes out whenever nothing else did for this
   * long (a slow Telegram call, a rate-limit wait, a large download), so a
   * connection carrying the stream can be kept alive.
   */
  readonly heartbeat?: Duration.DurationInput
}

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
 * Near "now" the cache records completeness only up to our clock minus this
 * margin, or up to the newest message Telegram showed (its own clock). A
 * message arriving later is dated after both, even if our clock runs ahead
 * of Telegram's; it cannot fall into a range already marked complete.
 */
const TAIL_MARGIN_SECONDS = 60

interface Walk {
  /** The frontier the walk has reached: the next page continues from here. */
  readonly from: number
  /** Telegram's paging offset: the last message id seen. */
  readonly lastId: number
  /** Messages already fetched in the second at the frontier, which is not proven complete yet. */
  readonly carry: ReadonlyArray<MessageRecord>
}

interface Walks {
  forward: Walk | null
  backward: Walk | null
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
      Effect.map(Effect.makeSemaphore(1), (lock): DialogState => ({ lock, walks: { forward: null, backward: null } })),
    idleTimeToLive: Duration.minutes(5)
  })
  /** Runs `f` holding the dialog's lock (one step: recompute, fetch a page, commit). */
  const withDialog = <A, E, R>(key: DialogKey, f: (state: DialogState) => Effect.Effect<A, E, R>) =>
    Effect.scoped(
      Effect.flatMap(RcMap.get(dialogs, `${key.accountId}:${key.dialogId}`), (state) => state.lock.withPermits(1)(f(state)))
    )

  /** `emit` hands the consumer several events at once: a batch costs the stream machinery what one event does. */
  const run = (request: HistoryRequest, emit: (events: ReadonlyArray<HistoryEvent>) => Effect.Effect<void>) =>
    Effect.gen(function*() {
      const account = yield* gateway.account(request.session)
      const key: DialogKey = { accountId: account.userId, dialogId: request.dialogId }
      const now = Math.floor((yield* Clock.currentTimeMillis) / 1000)
      // Nothing is dated before 1970 or after now, so the range is clamped to what can exist. Dates are
      // whole seconds: "now" as the (exclusive) end would leave out a message sent earlier this second.
      const start = Math.max(0, request.startDate ?? 0)
      const end = Math.min(request.endDate ?? now + 1, now + 1)
      if (start >= end) return

      const reverse = request.reverse
      let fetched = 0
      let fetching: Interval | null = null
      /** A forced refresh walks on its own: it must see every message again, not continue another request's walk. */
      const ownWalks: Walks = { forward: null, backward: null }
      /** What this request fetched completely itself (recorded in the cache or not, see TAIL_MARGIN_SECONDS). */
      let fetchedHere: IntervalSet = Intervals.empty
      let cacheExists = false
      let cursor: MessageCursor = reverse ? { date: end, id: 0 } : { date: start, id: 0 }
      const buffer: Array<StoredMessage> = []

      const progress = (rateLimitWait: number) => emit([{ _tag: "Progress", fetched, fetching, rateLimitWait }])

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
            if (ready.length > 0) yield* emit(ready)
            ready = []
            yield* emit([{ _tag: "Chunk", messages: yield* media.prepare(request.session, key, chunk) }])
          }
          if (ready.length > 0) yield* emit(ready)
        })

      /** Emits cached messages from the cursor up to `bound` (exclusive going forward, inclusive going back). */
      const serve = (bound: number) =>
        Effect.gen(function*() {
          if (!(yield* hasCache)) return
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
       * date Telegram showed in it, which bounds what may be recorded near now.
       */
      const commit = (
        state: DialogState,
        messages: ReadonlyArray<MessageRecord>,
        proves: Interval | null,
        newestSeen: number | undefined
      ) =>
        Effect.gen(function*() {
          const settled = Math.max(now - TAIL_MARGIN_SECONDS, newestSeen ?? -Infinity)
          const covers = proves === null || proves.end <= settled
            ? proves
            : settled > proves.start
            ? Intervals.interval(proves.start, settled)
            : null
          const result = yield* store.commitPage(key, { messages, covers, replace: request.forceRefresh ? proves : null })
          cacheExists = true
          if (proves !== null) fetchedHere = Intervals.add(fetchedHere, proves)
          if (request.forceRefresh) {
            // Their carried messages may just have been deleted: other requests start afresh.
            state.walks.forward = null
            state.walks.backward = null
          }
          yield* media.discard(key, result.droppedMedia)
        })

      const neighbours = (gap: Interval) =>
        Effect.gen(function*() {
          if (!(yield* hasCache)) return { before: null, after: null }
          return yield* store.idsAround(key, gap)
        })

      const batchSize = Effect.map(settingsStore.get, (s) => Math.max(1, Math.min(s.telegram_batch_size, TELEGRAM_MAX_BATCH)))

      /**
       * One page just newer than the frontier (an offset and a negative
       * add_offset), bounded by max_id at the oldest cached message past the
       * gap; returns the new frontier.
       */
      const fetchForward = (state: DialogState, gap: Interval) =>
        Effect.gen(function*() {
          const walks = request.forceRefresh ? ownWalks : state.walks
          const limit = yield* batchSize
          const bounds = yield* neighbours(gap)
          const continuing = walks.forward !== null && walks.forward.from === gap.start ? walks.forward : null
          // Only the far end is bounded: a bound there can only cut what lies past the gap, so a short
          // page still means the gap is complete. A min_id could cut a page short at the near end.
          const ids = { minId: 0, maxId: bounds.after ?? 0 }
          const result = yield* gateway.history(
            request.session,
            request.dialogId,
            continuing !== null
              ? { offsetId: continuing.lastId + 1, offsetDate: 0, addOffset: -limit, limit, ...ids }
              : gap.start <= 1
              ? { offsetId: 1, offsetDate: 0, addOffset: -limit, limit, ...ids }
              // Whether offset_date is inclusive does not matter: the second before is asked for too, then dropped.
              : { offsetId: 0, offsetDate: gap.start - 1, addOffset: -limit, limit, ...ids }
          )
          const messages = [...result.messages].sort((a, b) => a.id - b.id)
          const advanced = continuing === null || (messages.at(-1)?.id ?? 0) > continuing.lastId
          // A short page reached the newest message, or the bound: the whole gap is in.
          const full = messages.length >= limit && advanced
          const newest = messages.at(-1)?.date ?? gap.end
          const to = !full || newest >= gap.end ? gap.end : Math.max(gap.start, newest)
          const inGap = messages.filter((m) => m.date >= gap.start && m.date < gap.end)
          const toStore = continuing !== null ? [...continuing.carry, ...inGap] : inGap
          yield* commit(state, toStore, to > gap.start ? Intervals.interval(gap.start, to) : null, messages.at(-1)?.date)
          // The walk goes on after the newest message seen short of the gap's end: messages past it were dropped.
          const lastId = messages.filter((m) => m.date < gap.end).at(-1)?.id ?? continuing?.lastId
          walks.forward = lastId === undefined ? null : { from: to, lastId, carry: toStore.filter((m) => m.date >= to) }
          fetched += inGap.length
          return to
        })

      /** One page just older than the frontier, bounded by min_id at the newest cached message before the gap. */
      const fetchBackward = (state: DialogState, gap: Interval) =>
        Effect.gen(function*() {
          const walks = request.forceRefresh ? ownWalks : state.walks
          const limit = yield* batchSize
          const bounds = yield* neighbours(gap)
          const continuing = walks.backward !== null && walks.backward.from === gap.end ? walks.backward : null
          const ids = { minId: bounds.before ?? 0, maxId: 0 }
          const result = yield* gateway.history(
            request.session,
            request.dialogId,
            continuing !== null
              ? { offsetId: continuing.lastId, offsetDate: 0, addOffset: 0, limit, ...ids }
              : { offsetId: 0, offsetDate: gap.end, addOffset: 0, limit, ...ids }
          )
          const messages = [...result.messages].sort((a, b) => b.id - a.id)
          const advanced = continuing === null || (messages.at(-1)?.id ?? Infinity) < continuing.lastId
          const full = messages.length >= limit && advanced
          const oldest = messages.at(-1)?.date ?? gap.start
          const to = !full || oldest < gap.start ? gap.start : Math.min(gap.end, oldest + 1)
          const inGap = messages.filter((m) => m.date >= gap.start && m.date < gap.end)
          const toStore = continuing !== null ? [...continuing.carry, ...inGap] : inGap
          yield* commit(state, toStore, to < gap.end ? Intervals.interval(to, gap.end) : null, messages[0]?.date)
          const lastId = messages.filter((m) => m.date >= gap.start).at(-1)?.id ?? continuing?.lastId
          walks.backward = lastId === undefined ? null : { from: to, lastId, carry: toStore.filter((m) => m.date < to) }
          fetched += inGap.length
          return to
        })

      /** Under the lock: how far the cache now reaches from `position`, fetching one page if it reaches nowhere. */
      const step = (position: number) =>
        withDialog(key, (state) =>
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
          if (fetchedPage) yield* progress(0)
          yield* serve(reach)
          position = reach
        }
        yield* flush(true)
      })
      // The gateway waits out short rate limits in place; each wait is reported (and keeps the client informed).
      yield* Effect.locally(walkRange, FloodWaitListener, (seconds: number) => progress(seconds)).pipe(
        // Whatever is complete goes out before the failure does, so the client can resume after it.
        Effect.tapError(() => Effect.ignore(flush(true)))
      )
    })

  return {
    /**
     * The history as a stream of chunks (and progress events). The work runs
     * ahead by at most one batch (a read page of chunks without media, or one
     * chunk with media); when the consumer stops, it stops.
     */
    stream: (request: HistoryRequest): Stream.Stream<HistoryEvent, HistoryError> =>
      // Telegram's service chat holds login codes: never exposed, as if it did not exist.
      request.dialogId === SERVICE_CHAT_ID ? Stream.fail(new PeerNotFound({ dialogId: request.dialogId })) : Stream.unwrapScoped(
        Effect.gen(function*() {
          // Before anything is asked of Telegram; a chunk size below 1 would otherwise emit empty chunks for ever.
          const invalid = checkHistoryRequest(request, Math.floor((yield* Clock.currentTimeMillis) / 1000))
          if (invalid !== null) return yield* invalid
          const queue = yield* Queue.bounded<Take.Take<HistoryEvent, HistoryError>>(1)
          let lastOffer = yield* Clock.currentTimeMillis
          const offer = (take: Take.Take<HistoryEvent, HistoryError>) =>
            Effect.flatMap(Clock.currentTimeMillis, (now) => {
              lastOffer = now
              return Queue.offer(queue, take)
            })
          yield* run(request, (events) => offer(Take.chunk(Chunk.unsafeFromArray(events)))).pipe(
            Effect.matchCauseEffect({
              onSuccess: () => offer(Take.end),
              onFailure: (cause) => offer(Take.failCause(cause))
            }),
            Effect.forkScoped
          )
          if (request.heartbeat !== undefined) {
            // Beside the work, into the same queue (a keep-alive merged in further down the stream would hand
            // every frame over between fibers, and hold on to their memory: see SseResponse).
            const every = Duration.toMillis(request.heartbeat)
            yield* Effect.gen(function*() {
              const now = yield* Clock.currentTimeMillis
              if (now < lastOffer + every) return yield* Effect.sleep(lastOffer + every - now)
              yield* offer(Take.of(HEARTBEAT))
            }).pipe(Effect.forever, Effect.forkScoped)
          }
          return Stream.flattenTake(Stream.fromQueue(queue))
        })
      )
  }
})

export class HistorySync extends Context.Tag("app/HistorySync")<HistorySync, Effect.Effect.Success<typeof makeHistorySync>>() {}

export const HistorySyncLive = Layer.scoped(HistorySync, makeHistorySync)
