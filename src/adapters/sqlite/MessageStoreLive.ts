/**
 * The MessageStore port over one SQLite database per account and dialog,
 * opened on first use and closed after an idle period (an RcMap keyed by
 * account and dialog). Every write of a page is one transaction: messages,
 * media records and the covered interval land together or not at all.
 * Reads are keyset pages in (date, id) order, so streaming a million cached
 * messages never holds more than one page in memory. Statements go to
 * better-sqlite3 directly (see `openRawDatabase`): every message of a sync
 * passes through here.
 */
import { randomUUID } from "node:crypto"
import * as fs from "node:fs/promises"
import type Database from "better-sqlite3"
import { Duration, Effect, Layer, RcMap } from "effect"
import * as Intervals from "../../domain/Intervals.js"
import type { IntervalSet } from "../../domain/Intervals.js"
import type { MediaCategory } from "../../domain/MediaCategory.js"
import type { MessageRecord } from "../../domain/Message.js"
import {
  type CommitResult,
  type DialogKey,
  type MediaStatus,
  MessageStore,
  MessageStoreError,
  type PageCommit,
  type StoredMedia,
  type StoredMessage
} from "../../ports/MessageStore.js"
import { dialogMigrations } from "./DialogMigrations.js"
import { dialogDatabasePath } from "./DialogLayout.js"
import { openRawDatabase, type RawDatabase } from "./SqliteDatabase.js"

/** A dialog's open database and its page commit. */
interface Dialog {
  readonly d: RawDatabase
  readonly commit: Database.Transaction<(page: PageCommit) => CommitResult>
}

export interface MessageStoreOptions {
  /** `{data_dir}/accounts` */
  readonly accountsDir: string
  /** How long an unused dialog database stays open. */
  readonly idleTimeToLive?: Duration.DurationInput
}

const MESSAGE_COLUMNS = [
  "id",
  "date",
  "edit_date",
  "sender_id",
  "sender_first_name",
  "sender_last_name",
  "sender_username",
  "text",
  "reply_to",
  "post_author",
  "is_forwarded",
  "forwarded_from_channel_id",
  "media_type"
] as const

const MEDIA_COLUMNS = [
  "message_id",
  "uuid",
  "type",
  "category",
  "size",
  "mime_type",
  "file_name",
  "file_id",
  "locator",
  "status",
  "reason",
  "stored_name"
] as const

/** Rows per multi-row statement: 13 parameters each stays far below SQLite's limit of 32766. */
const BATCH = 500

interface MessageRow {
  readonly id: number
  readonly date: number
  readonly edit_date: number | null
  readonly sender_id: number | null
  readonly sender_first_name: string | null
  readonly sender_last_name: string | null
  readonly sender_username: string | null
  readonly text: string
  readonly reply_to: number | null
  readonly post_author: string | null
  readonly is_forwarded: number
  readonly forwarded_from_channel_id: number | null
  readonly media_type: string | null
}

interface MediaRow {
  readonly message_id: number
  readonly uuid: string
  readonly type: string
  readonly category: string
  readonly size: number
  readonly mime_type: string | null
  readonly file_name: string | null
  readonly file_id: string
  readonly locator: string
  readonly status: string
  readonly reason: string | null
  readonly stored_name: string | null
}

/**
 * A message row joined with its media row, as an array in SELECT_JOINED's
 * column order: better-sqlite3 builds arrays far faster than 25-key objects,
 * and this is the path every streamed message takes.
 */
type JoinedRow = ReadonlyArray<unknown>

const placeholders = (columns: number, rows: number) => {
  const row = `(${Array.from({ length: columns }, () => "?").join(",")})`
  return Array.from({ length: rows }, () => row).join(",")
}

const memo = <A>(f: (n: number) => A) => {
  const cache = new Map<number, A>()
  return (n: number) => {
    let v = cache.get(n)
    if (v === undefined) cache.set(n, v = f(n))
    return v
  }
}

