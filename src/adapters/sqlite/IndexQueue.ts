/**
 * A dialog's index writes, gathered over several pages and written in one
 * transaction: a sync commits a page of a hundred messages at a time, and
 * FTS5 does far less work (segments, merges, commits) for one transaction of
 * a thousand documents than for ten of a hundred.
 *
 * Nothing is lost by waiting: each page's cache transaction has already
 * recorded what the index lacks (CacheIndexing.ts), so a crash with writes
 * still queued is repaired like any other. And nothing is seen late: the
 * queue is written before any search or index state of its account is read
 * (`flushAccount`), when it reaches FLUSH_AT messages, shortly after the
 * last page (FLUSH_AFTER_MS), and before the dialog's database closes.
 */
import type { MessageRecord } from "../../domain/Message.js"
import { docOfRecord, ensureDialog, type IndexDoc, putDocs, removeDocs } from "./SearchIndexDb.js"
import type { RawDatabase } from "./SqliteDatabase.js"

/** Messages queued before the queue is written at once. */
export const FLUSH_AT = 1000
/** A queue is written this long after its first page, at the latest. */
export const FLUSH_AFTER_MS = 100

export class IndexQueue {
  /** Each message's latest state: a document to write, or null to remove. */
  private readonly latest = new Map<number, IndexDoc | null>()
  private lastPending: number | null = null
  private timer: ReturnType<typeof setTimeout> | null = null

  constructor(
    private readonly idx: RawDatabase,
    private readonly dialogId: number,
    /** The pending records up to this one are now in the index. */
    private readonly written: (pending: number) => void,
    /** The write failed: the records stay, for a repair. */
    private readonly failed: (cause: unknown) => void
  ) {}

  get size(): number {
    return this.latest.size
  }

  /** A committed page's messages (written) and deleted ids, with the pending record naming them. */
  add(messages: ReadonlyArray<MessageRecord>, gone: ReadonlyArray<number>, pending: number): void {
    for (const id of gone) this.latest.set(id, null)
    for (const m of messages) this.latest.set(m.id, docOfRecord(m))
    this.lastPending = pending
    if (this.latest.size >= FLUSH_AT) this.flush()
    else if (this.timer === null) {
      this.timer = setTimeout(() => this.flush(), FLUSH_AFTER_MS)
      this.timer.unref?.()
    }
  }

  /** Writes what is queued in one transaction; false when that failed (reported through `failed`). */
  flush(): boolean {
    this.cancelTimer()
    const pending = this.lastPending
    if (pending === null) return true
    const docs: Array<IndexDoc> = []
    const gone: Array<number> = []
    for (const [id, doc] of this.latest) doc === null ? gone.push(id) : docs.push(doc)
    this.clear()
    try {
      this.idx.db.transaction(() => {
        const row = ensureDialog(this.idx, this.dialogId, false)
        removeDocs(this.idx, row.ordinal, gone)
        putDocs(this.idx, row, docs)
      })()
    } catch (cause) {
      this.failed(cause)
      return false
    }
    this.written(pending)
    return true
  }

  /** Forgets what is queued (a repair from the cache's records writes it instead). */
  clear(): void {
    this.cancelTimer()
    this.latest.clear()
    this.lastPending = null
  }

  private cancelTimer(): void {
    if (this.timer !== null) clearTimeout(this.timer)
    this.timer = null
  }
}
