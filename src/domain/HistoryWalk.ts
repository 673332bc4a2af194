/**
 * The walk over the missing ranges of a dialog's history, in either
 * direction: which gap comes next, which page of messages.getHistory to ask
 * for, and what each page proves. Forward walks oldest first, backward
 * newest first; the two differ only in the few operations of `Direction`.
 *
 * Telegram returns pages shorter than asked for long before the end of a
 * history: `MessageEmpty` entries, messages hidden or restricted for the
 * account that take a slot of the window but are not returned, gaps in a
 * channel's ids. (tdlib's getChatHistory: "fewer messages ... even if the
 * end of the history has not been reached".) So a page's length proves
 * nothing. A gap is complete only when Telegram has shown there is nothing
 * more in it: a page with no entry at all past the walk's offset, or a page
 * whose message crosses the gap's far bound. Paging offsets move on every
 * entry of the page, empty ones included, never only on the messages kept.
 * And a second never counts as proven until all of its messages are in: the
 * frontier's second (the last message's) stays open until a later page.
 */
import * as Intervals from "./Intervals.js"
import type { Interval, IntervalSet } from "./Intervals.js"
import type { MessageRecord } from "./Message.js"

/** messages.getHistory's paging, as Telegram defines it (ids exclusive, newest first). */
export interface HistoryPageRequest {
  readonly offsetId: number
  readonly offsetDate: number
  readonly addOffset: number
  readonly limit: number
  readonly minId: number
  readonly maxId: number
}

/** What differs between walking forward in time and backward. */
export interface Direction {
  /** Oldest first (forward) or newest first. */
  readonly forward: boolean
  /** Where a walk over `range` starts. */
  readonly near: (range: Interval) => number
  /** Where it ends. */
  readonly far: (range: Interval) => number
  /** Whether the date `date` lies at or past `bound` in the walk's direction (forward: `>=`, backward: `<`). */
  readonly beyond: (date: number, bound: number) => boolean
  /** Whether the entry `id` comes after `offset` in the walk (forward: newer, backward: older). */
  readonly pastOffset: (id: number, offset: number) => boolean
  /** The frontier a message dated `date` takes the walk to: up to its second, which may hold more messages. */
  readonly frontier: (date: number) => number
  /** The part of `range` between its near bound and `position`: what the walk has put behind it. */
  readonly behind: (range: Interval, position: number) => Interval
  /** The part of `range` between `position` and its far bound: what is still ahead. */
  readonly ahead: (range: Interval, position: number) => Interval
}

export const Forward: Direction = {
  forward: true,
  near: (range) => range.start,
  far: (range) => range.end,
  beyond: (date, bound) => date >= bound,
  pastOffset: (id, offset) => id > offset,
  frontier: (date) => date,
  behind: (range, position) => Intervals.interval(range.start, position),
  ahead: (range, position) => Intervals.interval(position, range.end)
}

export const Backward: Direction = {
  forward: false,
  near: (range) => range.end,
  far: (range) => range.start,
  beyond: (date, bound) => date < bound,
  pastOffset: (id, offset) => id < offset,
  // The oldest message's second is not proven whole yet: the next page may hold more of it.
  frontier: (date) => date + 1,
  behind: (range, position) => Intervals.interval(position, range.end),
  ahead: (range, position) => Intervals.interval(range.start, position)
}

export const direction = (reverse: boolean): Direction => reverse ? Backward : Forward

/** Whether a walk over `range` standing at `position` has reached its far bound. */
export const reached = (d: Direction, range: Interval, position: number): boolean =>
  position === d.far(range) || d.beyond(position, d.far(range))

/**
 * What comes next from `position` within `range`: the cache already reaches
 * to `reach` (its covered intervals hold everything up to there), or the
 * nearest gap ahead starts right here and is to be fetched.
 */
export type NextStep =
  | { readonly _tag: "Cached"; readonly reach: number }
  | { readonly _tag: "Fetch"; readonly gap: Interval }

export const nextStep = (d: Direction, range: Interval, position: number, covered: IntervalSet): NextStep => {
  const holes = Intervals.missing(d.ahead(range, position), covered)
  const gap = d.forward ? holes[0] : holes.at(-1)
  if (gap === undefined) return { _tag: "Cached", reach: d.far(range) }
  if (d.near(gap) !== position) return { _tag: "Cached", reach: d.near(gap) }
  return { _tag: "Fetch", gap }
}