const upsertMessagesSql = memo((n) =>
  `INSERT INTO messages (${MESSAGE_COLUMNS.join(",")}) VALUES ${placeholders(MESSAGE_COLUMNS.length, n)} ` +
  `ON CONFLICT(id) DO UPDATE SET ${MESSAGE_COLUMNS.slice(1).map((c) => `${c} = excluded.${c}`).join(", ")}`
)
const mediaOfMessagesSql = memo((n) =>
  `SELECT ${MEDIA_COLUMNS.join(",")} FROM media WHERE message_id IN (${placeholders(1, n)})`
)
const deleteMediaSql = memo((n) => `DELETE FROM media WHERE message_id IN (${placeholders(1, n)})`)
const deleteMessagesSql = memo((n) => `DELETE FROM messages WHERE id IN (${placeholders(1, n)})`)
const INSERT_MEDIA = `INSERT INTO media (${MEDIA_COLUMNS.join(",")}) VALUES ${placeholders(MEDIA_COLUMNS.length, 1)}`
const REFRESH_MEDIA = "UPDATE media SET type = ?, category = ?, size = ?, mime_type = ?, file_name = ?, locator = ? " +
  "WHERE message_id = ?"
const REPLACE_MEDIA_FILE = "UPDATE media SET type = ?, category = ?, size = ?, mime_type = ?, file_name = ?, " +
  "file_id = ?, locator = ?, status = 'pending', reason = NULL, stored_name = NULL WHERE message_id = ?"

const SELECT_JOINED = `SELECT ${MESSAGE_COLUMNS.map((c) => `m.${c}`).join(", ")}, ` +
  `${MEDIA_COLUMNS.map((c) => `d.${c}`).join(", ")} ` +
  "FROM messages m LEFT JOIN media d ON d.message_id = m.id "
const READ_ASC = SELECT_JOINED + "WHERE (m.date, m.id) > (?, ?) AND m.date < ? ORDER BY m.date, m.id LIMIT ?"
const READ_DESC = SELECT_JOINED + "WHERE (m.date, m.id) < (?, ?) AND m.date >= ? ORDER BY m.date DESC, m.id DESC LIMIT ?"

const chunks = <A>(items: ReadonlyArray<A>, size: number): Array<ReadonlyArray<A>> => {
  const out: Array<ReadonlyArray<A>> = []
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size))
  return out
}

const messageParams = (m: MessageRecord): Array<unknown> => [
  m.id,
  m.date,
  m.editDate,
  m.senderId,
  m.senderFirstName,
  m.senderLastName,
  m.senderUsername,
  m.text,
  m.replyTo,
  m.postAuthor,
  m.isForwarded ? 1 : 0,
  m.forwardedFromChannelId,
  m.media?.type ?? null
]

const mediaOfRow = (row: MediaRow): StoredMedia => ({
  uuid: row.uuid,
  messageId: row.message_id,
  type: row.type,
  category: row.category as MediaCategory,
  size: row.size,
  mimeType: row.mime_type,
  fileName: row.file_name,
  fileId: row.file_id,
  locator: row.locator,
  status: row.status as MediaStatus,
  reason: row.reason,
  storedName: row.stored_name
})

const M = MESSAGE_COLUMNS.length

const storedOfRow = (row: JoinedRow): StoredMessage => {
  const media = row[M + 1] === null ? null : mediaOfRow({
    message_id: row[0] as number,
    uuid: row[M + 1] as string,
    type: row[M + 2] as string,
    category: row[M + 3] as string,
    size: row[M + 4] as number,
    mime_type: row[M + 5] as string | null,
    file_name: row[M + 6] as string | null,
    file_id: row[M + 7] as string,
    locator: row[M + 8] as string,
    status: row[M + 9] as string,
    reason: row[M + 10] as string | null,
    stored_name: row[M + 11] as string | null
  })
  const mediaType = row[12] as string | null
  return {
    message: {
      id: row[0] as number,
      date: row[1] as number,
      editDate: row[2] as number | null,
      senderId: row[3] as number | null,
      senderFirstName: row[4] as string | null,
      senderLastName: row[5] as string | null,
      senderUsername: row[6] as string | null,
      text: row[7] as string,
      replyTo: row[8] as number | null,
      postAuthor: row[9] as string | null,
      isForwarded: row[10] !== 0,
      forwardedFromChannelId: row[11] as number | null,
      media: mediaType === null
        ? null
        : {
          type: mediaType,
          file: media === null ? null : {
            category: media.category,
            size: media.size,
            mimeType: media.mimeType,
            fileName: media.fileName,
            fileId: media.fileId,
            locator: media.locator
          }
        }
    },
    media
  }
}

