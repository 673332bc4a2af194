/**
 * How a dialog's cache and its account's search index stay consistent.
 *
 * A page commit writes the dialog's cache in one transaction that also
 * records, in the cache's `index_pending` table, the ids the index has yet to
 * reflect (written or deleted). The index is then written in a transaction
 * of its own (a few pages at once, IndexQueue.ts), and the record is removed
 * (by the next transaction). A crash between the two leaves the
 * record behind; the next time the dialog's cache is opened (at the latest by
 * the backfill every start runs), `repairPending` writes what it names, from
 * the cache. A failed index write (a locked or full disk) leaves the same
 * record, marks the dialog `dirty` (searches report its index incomplete),
 * and the next commit to the dialog repairs it.
 *
 * A dialog cached before the index existed (or whose index was deleted) is
 * indexed by `backfillStep`, a batch of messages at a time in id order, its
 * progress kept in the index. Writes to the dialog during the backfill are
 * indexed as they happen; each batch is read and written in one synchronous
 * step, so nothing can change between the read and the write.
 *
 * Every function is synchronous (better-sqlite3).
 */
import {
  dialogRow,
  ensureDialog,
  type IndexDoc,
  putDocs,
  removeDialog,
  removeDocs,
  setBackfill
} from "./SearchIndexDb.js"
import { chunks } from "./MessageRows.js"
import type { RawDatabase } from "./SqliteDatabase.js"

/** What this process knows about each dialog's index, by `account:dialog`. */
export interface IndexHealth {
  /** Opened (and so checked and repaired) since the process started, with its backfill done. */
  readonly checked: Set<string>
  /** An index write failed: the cache's index_pending names what the index lacks. */
  readonly dirty: Set<string>
  /** The open dialogs' queued index writes (IndexQueue.ts), written before their account's index is read. */
  readonly queues: Map<string, { flush: () => boolean }>
}

export const makeIndexHealth = (): IndexHealth => ({ checked: new Set(), dirty: new Set(), queues: new Map() })

/** Writes every queued index write of the account's open dialogs. */
export const flushAccount = (health: IndexHealth, accountId: number) => {
  const prefix = `${accountId}:`
  for (const [key, queue] of health.queues) if (key.startsWith(prefix)) queue.flush()
}

export const healthKey = (accountId: number, dialogId: number) => `${accountId}:${dialogId}`

const ROW_COLUMNS = "SELECT m.id, m.date, m.sender_id, m.text, m.media_type, d.category " +
  "FROM messages m LEFT JOIN media d ON d.message_id = m.id "

type DocRow = [number, number, number | null, string, string | null, string | null]

const docOfRow = ([id, date, senderId, text, mediaType, mediaCategory]: DocRow): IndexDoc => ({
  id,
  date,
  senderId,
  text,
  mediaType,
  mediaCategory
})

const inList = (n: number) => Array.from({ length: n }, () => "?").join(",")

/** Inside the cache's page transaction: the ids the index must now reflect. Returns the record's key. */
export const notePending = (d: RawDatabase, ids: ReadonlyArray<number>): number =>
  Number(d.statement("INSERT INTO index_pending (ids) VALUES (?)").run(ids.join(",")).lastInsertRowid)

/**
 * Pending records up to this one are in the index: removed by the dialog's
 * next transaction rather than one of their own (a commit per page), since
 * a record a crash leaves only repeats its write.
 */
export const forgetPending = (d: RawDatabase, upTo: number) => {
  d.statement("DELETE FROM index_pending WHERE seq <= ?").run(upTo)
}

/** Writes to the index every message the cache's pending records name (as the cache holds it now), then removes them. */
export const repairPending = (d: RawDatabase, idx: RawDatabase, dialogId: number): number => {
  const records = d.rows("SELECT seq, ids FROM index_pending ORDER BY seq").all() as Array<[number, string]>
  if (records.length === 0) return 0
  const ids = [...new Set(records.flatMap(([, list]) => list === "" ? [] : list.split(",").map(Number)))]
  const found: Array<IndexDoc> = []
  for (const part of chunks(ids, 500)) {
    for (const row of d.rows(`${ROW_COLUMNS}WHERE m.id IN (${inList(part.length)})`).all(...part) as Array<DocRow>) {
      found.push(docOfRow(row))
    }
  }
  const present = new Set(found.map((m) => m.id))
  idx.db.transaction(() => {
    const row = ensureDialog(idx, dialogId, false)
    removeDocs(idx, row.ordinal, ids.filter((id) => !present.has(id)))
    putDocs(idx, row, found)
  })()
  d.statement(`DELETE FROM index_pending WHERE seq <= ?`).run(records[records.length - 1]![0])
  return ids.length
}

export interface OpenCheck {
  /** Messages the check wrote to the index (a crash's leftovers). */
  readonly repaired: number
  /** The dialog's backfill is done: the index holds every message of its cache. */
  readonly backfilled: boolean
}

/**
 * When a dialog's cache is opened: the dialog gets its row in the index
 * (an empty cache needs no backfill, and any documents left from an
 * earlier cache of the same dialog go), and a crash's leftovers are repaired.
 */
export const checkOnOpen = (d: RawDatabase, idx: RawDatabase, dialogId: number): OpenCheck => {
  const empty = d.statement("SELECT NOT EXISTS (SELECT 1 FROM messages)").pluck().get() === 1
  if (empty) {
    idx.db.transaction(() => {
      const row = ensureDialog(idx, dialogId, true)
      removeDialog(idx, row.ordinal)
      setBackfill(idx, dialogId, 0, true)
    })()
    d.statement("DELETE FROM index_pending").run()
    return { repaired: 0, backfilled: true }
  }
  const row = ensureDialog(idx, dialogId, false)
  const repaired = repairPending(d, idx, dialogId)
  return { repaired, backfilled: row.backfilled }
}

/** Messages indexed per backfill step. */
export const BACKFILL_BATCH = 2000

export interface BackfillStep {
  readonly indexed: number
  readonly done: boolean
}

/** The next batch of a dialog's backfill (nothing when it is done). */
export const backfillStep = (d: RawDatabase, idx: RawDatabase, dialogId: number, batch = BACKFILL_BATCH): BackfillStep => {
  const row = dialogRow(idx, dialogId) ?? ensureDialog(idx, dialogId, false)
  if (row.backfilled) return { indexed: 0, done: true }
  const rows = d.rows(`${ROW_COLUMNS}WHERE m.id > ? ORDER BY m.id LIMIT ?`).all(row.backfillAfter, batch) as Array<DocRow>
  const done = rows.length < batch
  idx.db.transaction(() => {
    putDocs(idx, row, rows.map(docOfRow))
    setBackfill(idx, dialogId, rows.length === 0 ? row.backfillAfter : rows[rows.length - 1]![0], done)
  })()
  return { indexed: rows.length, done }
}
