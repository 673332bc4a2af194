/**
 * The MediaIndex port: one small SQLite database per account
 * (`{data_dir}/accounts/{account}/media-index.db`), opened on demand and
 * closed when idle, so a uuid is found with one indexed lookup.
 */
import * as SqlClient from "@effect/sql/SqlClient"
import { Duration, Effect, Layer, Option, RcMap } from "effect"
import { MediaIndex, type MediaIndexEntry, MediaIndexError } from "../../ports/MediaIndex.js"
import type { MediaStatus } from "../../ports/MessageStore.js"
import { mediaIndexPath } from "./DialogLayout.js"
import { type Migrations, openRawDatabase, type RawDatabase } from "./SqliteDatabase.js"
import { DialogId, MessageId } from "../../domain/Ids.js"

export interface MediaIndexOptions {
  /** `{data_dir}/accounts` */
  readonly accountsDir: string
  readonly idleTimeToLive?: Duration.DurationInput
}

const migrations: Migrations = {
  "1_create_media_index": Effect.flatMap(SqlClient.SqlClient, (sql) =>
    sql.unsafe(`CREATE TABLE media (
      uuid TEXT PRIMARY KEY,
      dialog_id INTEGER NOT NULL,
      message_id INTEGER NOT NULL,
      stored_name TEXT,
      mime_type TEXT,
      original_file_name TEXT,
      size INTEGER NOT NULL,
      status TEXT NOT NULL CHECK (status IN ('pending', 'downloaded', 'skipped', 'failed')),
      reason TEXT
    ) STRICT`))
}

interface Row {
  readonly uuid: string
  readonly dialog_id: number
  readonly message_id: number
  readonly stored_name: string | null
  readonly mime_type: string | null
  readonly original_file_name: string | null
  readonly size: number
  readonly status: string
  readonly reason: string | null
}

const COLUMNS = "uuid, dialog_id, message_id, stored_name, mime_type, original_file_name, size, status, reason"
const UPSERT = `INSERT INTO media (${COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(uuid) DO UPDATE SET ` +
  "dialog_id = excluded.dialog_id, message_id = excluded.message_id, stored_name = excluded.stored_name, " +
  "mime_type = excluded.mime_type, original_file_name = excluded.original_file_name, size = excluded.size, " +
  "status = excluded.status, reason = excluded.reason"

export const MediaIndexLive = (options: MediaIndexOptions) =>
  Layer.scoped(
    MediaIndex,
    Effect.gen(function*() {
      const databases = yield* RcMap.make({
        lookup: (accountId: number) => openRawDatabase(mediaIndexPath(options.accountsDir, accountId), migrations),
        idleTimeToLive: options.idleTimeToLive ?? Duration.minutes(1)
      })
      /** Runs `use` on the account's open index: every statement is one synchronous better-sqlite3 call (see openRawDatabase). */
      const withIndex = <A>(accountId: number, operation: string, use: (database: RawDatabase) => A) =>
        Effect.scoped(Effect.flatMap(RcMap.get(databases, accountId), (database) => Effect.try(() => use(database)))).pipe(
          Effect.mapError((cause) => new MediaIndexError({ operation, cause }))
        )

      return MediaIndex.of({
        put: (accountId, e) =>
          withIndex(accountId, "put", ({ statement }) => {
            statement(UPSERT).run(
              e.uuid,
              e.dialogId,
              e.messageId,
              e.storedName,
              e.mimeType,
              e.originalFileName,
              e.size,
              e.status,
              e.reason
            )
          }),

        get: (accountId, uuid) =>
          withIndex(accountId, "get", ({ statement }) => {
            const r = statement(`SELECT ${COLUMNS} FROM media WHERE uuid = ?`).get(uuid) as Row | undefined
            return Option.map(Option.fromNullable(r), (r): MediaIndexEntry => ({
              uuid: r.uuid,
              dialogId: DialogId(r.dialog_id),
              messageId: MessageId(r.message_id),
              storedName: r.stored_name,
              mimeType: r.mime_type,
              originalFileName: r.original_file_name,
              size: r.size,
              status: r.status as MediaStatus,
              reason: r.reason
            }))
          }),

        remove: (accountId, uuids) =>
          uuids.length === 0
            ? Effect.void
            : withIndex(accountId, "remove", ({ db, statement }) => {
              const remove = statement("DELETE FROM media WHERE uuid = ?")
              db.transaction(() => {
                for (const uuid of uuids) remove.run(uuid)
              })()
            })
      })
    })
  )