const readCovered = (d: RawDatabase): IntervalSet =>
  (d.statement("SELECT start, end FROM covered ORDER BY start").all() as Array<{ start: number; end: number }>)
    .map((r) => Intervals.interval(r.start, r.end))

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
  const inside = new Map<number, MessageRecord>()
  for (const m of page.messages) {
    const beyond = asc
      ? m.date > after.date || (m.date === after.date && m.id > after.id)
      : m.date < after.date || (m.date === after.date && m.id < after.id)
    if (beyond && (asc ? m.date < bound : m.date >= bound)) inside.set(m.id, m)
  }
  const held = d.rows(asc ? COUNT_ASC : COUNT_DESC).get(after.date, after.id, bound) as [number]
  if (held[0] !== inside.size) return null
  const sign = asc ? 1 : -1
  return [...inside.values()]
    .sort((a, b) => sign * (a.date - b.date || a.id - b.id))
    .map((m) => ({ message: m, media: m.media?.file == null ? null : media.get(m.id) ?? null }))
}

const commit = (d: RawDatabase, page: PageCommit): CommitResult => {
  const dropped: Array<StoredMedia> = []
  const ids = page.messages.map((m) => m.id)
  const existing = mediaOf(d, ids)
  /** The media record of each message written with a file, as it now stands. */
  const media = new Map<number, StoredMedia>()

  for (const part of chunks(page.messages, BATCH)) {
    d.statement(upsertMessagesSql(part.length)).run(...part.flatMap(messageParams))
  }

  const noLongerMedia: Array<number> = []
  for (const m of page.messages) {
    const file = m.media?.file ?? null
    const old = existing.get(m.id)
    if (file === null) {
      if (old !== undefined) {
        noLongerMedia.push(m.id)
        dropped.push(mediaOfRow(old))
      }
      continue
    }
    // What the message now says of its file; the download state depends on what was stored before.
    const now = {
      type: m.media!.type,
      category: file.category,
      size: file.size,
      mimeType: file.mimeType,
      fileName: file.fileName,
      fileId: file.fileId,
      locator: file.locator
    }
    const pending = { status: "pending", reason: null, storedName: null } as const
    if (old === undefined) {
      const uuid = randomUUID()
      d.statement(INSERT_MEDIA).run(
        m.id,
        uuid,
        now.type,
        now.category,
        now.size,
        now.mimeType,
        now.fileName,
        now.fileId,
        now.locator,
        pending.status,
        pending.reason,
        pending.storedName
      )
      media.set(m.id, { uuid, messageId: m.id, ...now, ...pending })
    } else if (old.file_id === file.fileId) {
      // Same file: keep its uuid and download state, take the fresh file reference.
      d.statement(REFRESH_MEDIA).run(now.type, now.category, now.size, now.mimeType, now.fileName, now.locator, m.id)
      media.set(m.id, { ...mediaOfRow(old), ...now })
    } else {
      // The message now carries another file: same uuid (stable per message), to be downloaded again.
      if (old.stored_name !== null) dropped.push(mediaOfRow(old))
      d.statement(REPLACE_MEDIA_FILE).run(now.type, now.category, now.size, now.mimeType, now.fileName, now.fileId, now.locator, m.id)
      media.set(m.id, { ...mediaOfRow(old), ...now, ...pending })
    }
  }
  for (const part of chunks(noLongerMedia, BATCH)) d.statement(deleteMediaSql(part.length)).run(...part)

  if (page.replace !== null && !Intervals.isEmpty(page.replace)) {
    const keep = new Set(ids)
    const inRange = d.statement("SELECT id FROM messages WHERE date >= ? AND date < ?").all(
      page.replace.start,
      page.replace.end
    ) as Array<{ id: number }>
    const gone = inRange.map((r) => r.id).filter((id) => !keep.has(id))
    for (const row of mediaOf(d, gone).values()) dropped.push(mediaOfRow(row))
    for (const part of chunks(gone, BATCH)) {
      d.statement(deleteMediaSql(part.length)).run(...part)
      d.statement(deleteMessagesSql(part.length)).run(...part)
    }
  }

  const window = windowOf(d, page, media)
  const before = readCovered(d)
  if (page.covers === null || Intervals.isEmpty(page.covers) || Intervals.covers(before, page.covers)) {
    return { covered: before, droppedMedia: dropped, window }
  }
  const after = Intervals.add(before, page.covers)
  d.statement("DELETE FROM covered").run()
  const insert = d.statement("INSERT INTO covered (start, end) VALUES (?, ?)")
  for (const i of after) insert.run(i.start, i.end)
  return { covered: after, droppedMedia: dropped, window }
}

