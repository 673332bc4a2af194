/**
 * The MessageStore port over one SQLite database per account and dialog,
 * opened on first use and closed after an idle period (an RcMap keyed by
 * account and dialog). Every write of a page is one transaction: messages,
 * media records and the covered interval land together or not at all.
 * Reads are keyset pages in (date, id) order, so streaming a million cached
 * messages never holds more than one page in memory. Statements go to
 * better-sqlite3 directly (see `openRawDatabase`): every message of a sync
 * passes through here. The page itself is written by PageWrite.ts; the
 * account's search index is written after it (CacheIndexing.ts).
 */
import * as fs from "node:fs/promises"
import * as nodePath from "node:path"
import type Database from "better-sqlite3"
import { Context, Duration, Effect, Layer, RcMap, Runtime } from "effect"
import {
  type CommitResult,
  type DialogKey,
  type MessageCursor,
  MessageStore,
  MessageStoreError,
  type PageCommit
} from "../../ports/MessageStore.js"
import { SearchIndex } from "../../ports/SearchIndex.js"
import {
  backfillStep,
  checkOnOpen,
  forgetPending,
  healthKey,
  makeIndexHealth,
  notePending,
  repairPending
} from "./CacheIndexing.js"
import { dialogMigrations } from "./DialogMigrations.js"
import { IndexQueue } from "./IndexQueue.js"
import { accountDirectory, dialogDatabasePath, searchIndexPath } from "./DialogLayout.js"
import {
  BATCH,
  chunks,
  detailsUnavailableSql,
  type JoinedRow,
  READ_ASC,
  READ_DESC,
  READ_THREAD_ASC,
  READ_THREAD_DESC,
  readByIdsSql,
  storedOfRow,
  WITHOUT_DETAILS_ASC,
  WITHOUT_DETAILS_DESC
} from "./MessageRows.js"
import { applyLiveWrite } from "./LiveWrite.js"
import { commitPageRows, type Committed, readCovered, readThreadCovered, threadIdsAround } from "./PageWrite.js"
import { allDialogRows, forgetDialog, searchMigrations } from "./SearchIndexDb.js"
import { makeSearchIndex } from "./SearchIndexLive.js"
import { openRawDatabase, type RawDatabase } from "./SqliteDatabase.js"
import { AccountId, DialogId } from "../../domain/Ids.js"
import * as Intervals from "../../domain/Intervals.js"
import type { IntervalSet } from "../../domain/Intervals.js"

/** A dialog's open database and its page commit. */
interface Dialog {
  readonly d: RawDatabase
  /** The page and, when there is an index, the record of what the index must reflect: one transaction. */
  readonly commit: Database.Transaction<(page: PageCommit) => Committed & { readonly pending: number | null }>
  /** The account's search index, open while the dialog is; null when the store keeps none. */
  readonly index: RawDatabase | null
  readonly dialogId: number
  /** Its key in the RcMap. */
  readonly name: string
  /** The dialog's key in IndexHealth. */
  readonly health: string
  /**
   * The last pending record the index has confirmed: removed by the next
   * page's transaction (or when the dialog closes) rather than by a
   * transaction of its own. A crash before that only repeats its index write.
   */
  confirmed: number | null
  /** Index writes waiting to be written together; null without an index. */
  readonly queue: IndexQueue | null
}

export interface MessageStoreOptions {
  /** `{data_dir}/accounts` */
  readonly accountsDir: string
  /** How long an unused dialog database stays open. */
  readonly idleTimeToLive?: Duration.DurationInput
  /** Keep each account's full-text index (`search.db`) with the caches; default true. */
  readonly searchIndex?: boolean
}

const fileExists = (path: string) =>
  Effect.promise(() => fs.access(path).then(() => true, () => false))

const logIndexFailure = (key: DialogKey, cause: unknown) =>
  Effect.logWarning(
    `search index of dialog ${key.dialogId}: write failed, repaired on the next write or start: ` +
      (cause instanceof Error ? cause.message : String(cause))
  )

const NUMERIC_NAME = /^-?\d{1,20}$/

