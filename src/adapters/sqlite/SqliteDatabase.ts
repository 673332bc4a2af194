/**
 * Opens one SQLite file (creating it and its directory private to the
 * owner: 0600 and 0700), in WAL mode, and brings
 * its schema up to date with SqliteMigrator before anyone uses it. The
 * database closes with the scope it was opened in.
 */
import * as nodePath from "node:path"
import * as Reactivity from "@effect/experimental/Reactivity"
import * as SqlClient from "@effect/sql/SqlClient"
import { SqliteClient, SqliteMigrator } from "@effect/sql-sqlite-node"
import Database from "better-sqlite3"
import { Effect, type Scope } from "effect"
import { makePrivateDir, touchPrivateFile } from "../fs/PrivateFiles.js"

export type Migrations = Record<string, Effect.Effect<void, unknown, SqlClient.SqlClient>>

/** Migrations need nothing beyond the client: no schema dumps, so no sqlite3 binary or file system. */
const migrate = SqliteMigrator.make({})

export const openDatabase = (
  filename: string,
  migrations: Migrations
): Effect.Effect<SqlClient.SqlClient, unknown, Scope.Scope> =>
  Effect.gen(function*() {
    // SQLite would create the file 0644; made first, 0600, it also sets the mode of the -wal and -shm files.
    yield* Effect.tryPromise(async () => {
      await makePrivateDir(nodePath.dirname(filename))
      await touchPrivateFile(filename)
    })
    const sql = yield* SqliteClient.make({ filename }).pipe(Effect.provideServiceEffect(Reactivity.Reactivity, Reactivity.make))
    // WAL (set by the client) makes NORMAL durable against process crashes; only a power loss can drop the last commits.
    yield* sql.unsafe("PRAGMA synchronous = NORMAL")
    yield* sql.unsafe("PRAGMA busy_timeout = 5000")
    // better-sqlite3 builds SQLite with a 16 MB page cache per connection; one is open per dialog in use, and
    // streaming reads pages once, in order, from the operating system's file cache: SQLite's default 2 MB is plenty.
    yield* sql.unsafe("PRAGMA cache_size = -2000")
    yield* migrate({ loader: SqliteMigrator.fromRecord(migrations) }).pipe(
      Effect.provideService(SqlClient.SqlClient, sql)
    )
    return sql
  })

/** A better-sqlite3 connection with its prepared statements, each prepared once. */
export interface RawDatabase {
  readonly db: Database.Database
  /** The statement for `sql`, prepared on first use. */
  readonly statement: (sql: string) => Database.Statement
  /** The same, returning rows as arrays (in column order) rather than objects. */
  readonly rows: (sql: string) => Database.Statement
}

/**
 * The same database, brought up to date as `openDatabase` does (its
 * connection closed once the migrations ran), then opened with
 * better-sqlite3 directly, for code on hot paths: a statement through
 * @effect/sql costs some 20 to 40 microseconds of effect machinery (spans,
 * statement compiling, a prepared-statement cache behind an effect), one
 * through better-sqlite3 one or two. The connection is closed with the
 * scope. Every call on it is synchronous, so a transaction
 * (`db.transaction`) never interleaves with anything else in the process.
 */
const MAX_PREPARED = 200

export const openRawDatabase = (
  filename: string,
  migrations: Migrations
): Effect.Effect<RawDatabase, unknown, Scope.Scope> =>
  Effect.gen(function*() {
    yield* Effect.scoped(openDatabase(filename, migrations))
    const db = yield* Effect.acquireRelease(
      Effect.try(() => {
        const db = new Database(filename)
        db.pragma("journal_mode = WAL")
        db.pragma("synchronous = NORMAL")
        db.pragma("busy_timeout = 5000")
        db.pragma("cache_size = -2000")
        return db
      }),
      (db) => Effect.sync(() => db.close())
    )
    const cached = (raw: boolean) => {
      const prepared = new Map<string, Database.Statement>()
      return (sql: string) => {
        let statement = prepared.get(sql)
        if (statement === undefined) {
          // Multi-row statements differ by their number of rows: the least recently prepared go first.
          if (prepared.size >= MAX_PREPARED) prepared.delete(prepared.keys().next().value!)
          statement = db.prepare(sql)
          if (raw) statement.raw(true)
          prepared.set(sql, statement)
        }
        return statement
      }
    }
    return { db, statement: cached(false), rows: cached(true) }
  })