const fileExists = (path: string) =>
  Effect.promise(() => fs.access(path).then(() => true, () => false))

export const MessageStoreLive = (options: MessageStoreOptions) =>
  Layer.scoped(
    MessageStore,
    Effect.gen(function*() {
      const pathOf = (key: DialogKey) => dialogDatabasePath(options.accountsDir, key.accountId, key.dialogId)

      const databases = yield* RcMap.make({
        lookup: (path: string) =>
          Effect.map(openRawDatabase(path, dialogMigrations), (d) => ({
            d,
            // One transaction for the whole page; synchronous, so nothing else in the process runs inside it.
            commit: d.db.transaction((page: PageCommit) => commit(d, page))
          })),
        idleTimeToLive: options.idleTimeToLive ?? Duration.minutes(1)
      })

      /** Runs `use` on the dialog's open database (opened, and brought up to date, on first use). */
      const withDatabase = <A>(
        key: DialogKey,
        operation: string,
        use: (database: Dialog) => A
      ): Effect.Effect<A, MessageStoreError> => {
        const fail = (cause: unknown) => new MessageStoreError({ operation: `${operation} (${pathOf(key)})`, cause })
        return Effect.scoped(
          Effect.flatMap(
            Effect.mapError(RcMap.get(databases, pathOf(key)), fail),
            (database) => Effect.try({ try: () => use(database), catch: fail })
          )
        )
      }

      return MessageStore.of({
        exists: (key) => fileExists(pathOf(key)),

        covered: (key) => withDatabase(key, "read covered ranges", ({ d }) => readCovered(d)),

        commitPage: (key, page) => withDatabase(key, "commit page", (database) => database.commit(page)),

        idsAround: (key, range) =>
          withDatabase(key, "read neighbours", ({ d }) => {
            const before = d.statement("SELECT id FROM messages WHERE date < ? ORDER BY date DESC, id DESC LIMIT 1")
              .get(range.start) as { id: number } | undefined
            const after = d.statement("SELECT id FROM messages WHERE date >= ? ORDER BY date, id LIMIT 1")
              .get(range.end) as { id: number } | undefined
            return { before: before?.id ?? null, after: after?.id ?? null }
          }),

        read: (key, request) =>
          withDatabase(key, "read messages", ({ d }) =>
            (d.rows(request.order === "asc" ? READ_ASC : READ_DESC).all(
              request.after.date,
              request.after.id,
              request.bound,
              request.limit
            ) as Array<JoinedRow>).map(storedOfRow)),

        updateMedia: (key, messageId, update) =>
          withDatabase(key, "update media", ({ d }) => {
            d.statement("UPDATE media SET status = ?, reason = ?, stored_name = ? WHERE message_id = ?").run(
              update.status,
              update.reason,
              update.storedName,
              messageId
            )
          }),

        updateMediaLocator: (key, messageId, locator) =>
          withDatabase(key, "update media locator", ({ d }) => {
            d.statement("UPDATE media SET locator = ? WHERE message_id = ?").run(locator, messageId)
          })
      })
    })
  )
