/**
 * The account's search index as the SQLite store keeps it, on real files:
 * every commit reflected (new pages, edits, deletions by a replacing page),
 * filters, both orders, two accounts apart, a crash between the cache write
 * and the index write repaired when the dialog is next opened, and caches
 * from before the index backfilled.
 */
import * as fs from "node:fs/promises"
import * as os from "node:os"
import * as path from "node:path"
import { describe, expect, it } from "@effect/vitest"
import Database from "better-sqlite3"
import { Effect, Either, Layer } from "effect"
import { MessageStoreLive } from "../../../src/adapters/sqlite/MessageStoreLive.js"
import { interval } from "../../../src/domain/Intervals.js"
import { parseSearchQuery, toFts5 } from "../../../src/domain/TextSearch.js"
import { AccountId, DialogId } from "../../../src/domain/Ids.js"
import { type DialogKey, MessageStore } from "../../../src/ports/MessageStore.js"
import { type IndexQuery, SearchIndex } from "../../../src/ports/SearchIndex.js"
import { message, photo, webPage } from "./MessageFixtures.js"

const tempDir = Effect.acquireRelease(
  Effect.promise(() => fs.mkdtemp(path.join(os.tmpdir(), "tgsc-search-"))),
  (dir) => Effect.promise(() => fs.rm(dir, { recursive: true, force: true }))
)

const alice = AccountId(1001)
const chat: DialogKey = { accountId: alice, dialogId: DialogId(-1001234567890) }
const other: DialogKey = { accountId: alice, dialogId: DialogId(42) }

const match = (text: string) => toFts5(Either.getOrThrow(parseSearchQuery(text)))

const query = (text: string, overrides: Partial<IndexQuery> = {}): IndexQuery => ({
  match: match(text),
  dialogIds: null,
  from: null,
  until: null,
  senderId: null,
  hasMedia: null,
  mediaCategory: null,
  hasLink: null,
  sort: "date",
  limit: 50,
  offset: 0,
  ...overrides
})

/** The layer built and used once, then closed (a restart of the process, as far as the files can tell). */
const session = <A, E>(dir: string, use: Effect.Effect<A, E, MessageStore | SearchIndex>) =>
  Effect.scoped(Effect.flatMap(Layer.build(MessageStoreLive({ accountsDir: dir })), (ctx) => Effect.provide(use, ctx)))

const ids = (accountId: AccountId, q: IndexQuery) =>
  Effect.flatMap(SearchIndex, (index) => index.search(accountId, q)).pipe(
    Effect.map((a) => ({ total: a.total, ids: a.hits.map((h) => `${h.dialogId}/${h.messageId}`) }))
  )

