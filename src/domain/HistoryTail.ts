/**
 * What the cache may record as complete near "now". Telegram dates messages
 * by its own clock, which the client knows only to a few seconds (an offset
 * read from a date in whole seconds after a round trip); a message sent
 * just after a page was asked for must never fall into a range already
 * marked complete.
 */
import * as Intervals from "./Intervals.js"
import type { Interval } from "./Intervals.js"

/**
 * Near "now" the cache records completeness only up to Telegram's clock (ours
 * moved by the measured offset) minus this margin, or up to the newest
 * message Telegram showed. A message arriving later is dated after both,
 * whatever the error of the measurement.
 */
export const TAIL_MARGIN_SECONDS = 60

/**
 * How far off the measured offset of Telegram's clock may be. Well below the
 * tail margin, which covers it where completeness is recorded.
 */
export const CLOCK_ERROR_SECONDS = 5

/**
 * The part of `proves` (what a page showed complete) that may be recorded:
 * up to the settled time, which is the earlier of the request's start and
 * the page's asking (`now`, `askedAt`: Telegram's clock, seconds) less the
 * margin, or the newest date Telegram showed, whichever is later. Null when
 * nothing of it may.
 */
export const settledPart = (
  proves: Interval | null,
  now: number,
  askedAt: number,
  newestSeen: number | undefined
): Interval | null => {
  const settled = Math.max(Math.min(now, askedAt) - TAIL_MARGIN_SECONDS, newestSeen ?? -Infinity)
  return proves === null || proves.end <= settled
    ? proves
    : settled > proves.start
    ? Intervals.interval(proves.start, settled)
    : null
}

/**
 * The latest end a history range can have at Telegram's `now` (exclusive):
 * dates are whole seconds, so "now" itself would leave out a message sent
 * earlier this second; and the clock's error is let in too.
 */
export const latestEnd = (now: number): number => now + 1 + CLOCK_ERROR_SECONDS
