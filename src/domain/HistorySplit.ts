/**
 * A missing range of a dialog's history cut into pieces walked side by side
 * (app/HistoryFill.ts), and how many Telegram requests may be in flight at
 * once for one account.
 *
 * Where to cut. The cache's covered intervals are dates, and each piece is
 * walked by the same walk as a whole gap (domain/HistoryWalk.ts, from the
 * piece's near bound to its far one), so the cuts are dates: whatever the
 * dates, pieces that partition the range are joined without gap or
 * duplicate, since each message has one date and each piece's walk proves
 * only its own interval and keeps only the messages dated inside it. The
 * cuts matter for speed only: each piece should hold about as many
 * messages. Dates say nothing of that (a channel is silent for a year, then
 * posts a thousand messages in a day), but ids do: within a dialog they
 * grow with the date, and their span between two messages is about the
 * number of messages between them (deleted ones leave holes, private chats
 * share one sequence across the account's dialogs; either only makes some
 * pieces smaller). So the id span of the range (its ends are known: the
 * walk's position, and a cached neighbour or one probe) is cut into equal
 * parts, and the date at each cut is asked of Telegram with a one-message
 * page at that id (offset_id, add_offset -1: the oldest message with an id
 * at or past it). A probe that comes back empty (a hidden message took the
 * slot: short pages are no proof of anything) or with a MessageEmpty just
 * drops its cut; a piece is never taken as ended by a short page, its walk
 * ends only as HistoryWalk's does.
 */
import type { Direction, HistoryPageRequest } from "./HistoryWalk.js"
import * as Intervals from "./Intervals.js"
import type { Interval } from "./Intervals.js"

/** A piece holds at least this many pages' worth of ids: fewer, and the probes cost more than they save. */
export const PIECE_PAGES = 16

/** At most this many pieces (one probe each) per range; a larger range gets larger pieces. */
export const MAX_PIECES = 128

/** The largest `sync_concurrency` the settings accept. */
export const MAX_SYNC_CONCURRENCY = 32

/**
 * Whether a range whose first page reported `count` messages (Telegram's
 * total for the dialog, or the thread) is worth cutting: at least two
 * pieces' worth. Small histories keep the single walk (with its page asked
 * ahead), which costs no probe.
 */
export const worthSplitting = (count: number, limit: number): boolean => count >= 2 * PIECE_PAGES * limit

const EMPTY_REQUEST = { offsetId: 0, offsetDate: 0, addOffset: 0, minId: 0, maxId: 0 } as const

/**
 * The page that finds the id at the range's far end when no cached message
 * bounds it: walking forward, the newest message dated before the range's
 * end; backward, the oldest dated at or after its start.
 */
export const endProbe = (d: Direction, range: Interval): HistoryPageRequest =>
  d.forward
    ? { ...EMPTY_REQUEST, offsetDate: range.end, limit: 1 }
    : range.start <= 1
    ? { ...EMPTY_REQUEST, offsetId: 1, addOffset: -1, limit: 1 }
    : { ...EMPTY_REQUEST, offsetDate: range.start, addOffset: -1, limit: 1 }

/** The page that dates the cut at `id`: the oldest message whose id is `id` or more. */
export const cutProbe = (id: number): HistoryPageRequest => ({ ...EMPTY_REQUEST, offsetId: id, addOffset: -1, limit: 1 })

/**
 * The ids to cut at between `low` and `high` (both exclusive: ids the walk
 * has seen, or the cached neighbours), for pages of `limit`: equal parts of
 * at least PIECE_PAGES pages, at most MAX_PIECES of them; none when the
 * span is less than two pieces.
 */
export const cutIds = (low: number, high: number, limit: number): ReadonlyArray<number> => {
  const span = high - low - 1
  const pieces = Math.min(MAX_PIECES, Math.floor(span / (PIECE_PAGES * Math.max(1, limit))))
  if (!(pieces >= 2)) return []
  const out: Array<number> = []
  for (let j = 1; j < pieces; j++) {
    const id = low + Math.round((j * (high - low)) / pieces)
    if (id > low && id < high && id !== out.at(-1)) out.push(id)
  }
  return out
}

/**
 * `range` cut at `dates` (those strictly inside it; duplicates and
 * outsiders are dropped): consecutive non-empty intervals that partition
 * it, in the walk's order (oldest first forward, newest first backward).
 */
export const pieces = (d: Direction, range: Interval, dates: ReadonlyArray<number>): ReadonlyArray<Interval> => {
  if (Intervals.isEmpty(range)) return []
  const cuts = [...new Set(dates.filter((t) => Number.isFinite(t) && t > range.start && t < range.end))].sort((a, b) => a - b)
  const bounds = [range.start, ...cuts, range.end]
  const out: Array<Interval> = []
  for (let k = 0; k + 1 < bounds.length; k++) out.push(Intervals.interval(bounds[k]!, bounds[k + 1]!))
  return d.forward ? out : out.reverse()
}

/** Where one piece's walk stands: proved from its near bound up to `reach`; `complete` once up to its far bound. */
export interface PieceState {
  readonly reach: number
  readonly complete: boolean
}

/**
 * How far the pieces (in walk order, partitioning a range) have proved the
 * range from its near bound without a hole: every complete piece from the
 * first, then as far as the first incomplete one reached. Only this prefix
 * may be served: a later piece's messages wait until all before them are in.
 */
export const joinedReach = (d: Direction, parts: ReadonlyArray<Interval>, states: ReadonlyArray<PieceState>): number => {
  let reach = parts.length === 0 ? 0 : d.near(parts[0]!)
  for (let k = 0; k < parts.length; k++) {
    const state = states[k]
    if (state === undefined) return reach
    if (!state.complete) return state.reach
    reach = d.far(parts[k]!)
  }
  return reach
}

/** How many leading pieces are complete (the first incomplete one's index). */
export const completePrefix = (states: ReadonlyArray<PieceState>): number => {
  const k = states.findIndex((s) => !s.complete)
  return k === -1 ? states.length : k
}

/**
 * Additive increase, multiplicative decrease of the requests one account
 * may have in flight: from one, one more per answer while no FLOOD_WAIT has
 * come (slow start: the budget is unknown), then one more per window's
 * worth of answers; halved on a FLOOD_WAIT. Never below one, never above
 * the configured maximum (`sync_concurrency`), which may change between calls.
 */
export interface Aimd {
  /** Requests allowed in flight (fractional: grows by 1/window per answer past the threshold). */
  readonly window: number
  /** Where slow start stops: half the window at the last FLOOD_WAIT. */
  readonly threshold: number
}

export const aimdStart: Aimd = { window: 1, threshold: Number.POSITIVE_INFINITY }

export const aimdSuccess = (a: Aimd, max: number): Aimd => ({
  window: Math.max(1, Math.min(max, a.window < a.threshold ? a.window + 1 : a.window + 1 / a.window)),
  threshold: a.threshold
})

export const aimdFlood = (a: Aimd): Aimd => {
  const window = Math.max(1, a.window / 2)
  return { window, threshold: window }
}

/** The requests that may be in flight now. */
export const aimdPermits = (a: Aimd, max: number): number => Math.max(1, Math.min(Math.max(1, max), Math.floor(a.window)))