describe("the search index kept by the store", () => {
  it.scoped("reflects every commit: new pages, edits and deletions, in the same commitPage", () =>
    Effect.flatMap(tempDir, (dir) =>
      session(dir, Effect.gen(function*() {
        const store = yield* MessageStore
        yield* store.commitPage(chat, {
          messages: [message(1, 100, { text: "Bitcoin is up" }), message(2, 200, { text: "nothing here" }), message(3, 300, { text: "bitcoin again" })],
          covers: interval(0, 400),
          replace: null
        })
        expect(yield* ids(alice, query("bitcoin"))).toEqual({ total: 2, ids: [`${chat.dialogId}/3`, `${chat.dialogId}/1`] })
        // An edit: the old words go, the new ones come, and what the filters read is rewritten with them.
        yield* store.commitPage(chat, { messages: [message(1, 100, { text: "Ethereum now at https://example.com", senderId: 9 })], covers: null, replace: null })
        expect((yield* ids(alice, query("bitcoin"))).ids).toEqual([`${chat.dialogId}/3`])
        expect(yield* ids(alice, query("ethereum"))).toEqual({ total: 1, ids: [`${chat.dialogId}/1`] })
        expect((yield* ids(alice, query("ethereum", { senderId: 9, hasLink: true }))).ids).toEqual([`${chat.dialogId}/1`])
        // The same message written again, unchanged, is still one document.
        yield* store.commitPage(chat, { messages: [message(1, 100, { text: "Ethereum now at https://example.com", senderId: 9 })], covers: null, replace: null })
        expect((yield* ids(alice, query("ethereum"))).total).toBe(1)
        // A replacing page without message 3: Telegram no longer has it.
        yield* store.commitPage(chat, { messages: [message(2, 200, { text: "nothing here" })], covers: interval(250, 400), replace: interval(250, 400) })
        expect((yield* ids(alice, query("bitcoin"))).total).toBe(0)
        const states = yield* Effect.flatMap(SearchIndex, (i) => i.states(alice))
        expect(states).toEqual([{ dialogId: chat.dialogId, complete: true }])
      }))))

  it.scoped("filters: dialogs, dates, sender, media, category, links; relevance and paging", () =>
    Effect.flatMap(tempDir, (dir) =>
      session(dir, Effect.gen(function*() {
        const store = yield* MessageStore
        yield* store.commitPage(chat, {
          messages: [
            message(1, 100, { text: "report one", senderId: 7 }),
            message(2, 200, { text: "report two with photo", media: photo("p2") }),
            message(3, 300, { text: "report at https://example.com" }),
            message(4, 400, { text: "report preview", media: webPage })
          ],
          covers: interval(0, 500),
          replace: null
        })
        yield* store.commitPage(other, { messages: [message(1, 150, { text: "report elsewhere" })], covers: interval(0, 500), replace: null })
        const d = chat.dialogId
        expect((yield* ids(alice, query("report"))).total).toBe(5)
        expect((yield* ids(alice, query("report", { dialogIds: [other.dialogId] }))).ids).toEqual([`${other.dialogId}/1`])
        expect((yield* ids(alice, query("report", { from: 150, until: 400 }))).ids).toEqual([`${d}/3`, `${d}/2`, `${other.dialogId}/1`])
        expect((yield* ids(alice, query("report", { senderId: 7 }))).ids).toEqual([`${d}/1`])
        expect((yield* ids(alice, query("report", { hasMedia: true }))).ids).toEqual([`${d}/2`])
        expect((yield* ids(alice, query("report", { mediaCategory: "photos" }))).ids).toEqual([`${d}/2`])
        expect((yield* ids(alice, query("report", { hasLink: true }))).ids).toEqual([`${d}/4`, `${d}/3`])
        expect(yield* ids(alice, query("report", { limit: 2, offset: 1 }))).toEqual({ total: 5, ids: [`${d}/3`, `${d}/2`] })
        const relevance = yield* ids(alice, query("report", { sort: "relevance" }))
        expect(relevance.ids.sort()).toEqual((yield* ids(alice, query("report"))).ids.sort())
        // Another account's index is another file: nothing of alice's is found there.
        expect((yield* ids(AccountId(2002), query("report"))).total).toBe(0)
      }))))

  it.scoped("a crash between the cache write and the index write is repaired when the dialog is next opened", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      yield* session(dir, Effect.flatMap(MessageStore, (s) =>
        s.commitPage(chat, { messages: [message(1, 100, { text: "first words" })], covers: interval(0, 200), replace: null })))
      // What a crash right after the cache's transaction leaves: the message and its pending record, no index write.
      const file = path.join(dir, "1001", "dialogs", String(chat.dialogId), `${chat.dialogId}.db`)
      const db = new Database(file)
      db.transaction(() => {
        db.prepare("INSERT INTO messages (id, date, sender_id, text, is_forwarded) VALUES (2, 150, 1002, 'late words', 0)").run()
        db.prepare("UPDATE messages SET text = 'changed' WHERE id = 1").run()
        db.prepare("INSERT INTO index_pending (ids) VALUES ('2,1')").run()
      })()
      db.close()
      yield* session(dir, Effect.gen(function*() {
        const index = yield* SearchIndex
        // Not opened yet in this process: not counted complete.
        expect(yield* index.states(alice)).toEqual([{ dialogId: chat.dialogId, complete: false }])
        const store = yield* MessageStore
        expect(yield* store.indexStep(chat)).toEqual({ indexed: 0, done: true })
        expect(yield* index.states(alice)).toEqual([{ dialogId: chat.dialogId, complete: true }])
        expect((yield* ids(alice, query("late"))).ids).toEqual([`${chat.dialogId}/2`])
        expect((yield* ids(alice, query("first"))).total).toBe(0)
        expect((yield* ids(alice, query("changed"))).ids).toEqual([`${chat.dialogId}/1`])
      }))
      const check = new Database(file, { readonly: true })
      expect(check.prepare("SELECT count(*) AS n FROM index_pending").get()).toEqual({ n: 0 })
      check.close()
    }))

  it.scoped("caches written before the index existed are backfilled, a batch at a time", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const many = Array.from({ length: 4500 }, (_, i) => message(i + 1, 1000 + i, { text: i % 2 === 0 ? `even ${i}` : `odd ${i}` }))
      yield* Effect.scoped(Effect.flatMap(Layer.build(MessageStoreLive({ accountsDir: dir, searchIndex: false })), (ctx) =>
        Effect.provide(Effect.flatMap(MessageStore, (s) => s.commitPage(chat, { messages: many, covers: interval(0, 9000), replace: null })), ctx)))
      yield* session(dir, Effect.gen(function*() {
        const store = yield* MessageStore
        const index = yield* SearchIndex
        const first = yield* store.indexStep(chat)
        expect(first.done).toBe(false)
        expect(yield* index.states(alice)).toEqual([{ dialogId: chat.dialogId, complete: false }])
        let indexed = first.indexed
        for (;;) {
          const step = yield* store.indexStep(chat)
          indexed += step.indexed
          if (step.done) break
        }
        expect(indexed).toBe(4500)
        expect((yield* ids(alice, query("even"))).total).toBe(2250)
        expect(yield* index.states(alice)).toEqual([{ dialogId: chat.dialogId, complete: true }])
      }))
    }))

  it.scoped("a dialog whose cache was deleted by hand leaves the index at the next prune (the backfill's first step)", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      yield* session(dir, Effect.gen(function*() {
        const store = yield* MessageStore
        yield* store.commitPage(chat, { messages: [message(1, 100, { text: "kept words" })], covers: interval(0, 200), replace: null })
        yield* store.commitPage(other, { messages: [message(1, 100, { text: "lost words" })], covers: interval(0, 200), replace: null })
      }))
      yield* Effect.promise(() => fs.rm(path.join(dir, "1001", "dialogs", String(other.dialogId)), { recursive: true }))
      yield* session(dir, Effect.gen(function*() {
        const store = yield* MessageStore
        expect(yield* store.pruneIndex(alice)).toBe(1)
        expect(yield* store.pruneIndex(alice)).toBe(0)
        expect((yield* ids(alice, query("words"))).ids).toEqual([`${chat.dialogId}/1`])
      }))
    }))
})
