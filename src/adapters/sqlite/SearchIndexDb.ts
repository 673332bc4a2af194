/**
 * How an account's full-text index lies in `{accounts}/{account}/search.db`:
 *
 * - `fts`: an FTS5 table without content (only the inverted index, so the
 *   index stays small next to the caches that hold the text), one row per
 *   message, its text as `indexText` gives it (domain/TextSearch.ts).
 * - `docs`: per message, the columns the filters read (date, sender, and
 *   `flags`: links, media and its category), keyed by the same rowid as
 *   `fts`. Kept as small as SQLite can store them: the index is meant to stay
 *   well below the size of the text it indexes.
 * - `dialogs`: each dialog's ordinal (a small number) and its backfill
 *   state.
 *
 * A message's rowid is `ordinal * 2^32 + message_id` (Telegram's message
 * ids are 32-bit), so a dialog's documents are one range of the primary key
 * and no second index is needed to find a message. Every function here is
 * synchronous (better-sqlite3): callers run them inside one transaction,
 * where nothing else in the process can interleave.
 */
import * as SqlClient from "@effect/sql/SqlClient"
import { Effect } from "effect"
import { MEDIA_CATEGORIES, type MediaCategory } from "../../domain/MediaCategory.js"
import type { MessageRecord } from "../../domain/Message.js"
import { FTS5_TOKENIZER, indexText, messageFacets } from "../../domain/TextSearch.js"
import type { IndexAnswer, IndexQuery } from "../../ports/SearchIndex.js"
import { DialogId, MessageId } from "../../domain/Ids.js"
import type { Migrations, RawDatabase } from "./SqliteDatabase.js"

export const searchMigrations: Migrations = {
  "1_create_search_index": Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    yield* sql.unsafe(`CREATE TABLE dialogs (
      ordinal INTEGER PRIMARY KEY,
      dialog_id INTEGER NOT NULL UNIQUE,
      backfilled INTEGER NOT NULL,
      backfill_after INTEGER NOT NULL DEFAULT 0
    ) STRICT`)
    yield* sql.unsafe(`CREATE TABLE docs (
      doc INTEGER PRIMARY KEY,
      date INTEGER NOT NULL,
      sender_id INTEGER,
      flags INTEGER NOT NULL
    ) STRICT`)
    yield* sql.unsafe(
      `CREATE VIRTUAL TABLE fts USING fts5(body, content='', contentless_delete=1, tokenize="${FTS5_TOKENIZER}")`
    )
    // Pages arrive a hundred messages at a time, each its own transaction: merging segments 16 at a time
    // (FTS5's default is 4) does less merge work for such many small segments.
    yield* sql.unsafe(`INSERT INTO fts (fts, rank) VALUES ('automerge', 16)`)
  })
}

const SPAN = 2 ** 32

/** Telegram's message ids are positive 32-bit integers; anything else cannot be given a rowid. */
const indexable = (messageId: number) => Number.isSafeInteger(messageId) && messageId > 0 && messageId < SPAN

/** What the index keeps of one message. */
export interface IndexDoc {
  readonly id: number
  readonly date: number
  readonly senderId: number | null
  readonly text: string
  /** Telegram's media class name, if any. */
  readonly mediaType: string | null
  readonly mediaCategory: string | null
}

export const docOfRecord = (m: MessageRecord): IndexDoc => ({
  id: m.id,
  date: m.date,
  senderId: m.senderId,
  text: m.text,
  mediaType: m.media?.type ?? null,
  mediaCategory: m.media?.file?.category ?? null
})


export interface DialogIndexRow {
  readonly ordinal: number
  readonly dialogId: number
  readonly backfilled: boolean
  readonly backfillAfter: number
}

export const dialogRow = (idx: RawDatabase, dialogId: number): DialogIndexRow | null => {
  const row = idx.statement("SELECT ordinal, backfilled, backfill_after FROM dialogs WHERE dialog_id = ?").get(dialogId) as
    | { ordinal: number; backfilled: number; backfill_after: number }
    | undefined
  return row === undefined
    ? null
    : { ordinal: row.ordinal, dialogId, backfilled: row.backfilled === 1, backfillAfter: row.backfill_after }
}

/** The dialogs table as last read, per open index: every query needs it, and only the two writers below change it. */
const rowsRead = new WeakMap<RawDatabase, ReadonlyArray<DialogIndexRow>>()

