/**
 * How cached messages lie in a dialog's SQLite database: the columns, the
 * statements over them, and the mapping between rows and records. Reads
 * come back as arrays in SELECT_JOINED's column order (see JoinedRow).
 */
import type { MediaCategory } from "../../domain/MediaCategory.js"
import type { MessageRecord } from "../../domain/Message.js"
import type { MediaStatus, StoredMedia, StoredMessage } from "../../ports/MessageStore.js"
import { MessageId } from "../../domain/Ids.js"
import { decodeDetails, encodeDetails } from "../../domain/MessageDetails.js"
import { threadOf } from "../../domain/Thread.js"

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
  "media_type",
  "details"
] as const

export const MEDIA_COLUMNS = [
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

/** Rows per multi-row statement: 15 parameters each stays far below SQLite's limit of 32766. */
export const BATCH = 500

export interface MediaRow {
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
export type JoinedRow = ReadonlyArray<unknown>

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

/** Written, not read back: the thread a message is filed under (domain/Thread.ts). */
const WRITTEN_COLUMNS = [...MESSAGE_COLUMNS, "thread_id"] as const

export const upsertMessagesSql = memo((n) =>
  `INSERT INTO messages (${WRITTEN_COLUMNS.join(",")}) VALUES ${placeholders(WRITTEN_COLUMNS.length, n)} ` +
  `ON CONFLICT(id) DO UPDATE SET ${WRITTEN_COLUMNS.slice(1).map((c) => `${c} = excluded.${c}`).join(", ")}`
)
export const mediaOfMessagesSql = memo((n) =>
  `SELECT ${MEDIA_COLUMNS.join(",")} FROM media WHERE message_id IN (${placeholders(1, n)})`
)
export const deleteMediaSql = memo((n) => `DELETE FROM media WHERE message_id IN (${placeholders(1, n)})`)
export const heldIdsSql = memo((n) => `SELECT id FROM messages WHERE id IN (${placeholders(1, n)})`)
export const deleteMessagesSql = memo((n) => `DELETE FROM messages WHERE id IN (${placeholders(1, n)})`)
export const INSERT_MEDIA = `INSERT INTO media (${MEDIA_COLUMNS.join(",")}) VALUES ${placeholders(MEDIA_COLUMNS.length, 1)}`
export const REFRESH_MEDIA = "UPDATE media SET type = ?, category = ?, size = ?, mime_type = ?, file_name = ?, locator = ? " +
  "WHERE message_id = ?"
export const REPLACE_MEDIA_FILE = "UPDATE media SET type = ?, category = ?, size = ?, mime_type = ?, file_name = ?, " +
  "file_id = ?, locator = ?, status = 'pending', reason = NULL, stored_name = NULL WHERE message_id = ?"

const SELECT_JOINED = `SELECT ${MESSAGE_COLUMNS.map((c) => `m.${c}`).join(", ")}, ` +
  `${MEDIA_COLUMNS.map((c) => `d.${c}`).join(", ")} ` +
  "FROM messages m LEFT JOIN media d ON d.message_id = m.id "
export const READ_ASC = SELECT_JOINED + "WHERE (m.date, m.id) > (?, ?) AND m.date < ? ORDER BY m.date, m.id LIMIT ?"
export const readByIdsSql = memo((n) => SELECT_JOINED + `WHERE m.id IN (${placeholders(1, n)})`)
/** Messages stored before their details were known (the partial index messages_without_details). */
export const WITHOUT_DETAILS_ASC = "SELECT date, id FROM messages WHERE details IS NULL AND date >= ? AND date < ? " +
  "ORDER BY date, id LIMIT ?"
export const WITHOUT_DETAILS_DESC = "SELECT date, id FROM messages WHERE details IS NULL AND date >= ? AND date < ? " +
  "ORDER BY date DESC, id DESC LIMIT ?"
/** The text `null`: asked for and not found, so unknown for good (it reads back as null, and is no longer NULL). */
export const detailsUnavailableSql = memo((n) =>
  `UPDATE messages SET details = 'null' WHERE details IS NULL AND id IN (${placeholders(1, n)})`
)
export const READ_DESC = SELECT_JOINED + "WHERE (m.date, m.id) < (?, ?) AND m.date >= ? ORDER BY m.date DESC, m.id DESC LIMIT ?"
/** A thread's messages (the index messages_by_thread); the thread first among the parameters. */
export const READ_THREAD_ASC = SELECT_JOINED +
  "WHERE m.thread_id = ? AND (m.date, m.id) > (?, ?) AND m.date < ? ORDER BY m.date, m.id LIMIT ?"
export const READ_THREAD_DESC = SELECT_JOINED +
  "WHERE m.thread_id = ? AND (m.date, m.id) < (?, ?) AND m.date >= ? ORDER BY m.date DESC, m.id DESC LIMIT ?"

export const chunks = <A>(items: ReadonlyArray<A>, size: number): Array<ReadonlyArray<A>> => {
  const out: Array<ReadonlyArray<A>> = []
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size))
  return out
}

export const messageParams = (m: MessageRecord): Array<unknown> => [
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
  m.media?.type ?? null,
  m.details === null ? null : encodeDetails(m.details),
  threadOf(m)
]

export const mediaOfRow = (row: MediaRow): StoredMedia => ({
  uuid: row.uuid,
  messageId: MessageId(row.message_id),
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

export const storedOfRow = (row: JoinedRow): StoredMessage => {
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
  const details = row[13] as string | null
  return {
    message: {
      id: row[0] as MessageId,
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
        },
      details: details === null || details === "null" ? null : decodeDetails(details)
    },
    media
  }
}
