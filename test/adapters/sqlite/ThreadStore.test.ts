/** The cache's topics and threads (migration 4): each message filed under its thread, coverage per thread. */
import * as fs from "node:fs/promises"
import * as os from "node:os"
import * as path from "node:path"
import { describe, expect, it } from "@effect/vitest"
import Database from "better-sqlite3"
import { Effect } from "effect"
import { dialogDatabasePath } from "../../../src/adapters/sqlite/DialogLayout.js"
import { MessageStoreLive } from "../../../src/adapters/sqlite/MessageStoreLive.js"
import { AccountId, DialogId } from "../../../src/domain/Ids.js"
import { interval } from "../../../src/domain/Intervals.js"
import { EMPTY_DETAILS } from "../../../src/domain/MessageDetails.js"
import { type DialogKey, MessageStore } from "../../../src/ports/MessageStore.js"
import { message } from "./MessageFixtures.js"

const key: DialogKey = { accountId: AccountId(1001), dialogId: DialogId(-1001234567890) }

const withStore = <A, E>(use: Effect.Effect<A, E, MessageStore>) =>
  Effect.flatMap(
    Effect.acquireRelease(
      Effect.promise(() => fs.mkdtemp(path.join(os.tmpdir(), "tgsc-threads-"))),
      (dir) => Effect.promise(() => fs.rm(dir, { recursive: true, force: true }))
    ),
    (dir) => Effect.provide(use, MessageStoreLive({ accountsDir: dir }))
  )

const inTopic = (id: number, date: number, topic: number) => message(id, date, { details: { ...EMPTY_DETAILS, topicId: topic } })

describe("MessageStoreLive, threads", () => {
  it.scoped("files messages by topic (or reply root), keeps a thread's coverage apart, and unites it with the dialog's", () =>
    withStore(Effect.gen(function*() {
      const store = yield* MessageStore
      const messages = [
        inTopic(1, 100, 1),
        inTopic(2, 110, 5),
        inTopic(3, 120, 5),
        message(4, 130, { replyTo: 2, details: { ...EMPTY_DETAILS, replyToTopId: 9 } }),
        message(5, 140, { replyTo: 2 }),
        message(6, 150, { details: null })
      ]
      yield* store.commitPage(key, { messages, covers: interval(100, 125), replace: null, thread: 5 })
      expect(yield* store.covered(key)).toEqual([])
      expect(yield* store.covered(key, 5)).toEqual([interval(100, 125)])
      const read = (thread: number) =>
        Effect.map(
          store.read(key, { after: { date: 0, id: 0 }, bound: 1000, order: "asc", limit: 10, thread }),
          (rows) => rows.map((r) => r.message.id)
        )
      expect(yield* read(5)).toEqual([2, 3])
      expect(yield* read(1)).toEqual([1])
      expect(yield* read(9)).toEqual([4])
      expect(yield* read(2)).toEqual([5])
      expect([...(yield* store.threadSizes(key)).entries()].sort((a, b) => a[0] - b[0])).toEqual([[1, 1], [2, 1], [5, 2], [9, 1]])
      expect(yield* store.idsAround(key, interval(111, 115), 5)).toEqual({ before: 2, after: 3 })
      // The dialog's coverage covers every thread.
      yield* store.commitPage(key, { messages: [], covers: interval(120, 200), replace: null })
      expect(yield* store.covered(key, 5)).toEqual([interval(100, 200)])
      expect(yield* store.covered(key, 1)).toEqual([interval(120, 200)])
      // A thread's replace deletes only that thread's messages.
      yield* store.commitPage(key, { messages: [inTopic(3, 120, 5)], covers: interval(100, 125), replace: interval(100, 125), thread: 5 })
      expect(yield* read(5)).toEqual([3])
      expect(yield* read(1)).toEqual([1])
    })))

  it.scoped("migration 4 files the rows whose details are known from them; rows without details wait for their refresh", () =>
    Effect.gen(function*() {
      const dir = yield* Effect.acquireRelease(
        Effect.promise(() => fs.mkdtemp(path.join(os.tmpdir(), "tgsc-threads-"))),
        (d) => Effect.promise(() => fs.rm(d, { recursive: true, force: true }))
      )
      const write = Effect.flatMap(MessageStore, (store) =>
        store.commitPage(key, {
          messages: [inTopic(1, 100, 7), message(2, 110, { replyTo: 1 }), message(3, 120, { replyTo: 1, details: null })],
          covers: null,
          replace: null
        }))
      yield* Effect.scoped(Effect.provide(write, MessageStoreLive({ accountsDir: dir })))
      // Back to schema 3, as a cache written before this migration.
      const file = dialogDatabasePath(dir, key.accountId, key.dialogId)
      const db = new Database(file)
      // (Migrations 5's and 6's tables go too: the migrator runs only the migrations above the highest one recorded.)
      db.exec(`DROP INDEX messages_by_thread; DROP TABLE thread_covered; ALTER TABLE messages DROP COLUMN thread_id;
        DROP TABLE follow; DROP TABLE live_deleted; DELETE FROM effect_sql_migrations WHERE migration_id >= 4`)
      db.close()
      const sizes = yield* Effect.scoped(Effect.provide(Effect.flatMap(MessageStore, (s) => s.threadSizes(key)), MessageStoreLive({ accountsDir: dir })))
      expect([...sizes.entries()].sort((a, b) => a[0] - b[0])).toEqual([[1, 1], [7, 1]])
    }))
})
