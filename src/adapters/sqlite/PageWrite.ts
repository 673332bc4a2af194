/**
 * A page commit on a dialog's open database, synchronous (better-sqlite3),
 * run by MessageStoreLive inside one transaction: the messages upserted,
 * their media records changed by the domain's rules (domain/MediaRecord.ts),
 * the messages Telegram no longer has deleted, the covered interval added,
 * and the caller's next read answered from the page when it can be.
 */
import { randomUUID } from "node:crypto"
import * as Intervals from "../../domain/Intervals.js"
import type { IntervalSet } from "../../domain/Intervals.js"
import { mediaRecordChange, messagesGone } from "../../domain/MediaRecord.js"
import type { MessageRecord } from "../../domain/Message.js"
import type { MessageId } from "../../domain/Ids.js"
import { threadOf } from "../../domain/Thread.js"
import type { CommitResult, PageCommit, StoredMedia, StoredMessage } from "../../ports/MessageStore.js"
import {
  BATCH,
  chunks,
  deleteMediaSql,
  deleteMessagesSql,
  heldIdsSql,
  INSERT_MEDIA,
  MEDIA_COLUMNS,
  mediaOfMessagesSql,
  mediaOfRow,
  type MediaRow,
  messageParams,
  REFRESH_MEDIA,
  REPLACE_MEDIA_FILE,
  upsertMessagesSql
} from "./MessageRows.js"
import type { RawDatabase } from "./SqliteDatabase.js"

export const readCovered = (d: RawDatabase): IntervalSet =>
  (d.statement("SELECT start, end FROM covered ORDER BY start").all() as Array<{ start: number; end: number }>)
    .map((r) => Intervals.interval(r.start, r.end))

/** A thread's own covered intervals (the dialog's cover it too: see MessageStore.covered). */
export const readThreadCovered = (d: RawDatabase, thread: number): IntervalSet =>
  (d.statement("SELECT start, end FROM thread_covered WHERE thread_id = ? ORDER BY start").all(thread) as Array<
    { start: number; end: number }
  >).map((r) => Intervals.interval(r.start, r.end))

const MEDIA_BETWEEN = `SELECT ${MEDIA_COLUMNS.join(",")} FROM media WHERE message_id BETWEEN ? AND ?`

/** Media rows of these messages, by message id. */
const mediaOf = (d: RawDatabase, ids: ReadonlyArray<number>) => {
  const byMessage = new Map<number, MediaRow>()
  if (ids.length === 0) return byMessage
  let min = ids[0]!
  let max = min
  for (const id of ids) {
    if (id < min) min = id
    if (id > max) max = id
  }
  if (max - min < 4 * ids.length) {
    // A page's ids are close together: one range scan of the media table finds the few rows there are
    // (most messages have none), where an IN list would look every id up.
    const wanted = new Set(ids)
    for (const row of d.statement(MEDIA_BETWEEN).all(min, max) as Array<MediaRow>) {
      if (wanted.has(row.message_id)) byMessage.set(row.message_id, row)
    }
    return byMessage
  }
  for (const part of chunks(ids, BATCH)) {
    for (const row of d.statement(mediaOfMessagesSql(part.length)).all(...part) as Array<MediaRow>) {
      byMessage.set(row.message_id, row)
    }
  }
  return byMessage
}

/** The whole of a page commit; run inside one transaction. */
const COUNT_ASC = "SELECT count(*) FROM messages WHERE (date, id) > (?, ?) AND date < ?"
const COUNT_DESC = "SELECT count(*) FROM messages WHERE (date, id) < (?, ?) AND date >= ?"
const COUNT_THREAD_ASC = "SELECT count(*) FROM messages WHERE thread_id = ? AND (date, id) > (?, ?) AND date < ?"
const COUNT_THREAD_DESC = "SELECT count(*) FROM messages WHERE thread_id = ? AND (date, id) < (?, ?) AND date >= ?"

/**
 * The commit's answer to the read the caller is about to make: the page's
 * messages inside the window, as stored, when nothing else is (a count of
 * the window's rows through the date index says so).
 */
const windowOf = (
  d: RawDatabase,
  page: PageCommit,
  media: ReadonlyMap<number, StoredMedia>
): ReadonlyArray<StoredMessage> | null => {
  const w = page.window
  if (w === undefined) return null
  const { after, bound } = w
  const asc = w.order === "asc"
  const thread = page.thread ?? null
  const inside = new Map<number, MessageRecord>()
  for (const m of page.messages) {
    if (thread !== null && threadOf(m) !== thread) continue
    const beyond = asc
      ? m.date > after.date || (m.date === after.date && m.id > after.id)
      : m.date < after.date || (m.date === after.date && m.id < after.id)
    if (beyond && (asc ? m.date < bound : m.date >= bound)) inside.set(m.id, m)
  }
  const held = (thread === null
    ? d.rows(asc ? COUNT_ASC : COUNT_DESC).get(after.date, after.id, bound)
    : d.rows(asc ? COUNT_THREAD_ASC : COUNT_THREAD_DESC).get(thread, after.date, after.id, bound)) as [number]
  if (held[0] !== inside.size) return null
  const sign = asc ? 1 : -1
  return [...inside.values()]
    .sort((a, b) => sign * (a.date - b.date || a.id - b.id))
    .map((m) => ({ message: m, media: m.media?.file == null ? null : media.get(m.id) ?? null }))
}

/** A commit's result, and the ids it deleted (the search index must drop them too). */
export interface Committed {
  readonly result: CommitResult
  readonly gone: ReadonlyArray<number>
}

