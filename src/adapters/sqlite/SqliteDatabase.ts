/**
 * Opens one SQLite file (creating its directory), in WAL mode, and brings
 * its schema up to date with SqliteMigrator before anyone uses it. The
 * database closes with the scope it was opened in.
 */
import * as fs from "node:fs/promises"
import * as nodePath from "node:path"
import * as Reactivity from "@effect/experimental/Reactivity"
import * as SqlClient from "@effect/sql/SqlClient"
import { SqliteClient, SqliteMigrator } from "@effect/sql-sqlite-node"
import { Effect, type Scope } from "effect"

export type Migrations = Record<string, Effect.Effect<void, unknown, SqlClient.SqlClient>>

/** Migrations need nothing beyond the client: no schema dumps, so no sqlite3 binary or file system. */
const migrate = SqliteMigrator.make({})

export const openDatabase = (
  filename: string,
  migrations: Migrations
): Effect.Effect<SqlClient.SqlClient, unknown, Scope.Scope> =>
  Effect.gen(function*() {
    yield* Effect.tryPromise(() => fs.mkdir(nodePath.dirname(filename), { recursive: true }))
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