export const allDialogRows = (idx: RawDatabase): ReadonlyArray<DialogIndexRow> => {
  const known = rowsRead.get(idx)
  if (known !== undefined) return known
  const rows = (idx.statement("SELECT ordinal, dialog_id, backfilled, backfill_after FROM dialogs").all() as Array<
    { ordinal: number; dialog_id: number; backfilled: number; backfill_after: number }
  >).map((r) => ({ ordinal: r.ordinal, dialogId: r.dialog_id, backfilled: r.backfilled === 1, backfillAfter: r.backfill_after }))
  rowsRead.set(idx, rows)
  return rows
}

/** The dialog's row, created (with this backfill state) when it has none. */
export const ensureDialog = (idx: RawDatabase, dialogId: number, backfilled: boolean): DialogIndexRow => {
  const found = dialogRow(idx, dialogId)
  if (found !== null) return found
  idx.statement("INSERT INTO dialogs (dialog_id, backfilled, backfill_after) VALUES (?, ?, 0)").run(dialogId, backfilled ? 1 : 0)
  rowsRead.delete(idx)
  return dialogRow(idx, dialogId)!
}

export const setBackfill = (idx: RawDatabase, dialogId: number, after: number, done: boolean) => {
  idx.statement("UPDATE dialogs SET backfill_after = ?, backfilled = ? WHERE dialog_id = ?").run(after, done ? 1 : 0, dialogId)
  rowsRead.delete(idx)
}

/**
 * A message's `docs` row and its `fts` row are written and removed together,
 * in one transaction: one exists exactly when the other does. So a message
 * whose `docs` row is new is new to `fts` as well, and takes a plain insert;
 * only a rewrite pays for FTS5's replace, which first looks the rowid up to
 * delete what it held (most writes are new messages of a sync).
 */
const INSERT_DOC = "INSERT INTO docs (doc, date, sender_id, flags) VALUES (?, ?, ?, ?) ON CONFLICT(doc) DO NOTHING"
const UPDATE_DOC = "UPDATE docs SET date = ?, sender_id = ?, flags = ? WHERE doc = ?"
const INSERT_TEXT = "INSERT INTO fts (rowid, body) VALUES (?, ?)"

/** `flags`: bit 0 a link, bit 1 media, bits 2 and up the media category's number (0: none). */
const LINK = 1
const MEDIA = 2
const CATEGORY_SHIFT = 2
const categoryCode = (category: string | null): number => {
  if (category === null) return 0
  const i = MEDIA_CATEGORIES.indexOf(category as MediaCategory)
  return i < 0 ? 0 : i + 1
}
const REPLACE_TEXT = "INSERT OR REPLACE INTO fts (rowid, body) VALUES (?, ?)"
const DELETE_DOC = "DELETE FROM docs WHERE doc = ?"
const DELETE_TEXT = "DELETE FROM fts WHERE rowid = ?"

/**
 * A sender that is the dialog itself (a channel's posts, the other person of
 * a private chat) is stored as 0, which SQLite stores in no bytes at all,
 * where an id takes six: a quarter of a `docs` row.
 */
const SENDER_IS_DIALOG = 0

/** Writes (or rewrites) these messages of the dialog; call inside a transaction. */
export const putDocs = (idx: RawDatabase, row: DialogIndexRow, docs: ReadonlyArray<IndexDoc>) => {
  const { dialogId, ordinal } = row
  const insertDoc = idx.statement(INSERT_DOC)
  const updateDoc = idx.statement(UPDATE_DOC)
  const insertText = idx.statement(INSERT_TEXT)
  const replaceText = idx.statement(REPLACE_TEXT)
  for (const m of docs) {
    if (!indexable(m.id)) continue
    const doc = ordinal * SPAN + m.id
    const { link, media } = messageFacets(m.text, m.mediaType)
    const flags = (link ? LINK : 0) | (media ? MEDIA : 0) | (categoryCode(m.mediaCategory) << CATEGORY_SHIFT)
    const sender = m.senderId === dialogId ? SENDER_IS_DIALOG : m.senderId
    if (insertDoc.run(doc, m.date, sender, flags).changes === 1) insertText.run(doc, indexText(m.text))
    else {
      updateDoc.run(m.date, sender, flags, doc)
      replaceText.run(doc, indexText(m.text))
    }
  }
}

/** Removes these messages of the dialog; call inside a transaction. */
export const removeDocs = (idx: RawDatabase, ordinal: number, ids: ReadonlyArray<number>) => {
  const deleteDoc = idx.statement(DELETE_DOC)
  const deleteText = idx.statement(DELETE_TEXT)
  for (const id of ids) {
    if (!indexable(id)) continue
    deleteDoc.run(ordinal * SPAN + id)
    deleteText.run(ordinal * SPAN + id)
  }
}

