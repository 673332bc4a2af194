/**
 * Following an account live: the rules, free of I/O.
 *
 * Telegram numbers the changes of an account's common box (private chats,
 * basic groups) with one sequence (pts), and each channel's (supergroups
 * too) with its own. An update carrying `pts` and `pts_count` applies only
 * if it follows the last one applied exactly; one already applied is
 * skipped; anything else is a hole, closed by asking Telegram for the
 * difference before anything newer is delivered (ptsVerdict).
 *
 * A new message is written to its dialog's cache, and the cache's covered
 * intervals are extended up to it, only when nothing can be missing in
 * between: the cache must have had every new message of the dialog since a
 * moment (its follow mark) no later than the end of its covered history
 * (followStep). So no hole is ever marked covered.
 *
 * The event log a client resumes from keeps a bounded window (retention).
 */
import * as Intervals from "./Intervals.js"
import type { Interval, IntervalSet } from "./Intervals.js"
import type { DialogId, MessageId } from "./Ids.js"
import type { HistoryPageRequest } from "./HistoryWalk.js"
import type { MessageRecord } from "./Message.js"

/** What a sequenced update does to the local sequence: see the module comment. */
export type PtsVerdict = "apply" | "skip" | "gap"

export const ptsVerdict = (local: number, pts: number, ptsCount: number): PtsVerdict => {
  const next = local + ptsCount
  return next === pts ? "apply" : next > pts ? "skip" : "gap"
}

/** A change to an account's messages, in domain values. */
export type LiveChange =
  | { readonly _tag: "NewMessage"; readonly dialogId: DialogId; readonly message: MessageRecord }
  | { readonly _tag: "EditMessage"; readonly dialogId: DialogId; readonly message: MessageRecord }
  | {
    readonly _tag: "DeleteMessages"
    /** Null for a private chat's or a basic group's: Telegram names only the ids, unique in the account's common box. */
    readonly dialogId: DialogId | null
    readonly ids: ReadonlyArray<MessageId>
  }

/** The sequence an update belongs to. */
export type UpdateBox = { readonly _tag: "Common" } | { readonly _tag: "Channel"; readonly channelId: DialogId }

export const COMMON_BOX: UpdateBox = { _tag: "Common" }

/** An update that moves a sequence on; `change` null for one that touches no message (a read mark, ...). */
export interface SequencedUpdate {
  readonly box: UpdateBox
  readonly pts: number
  readonly ptsCount: number
  readonly change: LiveChange | null
}

/** The event kinds a client sees, in the order of the contract's words. */
export const EVENT_KINDS = ["new_message", "edit_message", "delete_messages", "dialog"] as const
export type EventKind = (typeof EVENT_KINDS)[number]

export const eventKindOf = (change: LiveChange): EventKind =>
  change._tag === "NewMessage" ? "new_message" : change._tag === "EditMessage" ? "edit_message" : "delete_messages"

/**
 * Where a dialog's cache stands with the live updates: since `since`
 * (epoch seconds, Telegram's clock) it has been given every new message of
 * the dialog, as long as the update sequence it came from (`chain`) stays
 * unbroken. A break (Telegram answering "too long" for the box) starts a
 * new chain, and every mark of the old one stops counting.
 */
export interface FollowMark {
  readonly since: number
  readonly chain: string
}

export interface FollowStep {
  /** The interval the cache may now record as complete, if any. */
  readonly covers: Interval | null
  /** The cache's mark after writing the message. */
  readonly mark: FollowMark
}

/**
 * A new message dated `date` of the current `chain` is being written to a
 * dialog's cache whose covered intervals are `covered` and whose mark is
 * `mark`. Without a valid mark, the cache starts one: it holds every later
 * message from the next second on (messages of this very second may have
 * come before it unseen). With one, the covered history is extended from
 * its end up to this message's second (exclusive: a later message may
 * share it), provided that end is not before the mark: before the mark,
 * the cache may lack messages no page has proved.
 */
export const followStep = (covered: IntervalSet, mark: FollowMark | null, chain: string, date: number): FollowStep => {
  if (mark === null || mark.chain !== chain) return { covers: null, mark: { since: date + 1, chain } }
  const last = covered[covered.length - 1]
  const covers = last !== undefined && last.end >= mark.since && last.end < date ? Intervals.interval(last.end, date) : null
  return { covers, mark }
}

/** How long the event log keeps events: both bounds hold, whichever drops more. */
export interface Retention {
  readonly maxAgeSeconds: number
  readonly maxEvents: number
}

export const DEFAULT_RETENTION: Retention = { maxAgeSeconds: 7 * 24 * 3600, maxEvents: 1_000_000 }

/**
 * Where a resume from event `since` stands against the log: its events
 * kept are those after `oldest - 1` up to `newest` (ids with no gaps;
 * `oldest` is newest + 1 for an empty log). A resume from before what is
 * kept would miss events: Gone. One from after the newest id names events
 * this log never had (a log deleted since): Unknown.
 */
export type ResumePoint =
  | { readonly _tag: "From"; readonly after: number }
  | { readonly _tag: "Gone"; readonly oldest: number }
  | { readonly _tag: "Unknown"; readonly newest: number }

export const resumePoint = (since: number | null, oldest: number, newest: number): ResumePoint => {
  if (since === null) return { _tag: "From", after: newest }
  if (since > newest) return { _tag: "Unknown", newest }
  if (since + 1 < oldest) return { _tag: "Gone", oldest }
  return { _tag: "From", after: since }
}

/** The ids to drop so the log keeps `retention`: every id at or below the result (0: none). */
export const retentionCut = (retention: Retention, newest: number, newestTooOld: number | null): number =>
  Math.max(0, newest - retention.maxEvents, newestTooOld ?? 0)

/**
 * A channel's gap Telegram would not tell (channelDifferenceTooLong): the
 * messages after `after` (the newest one told) up to `upTo` (its newest
 * now; later ones come with the sequence), read from the history oldest
 * first, one page of `limit` after the last id read.
 */
export const gapPageRequest = (after: number, upTo: number, limit: number): HistoryPageRequest => ({
  offsetId: after + 1,
  offsetDate: 0,
  addOffset: -limit,
  limit,
  minId: after,
  maxId: upTo + 1
})

export interface GapStep {
  /** The page's messages of the gap, oldest first. */
  readonly messages: ReadonlyArray<MessageRecord>
  /** The newest id read: where the next page starts. */
  readonly after: number
  /** Whether the gap is read to its end. */
  readonly done: boolean
}

/**
 * What one page (entries' `ids`, newest first, `MessageEmpty` included;
 * `messages`) does to a gap walk after `after` up to `upTo`. An empty page,
 * or one that does not move past `after`, ends it: nothing more is there.
 */
export const gapStep = (
  after: number,
  upTo: number,
  page: { readonly messages: ReadonlyArray<MessageRecord>; readonly ids: ReadonlyArray<number> }
): GapStep => {
  const inGap = (id: number) => id > after && id <= upTo
  const reached = page.ids.filter(inGap).reduce((a, b) => Math.max(a, b), after)
  const messages = page.messages.filter((m) => inGap(m.id)).sort((a, b) => a.id - b.id)
  return { messages, after: reached, done: reached === after || reached >= upTo }
}
