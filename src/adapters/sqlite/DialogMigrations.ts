/**
 * Schema of a dialog's cache database. Migrations are append-only: a
 * released migration never changes, later versions add new entries.
 */
import * as SqlClient from "@effect/sql/SqlClient"
import { Effect } from "effect"
import type { Migrations } from "./SqliteDatabase.js"

export const dialogMigrations: Migrations = {
  "1_create_cache": Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    // id is the rowid, so the date index is ordered by (date, id): the keyset order of every read.
    yield* sql.unsafe(`CREATE TABLE messages (
      id INTEGER PRIMARY KEY,
      date INTEGER NOT NULL,
      edit_date INTEGER,
      sender_id INTEGER,
      sender_first_name TEXT,
      sender_last_name TEXT,
      sender_username TEXT,
      text TEXT NOT NULL,
      reply_to INTEGER,
      post_author TEXT,
      is_forwarded INTEGER NOT NULL,
      forwarded_from_channel_id INTEGER,
      media_type TEXT
    ) STRICT`)
    yield* sql.unsafe(`CREATE INDEX messages_by_date ON messages (date)`)
    yield* sql.unsafe(`CREATE TABLE media (
      message_id INTEGER PRIMARY KEY,
      uuid TEXT NOT NULL UNIQUE,
      type TEXT NOT NULL,
      category TEXT NOT NULL,
      size INTEGER NOT NULL,
      mime_type TEXT,
      file_name TEXT,
      file_id TEXT NOT NULL,
      locator TEXT NOT NULL,
      status TEXT NOT NULL CHECK (status IN ('pending', 'downloaded', 'skipped', 'failed')),
      reason TEXT,
      stored_name TEXT
    ) STRICT`)
    yield* sql.unsafe(`CREATE TABLE covered (
      start INTEGER PRIMARY KEY,
      end INTEGER NOT NULL,
      CHECK (start < end)
    ) STRICT`)
  }),
  // Ids written to the cache whose search index write has not been confirmed (adapters/sqlite/CacheIndexing.ts).
  "2_index_pending": Effect.flatMap(SqlClient.SqlClient, (sql) =>
    sql.unsafe(`CREATE TABLE index_pending (seq INTEGER PRIMARY KEY, ids TEXT NOT NULL) STRICT`)),
  // What a message carries beyond the contract's fields (domain/MessageDetails.ts), as compact JSON. Rows
  // written before this migration keep NULL: "not known yet", refreshed from Telegram by the next request
  // that covers them (app/HistorySync's details refresh), which finds them through the partial index.
  "3_message_details": Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    yield* sql.unsafe(`ALTER TABLE messages ADD COLUMN details TEXT`)
    yield* sql.unsafe(`CREATE INDEX messages_without_details ON messages (date, id) WHERE details IS NULL`)
  }),
  // Forum topics and threads (issue 17): each message's thread (domain/Thread.ts threadOf: its topic in a
  // forum, else its thread's root), and the intervals a thread's history is complete over, apart from the
  // dialog's (whose coverage covers every thread too). Rows whose details are known get their thread from
  // them; rows without are filed when the details refresh rewrites them.
  "4_threads": Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    yield* sql.unsafe(`ALTER TABLE messages ADD COLUMN thread_id INTEGER`)
    yield* sql.unsafe(`UPDATE messages SET thread_id = coalesce(json_extract(details, '$.t'), json_extract(details, '$.rt'), reply_to)
      WHERE details IS NOT NULL AND details != 'null'`)
    yield* sql.unsafe(`CREATE INDEX messages_by_thread ON messages (thread_id, date, id) WHERE thread_id IS NOT NULL`)
    yield* sql.unsafe(`CREATE TABLE thread_covered (
      thread_id INTEGER NOT NULL,
      start INTEGER NOT NULL,
      end INTEGER NOT NULL,
      PRIMARY KEY (thread_id, start),
      CHECK (start < end)
    ) STRICT`)
  }),
  // Live updates (issue 18): since when (Telegram's clock) this cache has been given every new message of the
  // dialog, and the update sequence (chain) that promise belongs to (domain/LiveUpdates.ts followStep).
  "5_follow": Effect.flatMap(SqlClient.SqlClient, (sql) =>
    sql.unsafe(`CREATE TABLE follow (
      id INTEGER PRIMARY KEY CHECK (id = 1),
      since INTEGER NOT NULL,
      chain TEXT NOT NULL
    ) STRICT`)),
  // The messages live deletions removed, and those a history page showed Telegram no longer has (PageWrite.ts): a
  // deletion applied again (after a crash, before its events were committed), or arriving after the page, still
  // finds the dialog that held them, which a private chat's or basic group's deletion does not name.
  "6_live_deleted": Effect.flatMap(SqlClient.SqlClient, (sql) =>
    sql.unsafe(`CREATE TABLE live_deleted (id INTEGER PRIMARY KEY) STRICT`))
}
