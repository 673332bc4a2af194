/**
 * A large missing range walked by several walkers at once: cut into pieces
 * by date (domain/HistorySplit.ts says where, from a few one-message probes),
 * each piece walked page by page exactly as a whole gap is
 * (domain/HistoryWalk.ts), the walkers taking the pieces in the walk's order
 * and each Telegram request taking a place in the account's limiter
 * (HistoryLimiter.ts). Every page is committed as it comes, with the part of
 * its piece it proves: the cache's covered intervals only ever hold what
 * Telegram has shown complete, so a crash loses at most the pages in
 * flight, and a hole is never marked covered.
 *
 * Meanwhile the request's output serves, in order, the prefix of the range
 * that is complete (every piece before the first unfinished one, and that
 * one as far as it reached), read back from the cache: later pieces wait
 * on disk, not in memory. The walkers run at most a few pieces ahead of
 * what has been served, so a consumer that stops reading stops the work.
 *
 * The walk holds the dialog's lock throughout, as a single walk holds it
 * for a page: other requests for the dialog wait, then find it cached.
 */
import { Deferred, Effect, Exit, FiberId } from "effect"
import { completePrefix, cutIds, cutProbe, endProbe, joinedReach, type PieceState, pieces } from "../domain/HistorySplit.js"
import {
  type GapNeighbours,
  type HistoryPageRequest,
  nextStep,
  type PageEntries,
  pageRequest,
  walkStep,
  type WalkStep
} from "../domain/HistoryWalk.js"
import type { Interval, IntervalSet } from "../domain/Intervals.js"
import type { MessagePage } from "../ports/TelegramGateway.js"
import type { HistoryRun } from "./HistoryRun.js"
import { advanceWalk, type Walk } from "./HistoryWalks.js"

/** What the fill needs of HistorySync: its page source, its commit and its view of the cache. */
export interface FillPorts<E> {
  /** The page `wanted` names, the walk's page asked ahead taken when it answers it; `askedAt`: Telegram's clock (s). */
  readonly page: (
    run: HistoryRun,
    walk: Walk | null,
    wanted: HistoryPageRequest
  ) => Effect.Effect<PageEntries & { readonly askedAt: number }, E>
  /** One page, asked as is (through the account's limiter). */
  readonly probe: (run: HistoryRun, wanted: HistoryPageRequest) => Effect.Effect<MessagePage, E>
  /** Stores a step's messages with what it proves (the tail rule applied). */
  readonly commit: (run: HistoryRun, step: WalkStep, askedAt: number) => Effect.Effect<void, E>
  readonly neighbours: (run: HistoryRun, gap: Interval) => Effect.Effect<GapNeighbours, E>
  readonly covered: (run: HistoryRun) => Effect.Effect<IntervalSet, E>
  /** The page size and the most requests in flight (settings, read at each use). */
  readonly limit: Effect.Effect<number>
  readonly concurrency: Effect.Effect<number>
}

/** A wake-up for fibers waiting on shared state: take a ticket, read the state, wait on the ticket. */
class Signal {
  private current = Deferred.unsafeMake<void>(FiberId.none)
  ticket(): Deferred.Deferred<void> {
    return this.current
  }
  notify() {
    const woken = this.current
    this.current = Deferred.unsafeMake<void>(FiberId.none)
    Deferred.unsafeDone(woken, Exit.void)
  }
}

interface Plan {
  readonly parts: ReadonlyArray<Interval>
  readonly states: Array<PieceState>
  /** Leading pieces served completely: walkers start a piece only a few past them. */
  served: number
  done: boolean
}