/** The entries of a directory that are numeric ids (accounts, dialogs); none when it does not exist. */
const numericEntries = (dir: string) =>
  Effect.promise(() =>
    fs.readdir(dir, { withFileTypes: true }).then(
      (entries) => entries.filter((e) => e.isDirectory() && NUMERIC_NAME.test(e.name)).map((e) => Number(e.name)),
      () => [] as Array<number>
    )
  )

/**
 * The MessageStore and the SearchIndex over the same files: the store writes
 * the index in every commit (adapters/sqlite/CacheIndexing.ts), the index
 * answers queries. One layer, so both share the open index databases and
 * what this process knows of each dialog's index.
 */
export const MessageStoreLive = (options: MessageStoreOptions): Layer.Layer<MessageStore | SearchIndex> =>
  Layer.scopedContext(
    Effect.gen(function*() {
      const pathOf = (key: DialogKey) => dialogDatabasePath(options.accountsDir, key.accountId, key.dialogId)
      const withIndex = options.searchIndex !== false
      const health = makeIndexHealth()
      // For the log lines of index writes made outside any request (a queue written by its timer).
      const runtime = yield* Effect.runtime<never>()
      const idle = options.idleTimeToLive ?? Duration.minutes(1)

      const indexes = yield* RcMap.make({
        lookup: (accountId: number) => openRawDatabase(searchIndexPath(options.accountsDir, accountId), searchMigrations),
        idleTimeToLive: idle
      })

      /**
       * What reads ask for on every cache search, kept in memory: this process writes every cache of the
       * data directory (its lock), so they change only here. Each dialog's covered intervals (from its
       * last read or commit) and each account's dialogs with a cache (complete once listed: `opened` holds
       * those opened while a listing ran, which it may have missed).
       */
      const coveredOf = new Map<string, IntervalSet>()
      const dialogsOf = new Map<number, Set<DialogId>>()
      const opened = new Map<number, Set<DialogId>>()

      /** The dialogs with a cache database on disk (a dialog directory may hold only media). */
      const cachedDialogs = (accountId: number) =>
        Effect.flatMap(numericEntries(nodePath.join(accountDirectory(options.accountsDir, accountId), "dialogs")), (ids) =>
          Effect.filter(ids, (id) => fileExists(pathOf({ accountId: AccountId(accountId), dialogId: DialogId(id) })), { concurrency: 16 }))

      /** The account's dialogs with a cache: listed from disk once, then kept (every cache created is opened here first). */
      const dialogSet = (accountId: number): Effect.Effect<ReadonlySet<DialogId>> => {
        const known = dialogsOf.get(accountId)
        return known !== undefined ? Effect.succeed(known) : Effect.map(cachedDialogs(accountId), (ids) => {
          const listed = dialogsOf.get(accountId) ?? new Set([...ids.map(DialogId), ...(opened.get(accountId) ?? [])])
          dialogsOf.set(accountId, listed)
          return listed
        })
      }

      const databases = yield* RcMap.make({
        lookup: (name: string) =>
          Effect.gen(function*() {
            const key = keyOfName(name)
            const d = yield* openRawDatabase(pathOf(key), dialogMigrations)
            opened.set(key.accountId, (opened.get(key.accountId) ?? new Set<DialogId>()).add(key.dialogId))
            dialogsOf.get(key.accountId)?.add(key.dialogId)
            // The account's index stays open as long as the dialog is (this lookup's scope holds it).
            const index = withIndex ? yield* RcMap.get(indexes, key.accountId) : null
            const healthOf = healthKey(key.accountId, key.dialogId)
            if (index !== null) {
              const checked = yield* Effect.try(() => checkOnOpen(d, index, key.dialogId))
              if (checked.repaired > 0) {
                yield* Effect.logInfo(`search index of dialog ${key.dialogId}: ${checked.repaired} messages repaired`)
              }
              health.dirty.delete(healthOf)
              if (checked.backfilled) health.checked.add(healthOf)
            }
            const queue = index === null ? null : new IndexQueue(index, key.dialogId, (pending) => {
              dialog.confirmed = pending
              health.dirty.delete(healthOf)
            }, (cause) => {
              health.dirty.add(healthOf)
              Runtime.runFork(runtime)(logIndexFailure(key, cause))
            })
            const dialog: Dialog = {
              d,
              index,
              dialogId: key.dialogId,
              name,
              health: healthOf,
              confirmed: null,
              queue,
              // One transaction for the whole page; synchronous, so nothing else in the process runs inside it.
              commit: d.db.transaction((page: PageCommit) => {
                const committed = commitPageRows(d, page)
                if (index === null) return { ...committed, pending: null }
                if (dialog.confirmed !== null) forgetPending(d, dialog.confirmed)
                dialog.confirmed = null
                return { ...committed, pending: notePending(d, [...page.messages.map((m) => m.id), ...committed.gone]) }
              })
            }
            if (queue !== null) health.queues.set(healthOf, queue)
            // Before the database closes (this finalizer runs before openRawDatabase's).
            yield* Effect.addFinalizer(() =>
              Effect.sync(() => {
                health.queues.delete(healthOf)
                queue?.flush()
                if (dialog.confirmed !== null) forgetPending(d, dialog.confirmed)
              }).pipe(Effect.ignore)
            )
            return dialog
          }),
        idleTimeToLive: idle
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
            Effect.mapError(RcMap.get(databases, nameOfKey(key)), fail),
            (database) => Effect.try({ try: () => use(database), catch: fail })
          )
        )
      }

      /**
       * The cache's page, then its index writes queued (IndexQueue.ts), or, after a failed index write, the
       * repair of everything pending; an index failure is logged, never the commit's.
       */
      const commitPage = (database: Dialog, page: PageCommit): { result: CommitResult; indexFailure: unknown } => {
        const { gone, pending, result } = database.commit(page)
        // A thread's commit answers with the thread's covered set, not the dialog's.
        if (page.thread == null) coveredOf.set(database.name, result.covered)
        const { d, index, queue } = database
        if (index === null || queue === null || pending === null) return { result, indexFailure: null }
        if (!health.dirty.has(database.health)) {
          queue.add(page.messages, gone, pending)
          return { result, indexFailure: null }
        }
        try {
          queue.clear()
          repairPending(d, index, database.dialogId)
          health.dirty.delete(database.health)
          return { result, indexFailure: null }
        } catch (cause) {
          // The cache's commit stands; its pending record names what the index lacks.
          health.dirty.add(database.health)
          return { result, indexFailure: cause ?? "unknown error" }
        }
      }

      const store = MessageStore.of({
        exists: (key) => Effect.map(dialogSet(key.accountId), (ids) => ids.has(key.dialogId)),

        covered: (key, thread) => {
          if (thread != null) {
            return withDatabase(key, "read a thread's covered ranges", ({ d }) =>
              Intervals.union(readCovered(d), readThreadCovered(d, thread)))
          }
          const known = coveredOf.get(nameOfKey(key))
          return known !== undefined ? Effect.succeed(known) : withDatabase(key, "read covered ranges", ({ d }) => {
            const covered = readCovered(d)
            coveredOf.set(nameOfKey(key), covered)
            return covered
          })
        },

        summary: (key) =>
          withDatabase(key, "summarize", ({ d }) => {
            const row = d.statement("SELECT count(*) AS n, min(date) AS oldest, max(date) AS newest FROM messages").get() as {
              n: number
              oldest: number | null
              newest: number | null
            }
            return { messages: row.n, oldestDate: row.oldest, newestDate: row.newest }
          }),

        applyLive: (key, write) =>
          Effect.flatMap(withDatabase(key, "apply a live update", (database) => {
            let indexFailure: unknown = null
            const result = applyLiveWrite(database.d, write, (page) => {
              const committed = commitPage(database, page)
              indexFailure = committed.indexFailure
              return committed.result
            })
            return { result, indexFailure }
          }), ({ indexFailure, result }) => indexFailure === null ? Effect.succeed(result) : Effect.as(logIndexFailure(key, indexFailure), result)),

        commitPage: (key, page) =>
          Effect.flatMap(withDatabase(key, "commit page", (database) => commitPage(database, page)), ({ indexFailure, result }) =>
            indexFailure === null ? Effect.succeed(result) : Effect.as(logIndexFailure(key, indexFailure), result)),

        idsAround: (key, range, thread) =>
          withDatabase(key, "read neighbours", ({ d }) => {
            if (thread != null) return threadIdsAround(d, thread, range)
            const before = d.statement("SELECT id FROM messages WHERE date < ? ORDER BY date DESC, id DESC LIMIT 1")
              .get(range.start) as { id: number } | undefined
            const after = d.statement("SELECT id FROM messages WHERE date >= ? ORDER BY date, id LIMIT 1")
              .get(range.end) as { id: number } | undefined
            return { before: before?.id ?? null, after: after?.id ?? null }
          }),

        threadSizes: (key) =>
          withDatabase(key, "count thread messages", ({ d }) =>
            new Map((d.statement("SELECT thread_id, count(*) AS n FROM messages WHERE thread_id IS NOT NULL GROUP BY thread_id")
              .all() as Array<{ thread_id: number; n: number }>).map((r) => [r.thread_id, r.n]))),

        read: (key, request) =>
          withDatabase(key, "read messages", ({ d }) =>
            ((request.thread == null
              ? d.rows(request.order === "asc" ? READ_ASC : READ_DESC).all(
                request.after.date,
                request.after.id,
                request.bound,
                request.limit
              )
              : d.rows(request.order === "asc" ? READ_THREAD_ASC : READ_THREAD_DESC).all(
                request.thread,
                request.after.date,
                request.after.id,
                request.bound,
                request.limit
              )) as Array<JoinedRow>).map(storedOfRow)),

        messagesById: (key, ids) =>
          ids.length === 0 ? Effect.succeed([]) : withDatabase(key, "read messages by id", ({ d }) =>
            chunks(ids, BATCH).flatMap((part) => (d.rows(readByIdsSql(part.length)).all(...part) as Array<JoinedRow>).map(storedOfRow))),

        withoutDetails: (key, range, order, limit) =>
          withDatabase(key, "find messages without details", ({ d }) =>
            d.statement(order === "asc" ? WITHOUT_DETAILS_ASC : WITHOUT_DETAILS_DESC).all(range.start, range.end, limit) as Array<
              MessageCursor
            >),

        detailsUnavailable: (key, ids) =>
          ids.length === 0 ? Effect.void : withDatabase(key, "mark details unavailable", ({ d }) => {
            for (const part of chunks(ids, BATCH)) d.statement(detailsUnavailableSql(part.length)).run(...part)
          }),

        accounts: () => Effect.map(numericEntries(options.accountsDir), (ids) => ids.map(AccountId)),

        dialogs: (accountId) => Effect.map(dialogSet(accountId), (ids) => [...ids]),

        indexStep: (key) =>
          withDatabase(key, "index", (database) => {
            if (database.index === null) return { indexed: 0, done: true }
            database.queue?.flush()
            if (health.dirty.has(database.health)) {
              repairPending(database.d, database.index, database.dialogId)
              health.dirty.delete(database.health)
            }
            const step = backfillStep(database.d, database.index, database.dialogId)
            if (step.done) health.checked.add(database.health)
            return step
          }),

        pruneIndex: (accountId) =>
          !withIndex ? Effect.succeed(0) : Effect.gen(function*() {
            // No index yet: nothing to prune, and none is made for asking.
            if (!(yield* fileExists(searchIndexPath(options.accountsDir, accountId)))) return 0
            const onDisk = new Set<number>(yield* cachedDialogs(accountId))
            return yield* Effect.scoped(Effect.flatMap(RcMap.get(indexes, accountId), (idx) =>
              Effect.sync(() => {
                const gone = allDialogRows(idx).filter((r) => !onDisk.has(r.dialogId))
                for (const row of gone) forgetDialog(idx, row)
                return gone.length
              })))
          }).pipe(Effect.mapError((cause) => new MessageStoreError({ operation: "prune the search index", cause }))),

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

      const search = makeSearchIndex({ enabled: withIndex, indexes, health, dialogsOf: store.dialogs })
      return Context.make(MessageStore, store).pipe(Context.add(SearchIndex, search))
    })
  )

/** RcMap keys: one string per account and dialog. */
const nameOfKey = (key: DialogKey) => `${key.accountId}/${key.dialogId}`

const keyOfName = (name: string): DialogKey & { readonly dialogId: DialogId } => {
  const [account, dialog] = name.split("/")
  return { accountId: AccountId(Number(account)), dialogId: DialogId(Number(dialog)) }
}
