/**
 * Pages of a dialog's history, read from the SSE history endpoint: older
 * than the oldest message held (newest first, `reverse=true`) or newer
 * than the newest (oldest first), a page at a time; the stream is left as
 * soon as the page is full, so the server fetches from Telegram only what
 * the page needs. Messages already held are skipped (a page's bound is its
 * edge message's second: others may share it). Progress events (Telegram
 * asked, a rate limit waited out) are handed on as they come.
 */
import { ApiError, type Query, streamEvents } from "./api.js"
import type { Message } from "./types.js"

export const PAGE = 300
/** The largest page asked for at once: a long scroll in one direction doubles the page up to this. */
export const MAX_PAGE = 4800

/** A forum topic or a thread (a post's comments, a message's replies), or the whole dialog. */
export type Scope = { readonly topic_id?: number; readonly thread?: number }

export interface Progress {
  readonly direction: "older" | "newer"
  /** Messages fetched from Telegram so far by this request. */
  readonly fetched: number
  /** Seconds of a Telegram rate limit being waited out, 0 when none. */
  readonly waiting: number
  readonly received: number
}

export interface Page {
  readonly messages: ReadonlyArray<Message>
  /** The stream ended by itself: nothing more that way. */
  readonly ended: boolean
}

/** `YYYY-MM-DD HH:MM:SS` (UTC) one second later. */
export const nextSecond = (date: string): string => {
  const t = Date.parse(`${date.replace(" ", "T")}Z`) + 1000
  return new Date(t).toISOString().slice(0, 19).replace("T", " ")
}

export const loadPage = async (options: {
  readonly session: string
  readonly dialogId: number
  readonly scope: Scope
  readonly direction: "older" | "newer"
  /** older: messages before this date (and this second); newer: from this date on. Undefined: from the end. */
  readonly from: string | undefined
  /** older with `from` a date the user asked for: strictly before it. */
  readonly exclusive?: boolean
  readonly known: ReadonlySet<number>
  readonly size?: number
  readonly onProgress: (p: Progress) => void
  readonly signal: AbortSignal
}): Promise<Page> => {
  const size = options.size ?? PAGE
  const older = options.direction === "older"
  const query: Query = {
    ...options.scope,
    chunk_size: 100,
    progress: true,
    ...(older
      ? { reverse: true, end_date: options.from === undefined ? undefined : options.exclusive ? options.from : nextSecond(options.from) }
      : { start_date: options.from })
  }
  const got: Array<Message> = []
  const seen = new Set<number>()
  let fetched = 0
  let failure: ApiError | undefined
  const ended = await streamEvents(options.session, `/api/v3/history/${options.dialogId}`, query, (event) => {
    if (event.event === "progress") {
      const p = JSON.parse(event.data) as { fetched?: number; rate_limit_wait?: number }
      fetched = p.fetched ?? fetched
      options.onProgress({ direction: options.direction, fetched, waiting: p.rate_limit_wait ?? 0, received: got.length })
      return true
    }
    if (event.event === "error") {
      const e = JSON.parse(event.data) as { detail?: string; status?: number; retry_after?: number }
      failure = new ApiError(e.status ?? 502, e.detail ?? "The history stream failed", false, e.retry_after ?? null)
      return false
    }
    const chunk = (JSON.parse(event.data) as { messages?: ReadonlyArray<Message> }).messages ?? []
    for (const m of chunk) {
      if (options.known.has(m.message_id) || seen.has(m.message_id)) continue
      seen.add(m.message_id)
      got.push(m)
    }
    options.onProgress({ direction: options.direction, fetched, waiting: 0, received: got.length })
    return got.length < size
  }, options.signal)
  if (failure !== undefined) throw failure
  got.sort((a, b) => a.message_id - b.message_id)
  return { messages: got, ended }
}

/** `held` (ascending ids) with `page` merged in, ascending, without duplicates. */
export const mergeMessages = (held: ReadonlyArray<Message>, page: ReadonlyArray<Message>): ReadonlyArray<Message> => {
  if (page.length === 0) return held
  if (held.length === 0) return page
  if (page[page.length - 1]!.message_id < held[0]!.message_id) return [...page, ...held]
  if (page[0]!.message_id > held[held.length - 1]!.message_id) return [...held, ...page]
  const byId = new Map<number, Message>()
  for (const m of held) byId.set(m.message_id, m)
  for (const m of page) byId.set(m.message_id, m)
  return [...byId.values()].sort((a, b) => a.message_id - b.message_id)
}