export const makeHistoryFill = <E>(ports: FillPorts<E>) => {
  /**
   * Where to cut `gap`, whose walk (if `taken`) stands at its near bound:
   * the id span from the walk's offset to the far end (a cached neighbour,
   * else one probe), cut in equal parts dated by one probe each.
   */
  const plan = (run: HistoryRun, gap: Interval, taken: Walk | null, around: GapNeighbours, limit: number) =>
    Effect.gen(function*() {
      const d = run.direction
      if (taken === null) return [gap]
      const farId = d.forward ? around.after : around.before
      let low: number
      let high: number
      if (d.forward) {
        low = taken.lastId
        const ids = farId !== null ? [farId - 1] : (yield* ports.probe(run, endProbe(d, gap))).ids
        if (ids.length === 0) return [gap]
        high = Math.max(...ids) + 1
      } else {
        high = taken.lastId
        const ids = farId !== null ? [farId + 1] : (yield* ports.probe(run, endProbe(d, gap))).ids
        if (ids.length === 0) return [gap]
        low = Math.min(...ids) - 1
      }
      const dates = yield* Effect.forEach(
        cutIds(low, high, limit),
        (id) => Effect.map(ports.probe(run, cutProbe(id)), (page) => page.messages[0]?.date ?? Number.NaN),
        { concurrency: "unbounded" }
      )
      return pieces(d, gap, dates)
    })

  /**
   * One page of piece `k` from `position` (null: the piece's near bound), committed with what it proves; the
   * walk's next position, null when the piece is complete. (A function of its own, so that the page is let
   * go when it returns: a loop's suspended generator keeps its last page until the next one replaces it,
   * long enough for V8 to move every page into the old generation.)
   */
  const walkPage = (run: HistoryRun, p: Plan, k: number, position: Walk | null, around: GapNeighbours, signal: Signal) =>
    Effect.gen(function*() {
      const d = run.direction
      const limit = yield* ports.limit
      // What is left of the piece: a walk proves from its frontier on (a page of nothing but MessageEmpty
      // entries reaches no further than that), as HistorySync's walk proves from its gap's near bound.
      const rest = position === null ? p.parts[k]! : d.ahead(p.parts[k]!, position.from)
      const page = yield* ports.page(run, position, pageRequest(d, rest, position?.lastId, limit, around))
      const step = walkStep(d, rest, page, position)
      yield* ports.commit(run, step, page.askedAt)
      run.fetched += step.fetched
      // (A walk without a position has completed its piece: HistoryWalk's walkStep; else it stays open, and the
      // request's single walk goes on from where the joined prefix stops.)
      p.states[k] = { reach: step.reach, complete: step.complete }
      signal.notify()
      return step.complete || step.position === null ? null : { ...step.position, next: null }
    })

  /** Walks piece `k` from its near bound (or from `walk`, the gap's walk, for the first) to its far bound. */
  const walkPiece = (run: HistoryRun, p: Plan, k: number, walk: Walk | null, far: GapNeighbours, signal: Signal) =>
    Effect.gen(function*() {
      // Only the last piece borders the cache past the range; the others border pieces being walked.
      const around: GapNeighbours = k === p.parts.length - 1 ? far : { before: null, after: null }
      let position = walk
      let complete = false
      // A walk stopped short of its piece's end (the request stopped, or failed) is left where the next
      // request continues it: its frontier is where the cache's covered part of the piece ends.
      yield* Effect.addFinalizer(() =>
        complete || position === null ? Effect.void : advanceWalk(run.walks(), null, { ...position, next: null })
      )
      for (;;) {
        const next = yield* walkPage(run, p, k, position, around, signal)
        if (next === null) {
          complete = true
          return
        }
        position = next
      }
    })

  /** Serves the joined prefix as it grows, until the walkers are done (then once more). */
  const serve = (run: HistoryRun, p: Plan, signal: Signal) =>
    Effect.gen(function*() {
      const d = run.direction
      for (;;) {
        const ticket = signal.ticket()
        const finished = p.done
        if (p.parts.length > 0) {
          const prefix = completePrefix(p.states)
          const reach = joinedReach(d, p.parts, p.states)
          if (d.forward ? reach > run.position : reach < run.position) {
            run.output.later(run.progress(0))
            yield* run.output.serve(reach)
            yield* run.output.emitPending
            run.position = reach
          }
          if (prefix !== p.served) {
            p.served = prefix
            signal.notify()
          }
        }
        if (finished) return
        yield* Deferred.await(ticket)
      }
    })

  /**
   * Fetches the missing range ahead of the run's position by pieces walked
   * side by side, serving its prefix as it completes; returns when the
   * range is in and served (or nothing of it was missing any more).
   */
  const fill = (run: HistoryRun) =>
    Effect.gen(function*() {
      const signal = new Signal()
      const p: Plan = { parts: [], states: [], served: 0, done: false }
      const work = run.dialog.lock.withPermits(1)(
        Effect.gen(function*() {
          const d = run.direction
          const next = nextStep(d, run.range, run.position, yield* ports.covered(run))
          if (next._tag === "Cached") return
          const gap = next.gap
          run.fetching = gap
          const walks = run.walks()
          const taken = walks.get(d.near(gap)) ?? null
          // The gap's walk is the first piece's now (its page asked ahead included).
          yield* advanceWalk(walks, taken, null)
          const around = yield* ports.neighbours(run, gap)
          const parts = yield* plan(run, gap, taken, around, yield* ports.limit)
          Object.assign(p, { parts, states: parts.map((part) => ({ reach: d.near(part), complete: false })) })
          signal.notify()
          let nextPiece = 0
          const walker = Effect.gen(function*() {
            for (;;) {
              const ahead = Math.max(2, yield* ports.concurrency) + 1
              // (From here to taking the piece, nothing yields: no two walkers take the same one.)
              const k = nextPiece
              if (k >= parts.length) return
              if (k >= p.served + ahead) {
                const ticket = signal.ticket()
                if (k >= p.served + ahead) yield* Deferred.await(ticket)
                continue
              }
              nextPiece++
              yield* Effect.scoped(walkPiece(run, p, k, k === 0 ? taken : null, around, signal))
            }
          })
          const walkers = Math.max(1, Math.min(parts.length, yield* ports.concurrency))
          yield* Effect.all(Array.from({ length: walkers }, () => walker), { concurrency: "unbounded", discard: true })
        })
      )
      const [exit] = yield* Effect.all(
        [
          Effect.exit(work).pipe(Effect.ensuring(Effect.sync(() => {
            p.done = true
            signal.notify()
          }))),
          serve(run, p, signal)
        ],
        { concurrency: "unbounded" }
      )
      // Whatever was complete went out before the failure does, so the client can resume after it.
      return yield* exit
    })

  return { fill }
}