/**
 * How far a cached step may serve while messages stored before their
 * details were known lie ahead (app/HistorySync refreshes them a batch at a
 * time): short of the second of the nearest one not refreshed yet, which is
 * served once all of its messages are.
 */
export const refreshedReach = (d: Direction, reach: number, nextStale: number | null): number =>
  nextStale === null ? reach : d.forward ? Math.min(reach, nextStale) : Math.max(reach, nextStale + 1)

/** The ids of the cached messages nearest a gap, which bound what a page of it may return. */
export interface GapNeighbours {
  /** The newest cached message dated before the gap. */
  readonly before: number | null
  /** The oldest cached message dated at or after the gap's end. */
  readonly after: number | null
}

/**
 * The page of `gap` to ask for: the first one (at the gap's near bound) when
 * the walk has no offset yet, else the one just past `lastId`. Forward: an
 * offset and a negative add_offset, bounded by max_id at the oldest cached
 * message past the gap; backward: bounded by min_id at the newest cached
 * message before it. A bound only ever cuts what lies past the gap.
 */
export const pageRequest = (
  d: Direction,
  gap: Interval,
  lastId: number | undefined,
  limit: number,
  neighbours: GapNeighbours
): HistoryPageRequest => {
  if (d.forward) {
    const ids = { minId: 0, maxId: neighbours.after ?? 0 }
    return lastId !== undefined
      ? { offsetId: lastId + 1, offsetDate: 0, addOffset: -limit, limit, ...ids }
      : gap.start <= 1
      ? { offsetId: 1, offsetDate: 0, addOffset: -limit, limit, ...ids }
      // Whether offset_date is inclusive does not matter: the second before is asked for too, then dropped.
      : { offsetId: 0, offsetDate: gap.start - 1, addOffset: -limit, limit, ...ids }
  }
  const ids = { minId: neighbours.before ?? 0, maxId: 0 }
  return lastId !== undefined
    ? { offsetId: lastId, offsetDate: 0, addOffset: 0, limit, ...ids }
    : { offsetId: 0, offsetDate: gap.end, addOffset: 0, limit, ...ids }
}

export interface PageEntries {
  /** The messages of the page (MessageEmpty entries are not messages). */
  readonly messages: ReadonlyArray<MessageRecord>
  /** The id of every entry Telegram returned, MessageEmpty ones included. */
  readonly ids: ReadonlyArray<number>
}

export interface PageOutcome {
  /** Whether the gap is now complete up to its far bound (`reach` is that bound). */
  readonly complete: boolean
  /** How far (a date) the walk has proved the gap from its near bound: the gap's far bound when complete. */
  readonly reach: number
  /** The page's messages dated inside the gap, in the walk's order. */
  readonly inGap: ReadonlyArray<MessageRecord>
  /** Telegram's offset to continue from (the last entry short of the far bound); undefined if the walk has none yet. */
  readonly lastId: number | undefined
  /** The date of the page's newest message (undefined when it has none). */
  readonly newestDate: number | undefined
}

/**
 * What a page just past the walk's offset `lastId` proves (undefined for the
 * walk's first page, which starts at the gap's near bound).
 */
export const pageOutcome = (d: Direction, gap: Interval, page: PageEntries, lastId: number | undefined): PageOutcome => {
  const messages = [...page.messages].sort((a, b) => d.forward ? a.id - b.id : b.id - a.id)
  const fresh = lastId === undefined ? page.ids : page.ids.filter((id) => d.pastOffset(id, lastId))
  const far = d.far(gap)
  const crossing = messages.find((m) => d.beyond(m.date, far))
  let offset = lastId
  for (const id of fresh) {
    if ((crossing === undefined || d.pastOffset(crossing.id, id)) && (offset === undefined || d.pastOffset(id, offset))) {
      offset = id
    }
  }
  const last = messages.at(-1)
  let newest: MessageRecord | undefined
  for (const m of messages) if (newest === undefined || m.id > newest.id) newest = m
  // Nothing past the offset (an empty page, or one that did not move), or a message past the gap: the gap is in.
  const complete = fresh.length === 0 || crossing !== undefined
  return {
    complete,
    reach: complete
      ? far
      : last === undefined
      ? d.near(gap)
      : Math.min(gap.end, Math.max(gap.start, d.frontier(last.date))),
    inGap: messages.filter((m) => m.date >= gap.start && m.date < gap.end),
    lastId: offset,
    newestDate: newest?.date
  }
}