/** Every document of the dialog gone (its cache was removed). */
export const removeDialog = (idx: RawDatabase, ordinal: number) => {
  const ids = idx.statement("SELECT doc FROM docs WHERE doc >= ? AND doc < ?").pluck().all(ordinal * SPAN, (ordinal + 1) * SPAN) as Array<number>
  const deleteText = idx.statement(DELETE_TEXT)
  for (const doc of ids) deleteText.run(doc)
  idx.statement("DELETE FROM docs WHERE doc >= ? AND doc < ?").run(ordinal * SPAN, (ordinal + 1) * SPAN)
}

/** Forgets a dialog: its documents and its row. */
export const forgetDialog = (idx: RawDatabase, row: DialogIndexRow) => {
  idx.db.transaction(() => {
    removeDialog(idx, row.ordinal)
    idx.statement("DELETE FROM dialogs WHERE ordinal = ?").run(row.ordinal)
  })()
  rowsRead.delete(idx)
}

/**
 * The query and its filters. A dialog is a range of rowids, which FTS5 reads
 * on its own; only the other filters, and the order by date, need `docs`.
 * Dialog ids the index has never seen find nothing.
 */
export const searchDocs = (idx: RawDatabase, q: IndexQuery): IndexAnswer => {
  const rows = allDialogRows(idx)
  const byOrdinal = new Map(rows.map((r) => [r.ordinal, r.dialogId]))
  const ftsWhere: Array<string> = ["fts MATCH ?"]
  const params: Array<unknown> = [q.match]
  if (q.dialogIds !== null) {
    const wanted = new Set<number>(q.dialogIds)
    const ordinals = rows.filter((r) => wanted.has(r.dialogId)).map((r) => r.ordinal)
    if (ordinals.length === 0) return { total: 0, hits: [] }
    // The ordinals are integers from the table, never user text.
    ftsWhere.push(`(${ordinals.map((o) => `(fts.rowid >= ${o * SPAN} AND fts.rowid < ${(o + 1) * SPAN})`).join(" OR ")})`)
  }
  const docWhere: Array<string> = []
  if (q.from !== null) docWhere.push("d.date >= ?"), params.push(q.from)
  if (q.until !== null) docWhere.push("d.date < ?"), params.push(q.until)
  if (q.senderId !== null) {
    const own = rows.find((r) => r.dialogId === q.senderId)
    if (own === undefined) docWhere.push("d.sender_id = ?"), params.push(q.senderId)
    else {
      docWhere.push(`(d.sender_id = ? OR (d.sender_id = ${SENDER_IS_DIALOG} AND d.doc >= ? AND d.doc < ?))`)
      params.push(q.senderId, own.ordinal * SPAN, (own.ordinal + 1) * SPAN)
    }
  }
  if (q.hasMedia !== null) docWhere.push(`(d.flags & ${MEDIA}) = ?`), params.push(q.hasMedia ? MEDIA : 0)
  if (q.mediaCategory !== null) docWhere.push(`(d.flags >> ${CATEGORY_SHIFT}) = ?`), params.push(categoryCode(q.mediaCategory))
  if (q.hasLink !== null) docWhere.push(`(d.flags & ${LINK}) = ?`), params.push(q.hasLink ? LINK : 0)
  const where = [...ftsWhere, ...docWhere].join(" AND ")
  const joined = `FROM fts JOIN docs d ON d.doc = fts.rowid WHERE ${where}`
  // Without a filter on docs, FTS5 counts alone (several times faster than through the join).
  const total = idx.statement(`SELECT count(*) ${docWhere.length === 0 ? `FROM fts WHERE ${where}` : joined}`).pluck()
    .get(...params) as number
  if (total <= q.offset || q.limit === 0) return { total, hits: [] }
  const order = q.sort === "date" ? "d.date DESC, d.doc DESC" : "fts.rank, d.date DESC, d.doc DESC"
  const page = idx.rows(`SELECT d.doc, d.date ${joined} ORDER BY ${order} LIMIT ? OFFSET ?`).all(
    ...params,
    q.limit,
    q.offset
  ) as Array<[number, number]>
  const hits = []
  for (const [doc, date] of page) {
    const dialogId = byOrdinal.get(Math.floor(doc / SPAN))
    if (dialogId === undefined) continue
    hits.push({ dialogId: DialogId(dialogId), messageId: MessageId(doc % SPAN), date })
  }
  return { total, hits }
}
