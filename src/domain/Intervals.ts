/**
 * Sets of half-open time intervals `[start, end)` in epoch seconds: which
 * parts of a dialog's history the cache holds, and which parts of a request
 * it lacks. A set is always kept normalised: sorted, non-empty intervals,
 * with overlapping and adjacent ones merged, so equal sets compare equal.
 */
export interface Interval {
  readonly start: number
  readonly end: number
}

/** Normalised: sorted by start, each `start < end`, gaps of at least one second between intervals. */
export type IntervalSet = ReadonlyArray<Interval>

export const interval = (start: number, end: number): Interval => ({ start, end })

export const isEmpty = (i: Interval): boolean => i.end <= i.start

export const empty: IntervalSet = []

/** Sorts, drops empty intervals and merges overlapping or adjacent ones. */
export const normalize = (intervals: ReadonlyArray<Interval>): IntervalSet => {
  const sorted = intervals.filter((i) => !isEmpty(i)).sort((a, b) => a.start - b.start || a.end - b.end)
  const out: Array<Interval> = []
  for (const i of sorted) {
    const last = out[out.length - 1]
    if (last !== undefined && i.start <= last.end) {
      if (i.end > last.end) out[out.length - 1] = { start: last.start, end: i.end }
    } else {
      out.push({ start: i.start, end: i.end })
    }
  }
  return out
}

export const union = (a: IntervalSet, b: IntervalSet): IntervalSet => normalize([...a, ...b])

export const add = (set: IntervalSet, i: Interval): IntervalSet => normalize([...set, i])

/** What of `a` is not in `b`. */
export const subtract = (a: IntervalSet, b: IntervalSet): IntervalSet => {
  const bs = normalize(b)
  const out: Array<Interval> = []
  for (const i of normalize(a)) {
    let cursor = i.start
    for (const cut of bs) {
      if (cut.end <= cursor) continue
      if (cut.start >= i.end) break
      if (cut.start > cursor) out.push({ start: cursor, end: cut.start })
      cursor = Math.max(cursor, cut.end)
      if (cursor >= i.end) break
    }
    if (cursor < i.end) out.push({ start: cursor, end: i.end })
  }
  return out
}

export const intersect = (a: IntervalSet, b: IntervalSet): IntervalSet => subtract(a, subtract(a, b))

/** The parts of `request` no interval of `covered` holds, oldest first. */
export const missing = (request: Interval, covered: IntervalSet): IntervalSet => subtract([request], covered)

/** Whether every second of `i` is in `set`. */
export const covers = (set: IntervalSet, i: Interval): boolean => missing(i, set).length === 0

/** Whether the second `t` is in `set`. */
export const contains = (set: IntervalSet, t: number): boolean => set.some((i) => i.start <= t && t < i.end)