/** Adds `covers` to the thread's own intervals; the thread's whole covered set (its own and the dialog's). */
const coverThread = (d: RawDatabase, thread: number, covers: PageCommit["covers"]): IntervalSet => {
  const before = readThreadCovered(d, thread)
  const dialog = readCovered(d)
  if (covers === null || Intervals.isEmpty(covers) || Intervals.covers(before, covers)) return Intervals.union(dialog, before)
  const after = Intervals.add(before, covers)
  d.statement("DELETE FROM thread_covered WHERE thread_id = ?").run(thread)
  const insert = d.statement("INSERT INTO thread_covered (thread_id, start, end) VALUES (?, ?, ?)")
  for (const i of after) insert.run(thread, i.start, i.end)
  return Intervals.union(dialog, after)
}

export const commitPageRows = (d: RawDatabase, page: PageCommit): Committed => {
  const thread = page.thread ?? null
  const dropped: Array<StoredMedia> = []
  let gone: ReadonlyArray<number> = []
  const ids = page.messages.map((m) => m.id)
  const existing = mediaOf(d, ids)
  /** The media record of each message written with a file, as it now stands. */
  const media = new Map<number, StoredMedia>()

  for (const part of chunks(page.messages, BATCH)) {
    d.statement(upsertMessagesSql(part.length)).run(...part.flatMap(messageParams))
  }

  // What each message does to its media record is the domain's rule (domain/MediaRecord.ts); here it is written.
  const noLongerMedia: Array<number> = []
  for (const m of page.messages) {
    const old = existing.get(m.id)
    const change = mediaRecordChange(m, old === undefined ? undefined : mediaOfRow(old))
    switch (change._tag) {
      case "None":
        break
      case "Forget":
        noLongerMedia.push(m.id)
        dropped.push(change.stale)
        break
      case "Add": {
        const r = change.record
        const uuid = randomUUID()
        d.statement(INSERT_MEDIA).run(
          m.id,
          uuid,
          r.type,
          r.category,
          r.size,
          r.mimeType,
          r.fileName,
          r.fileId,
          r.locator,
          r.status,
          r.reason,
          r.storedName
        )
        media.set(m.id, { uuid, ...r })
        break
      }
      case "Refresh": {
        const r = change.record
        d.statement(REFRESH_MEDIA).run(r.type, r.category, r.size, r.mimeType, r.fileName, r.locator, m.id)
        media.set(m.id, r)
        break
      }
      case "Replace": {
        const r = change.record
        if (change.stale !== null) dropped.push(change.stale)
        d.statement(REPLACE_MEDIA_FILE).run(r.type, r.category, r.size, r.mimeType, r.fileName, r.fileId, r.locator, m.id)
        media.set(m.id, r)
        break
      }
    }
  }
  for (const part of chunks(noLongerMedia, BATCH)) d.statement(deleteMediaSql(part.length)).run(...part)

  if (page.replace !== null && !Intervals.isEmpty(page.replace)) {
    const inRange = (thread === null
      ? d.statement("SELECT id FROM messages WHERE date >= ? AND date < ?").all(page.replace.start, page.replace.end)
      : d.statement("SELECT id FROM messages WHERE thread_id = ? AND date >= ? AND date < ?").all(
        thread,
        page.replace.start,
        page.replace.end
      )) as Array<{ id: MessageId }>
    gone = messagesGone(inRange.map((r) => r.id), page.messages)
    for (const row of mediaOf(d, gone).values()) dropped.push(mediaOfRow(row))
    // Remembered as a live deletion's are (LiveWrite.ts): when Telegram's deletion of one of them arrives after
    // this page, it still finds the dialog that held it, which a private chat's or basic group's does not name.
    const remember = d.statement("INSERT OR IGNORE INTO live_deleted (id) VALUES (?)")
    for (const id of gone) remember.run(id)
    for (const part of chunks(gone, BATCH)) {
      d.statement(deleteMediaSql(part.length)).run(...part)
      d.statement(deleteMessagesSql(part.length)).run(...part)
    }
  }

  if (page.delete !== undefined && page.delete.length > 0) {
    const held: Array<number> = []
    for (const part of chunks(page.delete, BATCH)) {
      for (const row of d.statement(heldIdsSql(part.length)).all(...part) as Array<{ id: number }>) held.push(row.id)
    }
    for (const row of mediaOf(d, held).values()) dropped.push(mediaOfRow(row))
    for (const part of chunks(held, BATCH)) {
      d.statement(deleteMediaSql(part.length)).run(...part)
      d.statement(deleteMessagesSql(part.length)).run(...part)
    }
    gone = [...gone, ...held]
  }

  const window = windowOf(d, page, media)
  if (thread !== null) return { result: { covered: coverThread(d, thread, page.covers), droppedMedia: dropped, window }, gone }
  const before = readCovered(d)
  if (page.covers === null || Intervals.isEmpty(page.covers) || Intervals.covers(before, page.covers)) {
    return { result: { covered: before, droppedMedia: dropped, window }, gone }
  }
  const after = Intervals.add(before, page.covers)
  d.statement("DELETE FROM covered").run()
  const insert = d.statement("INSERT INTO covered (start, end) VALUES (?, ?)")
  for (const i of after) insert.run(i.start, i.end)
  return { result: { covered: after, droppedMedia: dropped, window }, gone }
}

/** MessageStore.idsAround among a thread's messages. */
export const threadIdsAround = (d: RawDatabase, thread: number, range: { readonly start: number; readonly end: number }) => {
  const before = d.statement("SELECT id FROM messages WHERE thread_id = ? AND date < ? ORDER BY date DESC, id DESC LIMIT 1")
    .get(thread, range.start) as { id: number } | undefined
  const after = d.statement("SELECT id FROM messages WHERE thread_id = ? AND date >= ? ORDER BY date, id LIMIT 1")
    .get(thread, range.end) as { id: number } | undefined
  return { before: before?.id ?? null, after: after?.id ?? null }
}