/** Where a walk over a gap stands between pages. */
export interface WalkPosition {
  /** The frontier the walk has reached: the next page continues from here. */
  readonly from: number
  /** Telegram's paging offset: the last entry id seen short of the gap's far bound. */
  readonly lastId: number
  /** Messages already fetched in the second at the frontier, which is not proven complete yet. */
  readonly carry: ReadonlyArray<MessageRecord>
}

export interface WalkStep {
  /** What to store: the messages carried from the frontier's second, then the page's messages inside the gap. */
  readonly messages: ReadonlyArray<MessageRecord>
  /** The part of the gap the walk has now proved complete (from the gap's near bound); null when none. */
  readonly proves: Interval | null
  /** Where the walk has reached: the gap's far bound when complete. */
  readonly reach: number
  readonly complete: boolean
  /**
   * The newest date Telegram has shown the walk, which bounds what may be
   * recorded near now (domain/HistoryTail.ts). Walking forward, a last page
   * without messages shows nothing new, and the frontier is the newest
   * message seen; walking backward, the frontier is the oldest, which
   * bounds nothing near now.
   */
  readonly newestSeen: number | undefined
  /** The page's messages inside the gap: new to this walk. */
  readonly fetched: number
  /** Where the walk now stands; null when Telegram has shown it no entry to continue from. */
  readonly position: WalkPosition | null
}

/** The walk over `gap`, continuing from `continuing` (null: its first page), after the page `page`. */
export const walkStep = (d: Direction, gap: Interval, page: PageEntries, continuing: WalkPosition | null): WalkStep => {
  const outcome = pageOutcome(d, gap, page, continuing?.lastId)
  const reach = outcome.reach
  const messages = continuing === null || continuing.carry.length === 0
    ? outcome.inGap
    : [...continuing.carry, ...outcome.inGap]
  const proved = d.behind(gap, reach)
  return {
    messages,
    proves: Intervals.isEmpty(proved) ? null : proved,
    reach,
    complete: outcome.complete,
    newestSeen: outcome.newestDate ?? (d.forward ? continuing?.from : undefined),
    fetched: outcome.inGap.length,
    position: outcome.lastId === undefined
      ? null
      : { from: reach, lastId: outcome.lastId, carry: messages.filter((m) => d.beyond(m.date, reach)) }
  }
}

/**
 * Whether a page asked for ahead answers `wanted`, and which of its messages
 * do: the same request, or one whose id bound has only tightened since (a
 * neighbour stored meanwhile); Telegram applies min_id and max_id after
 * choosing the page's window, so the tighter answer is the looser one with
 * the messages past the bound left out.
 */
export const prefetchAnswers = (
  asked: HistoryPageRequest,
  wanted: HistoryPageRequest
): ((m: { readonly id: number }) => boolean) | null => {
  if (
    asked.offsetId !== wanted.offsetId || asked.offsetDate !== wanted.offsetDate ||
    asked.addOffset !== wanted.addOffset || asked.limit !== wanted.limit
  ) return null
  const maxOk = asked.maxId === wanted.maxId || (wanted.maxId > 0 && (asked.maxId <= 0 || wanted.maxId < asked.maxId))
  const minOk = asked.minId === wanted.minId || wanted.minId > asked.minId
  if (!maxOk || !minOk) return null
  return (m) => m.id > wanted.minId && (wanted.maxId <= 0 || m.id < wanted.maxId)
}

/**
 * Whether a page asked for ahead (at `askedAtMs`, Telegram's clock) may still
 * answer a request that started at `startedMs`: not an empty page newer than
 * the frontier asked before the request started (a message sent since would
 * be missing from it: later messages only ever come after the newest one,
 * so a page with entries, or a page older than the frontier, is as good as
 * new).
 */
export const prefetchCurrent = (d: Direction, askedAtMs: number, startedMs: number, page: PageEntries): boolean =>
  !d.forward || askedAtMs >= startedMs || page.ids.length > 0
