/**
 * One message box of Telegram's update machinery (core.telegram.org/api/updates):
 * its pts and the log of the changes that moved it, for getDifference and
 * getChannelDifference. An account's common box holds its private chats and
 * basic groups; every channel has a box of its own, shared by its members.
 * A new message moves pts by 1, an edit by 1, a deletion of n messages by n.
 * Only the latest `retention` changes are kept: a client whose pts is older
 * than the oldest kept change must start again (differenceTooLong).
 */
import type { Timeline } from "./Timeline.js"

export type ChangeKind = "new_message" | "edit_message" | "delete_messages"

export interface Change {
  /** The box's pts after this change. */
  readonly pts: number
  readonly ptsCount: number
  readonly kind: ChangeKind
  /** The dialog the change happened in (the account's copy, or the channel's timeline). */
  readonly timeline: Timeline
  /** The message concerned; every message deleted, for a deletion. */
  readonly ids: ReadonlyArray<number>
  /** When it happened (seconds). */
  readonly date: number
}

/** The changes a client at some pts has missed, or why they cannot be given. */
export type Missed =
  | { readonly kind: "changes"; readonly changes: ReadonlyArray<Change> }
  | { readonly kind: "too_old" }

export class MessageBox {
  private changes: Array<Change> = []
  /** Index of the first kept change in `changes` (dropped ones are spliced out in batches). */
  private first = 0
  /** The pts before the oldest kept change: a client at this pts or newer can be answered. */
  private floor: number
  /** When the last change happened (seconds); 0 for none. */
  lastDate = 0

  constructor(public pts: number) {
    this.floor = pts
  }

  /** The oldest pts a client may hold and still be given the changes since. */
  get oldestAnswerablePts(): number {
    return this.floor
  }

  get retained(): number {
    return this.changes.length - this.first
  }

  record(kind: ChangeKind, timeline: Timeline, ids: ReadonlyArray<number>, date: number, retention: number): Change {
    const ptsCount = kind === "delete_messages" ? ids.length : 1
    this.pts += ptsCount
    const change: Change = { pts: this.pts, ptsCount, kind, timeline, ids, date }
    this.changes.push(change)
    this.lastDate = Math.max(this.lastDate, date)
    this.trim(retention)
    return change
  }

  /** Keeps the latest `retention` changes (at least none); raises the floor past those dropped. */
  trim(retention: number): void {
    const excess = this.retained - Math.max(0, retention)
    if (excess <= 0) return
    this.first += excess
    this.floor = this.changes[this.first - 1]!.pts
    if (this.first > 1024 && this.first * 2 > this.changes.length) {
      this.changes = this.changes.slice(this.first)
      this.first = 0
    }
  }

  /**
   * The changes after `pts`, oldest first; too_old when some were dropped
   * (or the pts is one this box never had: newer than its own).
   */
  since(pts: number): Missed {
    if (pts < this.floor || pts > this.pts) return { kind: "too_old" }
    // First kept change whose pts is past the client's.
    let lo = this.first
    let hi = this.changes.length
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      if (this.changes[mid]!.pts <= pts) lo = mid + 1
      else hi = mid
    }
    return { kind: "changes", changes: this.changes.slice(lo) }
  }
}
