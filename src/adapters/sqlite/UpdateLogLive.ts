/**
 * The UpdateLog port over one SQLite database per account
 * (`accounts/{account}/updates.db`): the followed state (the common box,
 * each channel's pts, the chains) and the event log. A commit (events, the
 * state they bring the sequences to, and the retention's trim) is one
 * synchronous better-sqlite3 transaction; WAL with synchronous=NORMAL makes
 * it durable against a killed process. Event ids are the table's
 * AUTOINCREMENT rowids, also remembered in the state row, so they never
 * repeat, even once every event was trimmed.
 */
import * as SqlClient from "@effect/sql/SqlClient"
import type Database from "better-sqlite3"
import { Clock, Duration, Effect, Layer, RcMap } from "effect"
import { DEFAULT_RETENTION, type EventKind, type Retention, retentionCut } from "../../domain/LiveUpdates.js"
import { type AccountId, DialogId } from "../../domain/Ids.js"
import {
  type ChannelPosition,
  type FollowedState,
  type LoggedEvent,
  type NewEvent,
  type StateChange,
  UpdateLog,
  UpdateLogError
} from "../../ports/UpdateLog.js"
import { updatesPath } from "./DialogLayout.js"
import { type Migrations, openRawDatabase, type RawDatabase } from "./SqliteDatabase.js"

const updateLogMigrations: Migrations = {
  "1_update_log": Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    yield* sql.unsafe(`CREATE TABLE state (
      id INTEGER PRIMARY KEY CHECK (id = 1),
      pts INTEGER NOT NULL,
      qts INTEGER NOT NULL,
      date INTEGER NOT NULL,
      seq INTEGER NOT NULL,
      chain TEXT NOT NULL
    ) STRICT`)
    yield* sql.unsafe(`CREATE TABLE channels (channel_id INTEGER PRIMARY KEY, pts INTEGER NOT NULL, chain TEXT NOT NULL) STRICT`)
    yield* sql.unsafe(`CREATE TABLE events (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      kind TEXT NOT NULL,
      dialog_id INTEGER,
      created_at INTEGER NOT NULL,
      data TEXT NOT NULL
    ) STRICT`)
    yield* sql.unsafe(`CREATE INDEX events_by_dialog ON events (dialog_id, id)`)
    yield* sql.unsafe(`CREATE INDEX events_by_time ON events (created_at)`)
  }),
  // Each channel's newest message told; 0 (not known) for a channel followed before.
  "2_channel_top": Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    yield* sql.unsafe(`ALTER TABLE channels ADD COLUMN top INTEGER NOT NULL DEFAULT 0`)
  }),
  // The dialogs the account had or was told of (a new one is told as a `dialog` event); listed once, at first.
  "3_known_dialogs": Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    yield* sql.unsafe(`CREATE TABLE dialogs (dialog_id INTEGER PRIMARY KEY) STRICT`)
    yield* sql.unsafe(`ALTER TABLE state ADD COLUMN dialogs_listed INTEGER NOT NULL DEFAULT 0`)
  })
}

export interface UpdateLogOptions {
  /** `{data_dir}/accounts` */
  readonly accountsDir: string
  readonly retention?: Retention | undefined
  readonly idleTimeToLive?: Duration.DurationInput
}

type EventRow = { id: number; kind: string; dialog_id: number | null; created_at: number; data: string }

const eventOf = (r: EventRow): LoggedEvent => ({
  id: r.id,
  kind: r.kind as EventKind,
  dialogId: r.dialog_id === null ? null : DialogId(r.dialog_id),
  createdAt: r.created_at,
  data: r.data
})

const newestId = (d: RawDatabase): number =>
  (d.statement("SELECT seq FROM sqlite_sequence WHERE name = 'events'").get() as { seq: number } | undefined)?.seq ?? 0

interface Log {
  readonly d: RawDatabase
  readonly commit: Database.Transaction<(events: ReadonlyArray<NewEvent>, change: StateChange, now: number) => Array<LoggedEvent>>
}

