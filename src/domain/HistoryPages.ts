/**
 * What one page of messages.getHistory proves about a gap of the cache
 * (a time range `[start, end)` the walk is filling), walking forward (oldest
 * first) or backward (newest first).
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
 */
import type { Interval } from "./Intervals.js"
import type { MessageRecord } from "./Message.js"

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
  /** The newest date among the page's messages (undefined when it has none). */
  readonly newestDate: number | undefined
}

/**
 * A page just newer than the walk's offset `lastId` (undefined for the
 * walk's first page, which starts at the gap's start).
 */
export const forwardPage = (gap: Interval, page: PageEntries, lastId: number | undefined): PageOutcome => {
  const messages = [...page.messages].sort((a, b) => a.id - b.id)
  const fresh = lastId === undefined ? page.ids : page.ids.filter((id) => id > lastId)
  const crossing = messages.find((m) => m.date >= gap.end)
  const before = fresh.filter((id) => crossing === undefined || id < crossing.id)
  const newest = messages.at(-1)?.date
  // Nothing past the offset (an empty page, or one that did not move), or a message past the gap: the gap is in.
  const complete = fresh.length === 0 || crossing !== undefined
  return {
    complete,
    reach: complete ? gap.end : Math.max(gap.start, Math.min(gap.end, newest ?? gap.start)),
    inGap: messages.filter((m) => m.date >= gap.start && m.date < gap.end),
    lastId: before.length === 0 ? lastId : Math.max(...before),
    newestDate: newest
  }
}

/**
 * A page just older than the walk's offset `lastId` (undefined for the
 * walk's first page, which starts at the gap's end).
 */
export const backwardPage = (gap: Interval, page: PageEntries, lastId: number | undefined): PageOutcome => {
  const messages = [...page.messages].sort((a, b) => b.id - a.id)
  const fresh = lastId === undefined ? page.ids : page.ids.filter((id) => id < lastId)
  const crossing = messages.find((m) => m.date < gap.start)
  const after = fresh.filter((id) => crossing === undefined || id > crossing.id)
  const oldest = messages.at(-1)?.date
  const complete = fresh.length === 0 || crossing !== undefined
  return {
    complete,
    // The oldest message's second is not proven whole yet: the next page may hold more of it.
    reach: complete ? gap.start : Math.min(gap.end, Math.max(gap.start, oldest === undefined ? gap.end : oldest + 1)),
    inGap: messages.filter((m) => m.date >= gap.start && m.date < gap.end),
    lastId: after.length === 0 ? lastId : Math.min(...after),
    newestDate: messages[0]?.date
  }
}