const openLog = (d: RawDatabase, retention: Retention): Log => ({
  d,
  commit: d.db.transaction((events: ReadonlyArray<NewEvent>, change: StateChange, now: number) => {
    const insert = d.statement("INSERT INTO events (kind, dialog_id, created_at, data) VALUES (?, ?, ?, ?)")
    const logged: Array<LoggedEvent> = []
    for (const e of events) {
      const info = insert.run(e.kind, e.dialogId, now, e.data)
      logged.push({ ...e, id: Number(info.lastInsertRowid), createdAt: now })
    }
    if (change.common !== undefined) {
      const s = change.common.state
      d.statement(
        "INSERT INTO state (id, pts, qts, date, seq, chain) VALUES (1, ?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET " +
          "pts = excluded.pts, qts = excluded.qts, date = excluded.date, seq = excluded.seq, chain = excluded.chain"
      ).run(s.pts, s.qts, s.date, s.seq, change.common.chain)
    }
    for (const c of change.channels ?? []) {
      if (c.position === null) d.statement("DELETE FROM channels WHERE channel_id = ?").run(c.channelId)
      else {
        d.statement(
          "INSERT INTO channels (channel_id, pts, chain, top) VALUES (?, ?, ?, ?) ON CONFLICT (channel_id) DO UPDATE SET " +
            "pts = excluded.pts, chain = excluded.chain, top = excluded.top"
        ).run(c.channelId, c.position.pts, c.position.chain, c.position.top)
      }
    }
    if (change.dialogs !== undefined) {
      const known = d.statement("INSERT INTO dialogs (dialog_id) VALUES (?) ON CONFLICT DO NOTHING")
      for (const id of change.dialogs) known.run(id)
      d.statement("UPDATE state SET dialogs_listed = 1").run()
    }
    if (events.length > 0) {
      const tooOld = d.statement("SELECT max(id) AS id FROM events WHERE created_at < ?").get(now - retention.maxAgeSeconds * 1000) as {
        id: number | null
      }
      const cut = retentionCut(retention, newestId(d), tooOld.id)
      if (cut > 0) d.statement("DELETE FROM events WHERE id <= ?").run(cut)
    }
    return logged
  })
})

export const UpdateLogLive = (options: UpdateLogOptions): Layer.Layer<UpdateLog> =>
  Layer.scoped(
    UpdateLog,
    Effect.gen(function*() {
      const retention = options.retention ?? DEFAULT_RETENTION
      const logs = yield* RcMap.make({
        lookup: (account: number) =>
          Effect.map(openRawDatabase(updatesPath(options.accountsDir, account), updateLogMigrations), (d) => openLog(d, retention)),
        idleTimeToLive: options.idleTimeToLive ?? Duration.minutes(5)
      })
      const withLog = <A>(account: AccountId, operation: string, use: (log: Log) => A) => {
        const fail = (cause: unknown) => new UpdateLogError({ operation: `${operation} (${updatesPath(options.accountsDir, account)})`, cause })
        return Effect.scoped(
          Effect.flatMap(Effect.mapError(RcMap.get(logs, account), fail), (log) => Effect.try({ try: () => use(log), catch: fail }))
        )
      }
      return UpdateLog.of({
        state: (account) =>
          withLog(account, "read the followed state", ({ d }): FollowedState | null => {
            const row = d.statement("SELECT pts, qts, date, seq, chain, dialogs_listed FROM state WHERE id = 1").get() as
              | { pts: number; qts: number; date: number; seq: number; chain: string; dialogs_listed: number }
              | undefined
            if (row === undefined) return null
            const channels = new Map<DialogId, ChannelPosition>()
            const rows = d.statement("SELECT channel_id, pts, chain, top FROM channels").all() as Array<
              { channel_id: number; pts: number; chain: string; top: number }
            >
            for (const c of rows) channels.set(DialogId(c.channel_id), { pts: c.pts, chain: c.chain, top: c.top })
            const dialogs = row.dialogs_listed === 0 ? null : new Set(
              (d.statement("SELECT dialog_id FROM dialogs").all() as Array<{ dialog_id: number }>).map((r) => DialogId(r.dialog_id))
            )
            return { common: { pts: row.pts, qts: row.qts, date: row.date, seq: row.seq }, chain: row.chain, channels, dialogs }
          }),
        commit: (account, events, change) =>
          Effect.flatMap(Clock.currentTimeMillis, (now) =>
            withLog(account, "append events", (log) => log.commit(events, change, now))),
        read: (account, after, limit, dialogIds) =>
          withLog(account, "read events", ({ d }) => {
            if (dialogIds == null) {
              return (d.statement("SELECT id, kind, dialog_id, created_at, data FROM events WHERE id > ? ORDER BY id LIMIT ?")
                .all(after, limit) as Array<EventRow>).map(eventOf)
            }
            if (dialogIds.length === 0) return []
            const marks = dialogIds.map(() => "?").join(",")
            return (d.statement(
              `SELECT id, kind, dialog_id, created_at, data FROM events WHERE id > ? AND dialog_id IN (${marks}) ORDER BY id LIMIT ?`
            ).all(after, ...dialogIds, limit) as Array<EventRow>).map(eventOf)
          }),
        bounds: (account) =>
          withLog(account, "read the log's bounds", ({ d }) => {
            const newest = newestId(d)
            const oldest = (d.statement("SELECT min(id) AS id FROM events").get() as { id: number | null }).id
            return { oldest: oldest ?? newest + 1, newest }
          })
      })
    })
  )
