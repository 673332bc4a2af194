/** The SQLite message cache on real files in a temporary directory. */
import * as fs from "node:fs/promises"
import * as os from "node:os"
import * as path from "node:path"
import { describe, expect, it } from "@effect/vitest"
import Database from "better-sqlite3"
import { Effect, Layer } from "effect"
import { MessageStoreLive } from "../../../src/adapters/sqlite/MessageStoreLive.js"
import { interval } from "../../../src/domain/Intervals.js"
import type { MessageRecord } from "../../../src/domain/Message.js"
import { type DialogKey, MessageStore, type ReadRequest } from "../../../src/ports/MessageStore.js"
import { document, message, photo, webPage } from "./MessageFixtures.js"
import { AccountId, DialogId, MessageId } from "../../../src/domain/Ids.js"

const tempDir = Effect.acquireRelease(
  Effect.promise(() => fs.mkdtemp(path.join(os.tmpdir(), "tgsc-store-"))),
  (dir) => Effect.promise(() => fs.rm(dir, { recursive: true, force: true }))
)

const withStore = <A, E>(use: (dir: string) => Effect.Effect<A, E, MessageStore>) =>
  Effect.flatMap(tempDir, (dir) => Effect.provide(use(dir), MessageStoreLive({ accountsDir: dir })))

const key: DialogKey = { accountId: AccountId(1001), dialogId: DialogId(-1001234567890) }

const readAll = (k: DialogKey, order: "asc" | "desc", pageSize = 2) =>
  Effect.gen(function*() {
    const store = yield* MessageStore
    const out: Array<number> = []
    let request: ReadRequest = order === "asc"
      ? { after: { date: 0, id: 0 }, bound: Number.MAX_SAFE_INTEGER, order, limit: pageSize }
      : { after: { date: Number.MAX_SAFE_INTEGER, id: 0 }, bound: 0, order, limit: pageSize }
    for (;;) {
      const page = yield* store.read(k, request)
      if (page.length === 0) return out
      out.push(...page.map((m) => m.message.id))
      const last = page[page.length - 1]!.message
      request = { ...request, after: { date: last.date, id: last.id } }
    }
  })

describe("MessageStoreLive", () => {
  it.scoped("creates {accounts}/{account}/dialogs/{dialog}/{dialog}.db with the migrated schema, only when written", () =>
    withStore((dir) =>
      Effect.gen(function*() {
        const store = yield* MessageStore
        const file = path.join(dir, "1001", "dialogs", "-1001234567890", "-1001234567890.db")
        expect(yield* store.exists(key)).toBe(false)
        yield* store.commitPage(key, { messages: [message(1, 100)], covers: interval(0, 200), replace: null })
        expect(yield* store.exists(key)).toBe(true)
        const db = new Database(file, { readonly: true })
        try {
          const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all()
          expect(tables.map((t: any) => t.name)).toEqual(["covered", "effect_sql_migrations", "follow", "index_pending", "live_deleted", "media", "messages", "thread_covered"])
          expect(db.prepare("SELECT migration_id, name FROM effect_sql_migrations").all()).toEqual([
            { migration_id: 1, name: "create_cache" },
            { migration_id: 2, name: "index_pending" },
            { migration_id: 3, name: "message_details" },
            { migration_id: 4, name: "threads" },
            { migration_id: 5, name: "follow" },
            { migration_id: 6, name: "live_deleted" }
          ])
          expect(db.pragma("journal_mode", { simple: true })).toBe("wal")
        } finally {
          db.close()
        }
      })
    ))

  it.scoped("reopening an existing database keeps its data and does not migrate again", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const once = (effect: Effect.Effect<any, any, MessageStore>) =>
        Effect.scoped(Layer.build(MessageStoreLive({ accountsDir: dir })).pipe(
          Effect.flatMap((ctx) => Effect.provide(effect, ctx))
        ))
      yield* once(Effect.flatMap(MessageStore, (s) =>
        s.commitPage(key, { messages: [message(1, 100)], covers: interval(50, 150), replace: null })))
      const covered = yield* once(Effect.flatMap(MessageStore, (s) => s.covered(key)))
      expect(covered).toEqual([interval(50, 150)])
    }))

  it.scoped("a page and the interval it proves are committed together", () =>
    withStore(() =>
      Effect.gen(function*() {
        const store = yield* MessageStore
        yield* store.commitPage(key, { messages: [message(1, 10), message(2, 20)], covers: interval(0, 25), replace: null })
        const after = yield* store.commitPage(key, { messages: [message(3, 30)], covers: interval(25, 40), replace: null })
        expect(after.covered).toEqual([interval(0, 40)])
        expect(yield* store.covered(key)).toEqual([interval(0, 40)])
        expect(yield* readAll(key, "asc")).toEqual([1, 2, 3])
      })
    ))

  it.scoped("a failing page leaves neither its messages nor its interval behind", () =>
    withStore(() =>
      Effect.gen(function*() {
        const store = yield* MessageStore
        yield* store.commitPage(key, { messages: [message(1, 10)], covers: interval(0, 15), replace: null })
        // STRICT tables refuse text in an INTEGER column: the second row fails after the first was written.
        const bad = { ...message(3, 30), replyTo: "oops" as unknown as number }
        const result = yield* Effect.either(
          store.commitPage(key, { messages: [message(2, 20), bad], covers: interval(15, 40), replace: null })
        )
        expect(result._tag).toBe("Left")
        if (result._tag === "Left") expect(result.left._tag).toBe("MessageStoreError")
        expect(yield* store.covered(key)).toEqual([interval(0, 15)])
        expect(yield* readAll(key, "asc")).toEqual([1])
      })
    ))

  it.scoped("keyset reads page in (date, id) order both ways, within bounds, with several messages per second", () =>
    withStore(() =>
      Effect.gen(function*() {
        const store = yield* MessageStore
        const messages = [message(5, 100), message(1, 50), message(3, 100), message(4, 100), message(7, 300), message(6, 200)]
        yield* store.commitPage(key, { messages, covers: null, replace: null })
        expect(yield* readAll(key, "asc", 2)).toEqual([1, 3, 4, 5, 6, 7])
        expect(yield* readAll(key, "desc", 2)).toEqual([7, 6, 5, 4, 3, 1])
        const window = yield* store.read(key, { after: { date: 100, id: 3 }, bound: 300, order: "asc", limit: 10 })
        expect(window.map((m) => m.message.id)).toEqual([4, 5, 6])
        const back = yield* store.read(key, { after: { date: 200, id: 6 }, bound: 100, order: "desc", limit: 10 })
        expect(back.map((m) => m.message.id)).toEqual([5, 4, 3])
      })
    ))

  it.scoped("round-trips every field of a message", () =>
    withStore(() =>
      Effect.gen(function*() {
        const store = yield* MessageStore
        const full: MessageRecord = message(42, 1_700_000_000, {
          editDate: 1_700_000_100,
          senderId: -1001234567890,
          senderFirstName: "Crypto News",
          senderLastName: "X",
          senderUsername: "cryptonews",
          text: "héllo\nwörld 👋",
          replyTo: 41,
          postAuthor: "Editor",
          isForwarded: true,
          forwardedFromChannelId: -1009876543210,
          media: document("d1", { category: "videos", size: 123456, fileName: "clip.mp4", mimeType: "video/mp4" })
        })
        const plain = message(43, 1_700_000_001, { media: webPage })
        yield* store.commitPage(key, { messages: [full, plain], covers: null, replace: null })
        const [a, b] = yield* store.read(key, { after: { date: 0, id: 0 }, bound: 2_000_000_000, order: "asc", limit: 10 })
        expect(a!.message).toEqual(full)
        expect(a!.media).toMatchObject({ messageId: 42, type: "MessageMediaDocument", category: "videos", status: "pending" })
        expect(a!.media!.uuid).toMatch(/^[0-9a-f-]{36}$/)
        expect(b!.message).toEqual(plain)
        expect(b!.media).toBeNull()
      })
    ))

  it.scoped("media uuids are stable across re-stores; a changed file keeps the uuid but is downloaded again", () =>
    withStore(() =>
      Effect.gen(function*() {
        const store = yield* MessageStore
        const read = store.read(key, { after: { date: 0, id: 0 }, bound: 1000, order: "asc", limit: 10 })
        yield* store.commitPage(key, { messages: [message(1, 10, { media: photo("p1") }), message(2, 20, { media: photo("p2") }), message(3, 30, { media: photo("p3") })], covers: null, replace: null })
        const first = yield* read
        yield* store.updateMedia(key, MessageId(1), { status: "downloaded", reason: null, storedName: "x.jpg" })
        yield* store.updateMedia(key, MessageId(2), { status: "skipped", reason: "download_media is off", storedName: null })
        const again = yield* store.commitPage(key, {
          messages: [
            message(1, 10, { text: "edited", media: photo("p1") }),
            message(2, 20, { media: photo("p2-new") }),
            message(3, 30)
          ],
          covers: null,
          replace: null
        })
        const second = yield* read
        expect(second[0]!.media).toMatchObject({ uuid: first[0]!.media!.uuid, status: "downloaded", storedName: "x.jpg" })
        expect(second[0]!.message.text).toBe("edited")
        expect(second[1]!.media).toMatchObject({ uuid: first[1]!.media!.uuid, status: "pending", fileId: "photo:p2-new", reason: null })
        expect(second[2]!.media).toBeNull()
        expect(again.droppedMedia.map((m) => m.uuid)).toEqual([first[2]!.media!.uuid])
      })
    ))

  it.scoped("a commit answers the read that follows it exactly as the read would, unless other messages lie in the window", () =>
    withStore(() =>
      Effect.gen(function*() {
        const store = yield* MessageStore
        // Media of every kind of change: new, same file refreshed (its download state kept), file replaced, removed.
        yield* store.commitPage(key, {
          messages: [message(2, 20, { media: photo("p2") }), message(3, 30, { media: photo("p3") }), message(4, 30, { media: photo("p4") })],
          covers: null,
          replace: null
        })
        yield* store.updateMedia(key, MessageId(2), { status: "downloaded", reason: null, storedName: "two.jpg" })
        const page = [
          message(2, 20, { text: "edited", media: photo("p2") }),
          message(3, 30, { media: photo("p3-new") }),
          message(4, 30),
          message(6, 40, { media: webPage }),
          message(5, 40, { media: document("d5", { fileName: "five.pdf" }) }),
          message(7, 50, { forwardedFromChannelId: -1009, isForwarded: true, replyTo: 3 }),
          message(8, 60)
        ]
        for (const order of ["asc", "desc"] as const) {
          const window = order === "asc"
            ? { after: { date: 20, id: 1 }, bound: 60, order }
            : { after: { date: 50, id: 8 }, bound: 20, order }
          const result = yield* store.commitPage(key, { messages: page, covers: null, replace: null, window })
          const read = yield* store.read(key, { ...window, limit: 100 })
          expect(read.map((m) => m.message.id)).toEqual(order === "asc" ? [2, 3, 4, 5, 6, 7] : [7, 6, 5, 4, 3, 2])
          expect(result.window).toEqual(read)
        }
        // A message of the window not in the page (stored earlier): the commit leaves the read to the caller.
        yield* store.commitPage(key, { messages: [message(9, 45)], covers: null, replace: null })
        const result = yield* store.commitPage(key, {
          messages: page,
          covers: null,
          replace: null,
          window: { after: { date: 0, id: 0 }, bound: 60, order: "asc" }
        })
        expect(result.window).toBeNull()
        // None asked for, none given.
        expect((yield* store.commitPage(key, { messages: page, covers: null, replace: null })).window).toBeNull()
      })
    ))

  it.scoped("replace makes a range exactly the given messages: edits applied, deleted ones gone, the rest untouched", () =>
    withStore(() =>
      Effect.gen(function*() {
        const store = yield* MessageStore
        const before = [1, 2, 3, 4, 5, 6].map((id) => message(id, id * 10, id === 4 ? { media: photo("p4") } : {}))
        yield* store.commitPage(key, { messages: before, covers: interval(0, 100), replace: null })
        const uuid4 = (yield* store.read(key, { after: { date: 0, id: 0 }, bound: 100, order: "asc", limit: 10 }))[3]!.media!.uuid
        const result = yield* store.commitPage(key, {
          messages: [message(2, 20, { text: "edited", editDate: 25 }), message(3, 30)],
          covers: interval(15, 45),
          replace: interval(15, 45)
        })
        expect(result.droppedMedia.map((m) => m.uuid)).toEqual([uuid4])
        const after = yield* store.read(key, { after: { date: 0, id: 0 }, bound: 100, order: "asc", limit: 10 })
        expect(after.map((m) => m.message.id)).toEqual([1, 2, 3, 5, 6])
        expect(after[1]!.message).toMatchObject({ text: "edited", editDate: 25 })
        expect(yield* store.covered(key)).toEqual([interval(0, 100)])
        // Replacing without recording coverage (a range too recent to settle) still deletes what is gone.
        yield* store.commitPage(key, { messages: [message(6, 60)], covers: null, replace: interval(50, 200) })
        const last = yield* store.read(key, { after: { date: 0, id: 0 }, bound: 100, order: "asc", limit: 10 })
        expect(last.map((m) => m.message.id)).toEqual([1, 2, 3, 6])
        expect(yield* store.covered(key)).toEqual([interval(0, 100)])
      })
    ))

  it.scoped("exists: caches already on disk, none for a dialog directory without a database, and one created since the listing", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const mediaOnly: DialogKey = { accountId: key.accountId, dialogId: DialogId(1002) }
      const later: DialogKey = { accountId: key.accountId, dialogId: DialogId(1003) }
      const store = Layer.fresh(MessageStoreLive({ accountsDir: dir }))
      yield* Effect.provide(Effect.flatMap(MessageStore, (s) =>
        s.commitPage(key, { messages: [message(1, 100)], covers: interval(0, 200), replace: null })), store)
      yield* Effect.promise(() => fs.mkdir(path.join(dir, "1001", "dialogs", "1002", "media"), { recursive: true }))
      yield* Effect.provide(Effect.gen(function*() {
        const s = yield* MessageStore
        expect(yield* s.exists(key)).toBe(true)
        expect(yield* s.exists(mediaOnly)).toBe(false)
        expect(yield* s.exists(later)).toBe(false)
        yield* s.commitPage(later, { messages: [message(2, 100)], covers: null, replace: null })
        expect(yield* s.exists(later)).toBe(true)
        expect([...(yield* s.dialogs(key.accountId))].sort()).toEqual([later.dialogId, key.dialogId].sort())
      }), store)
    }))

  it.scoped("dialogs and accounts are separate databases", () =>
    withStore(() =>
      Effect.gen(function*() {
        const store = yield* MessageStore
        const other: DialogKey = { accountId: AccountId(2002), dialogId: key.dialogId }
        yield* store.commitPage(key, { messages: [message(1, 10)], covers: interval(0, 20), replace: null })
        expect(yield* store.exists(other)).toBe(false)
        yield* store.commitPage(other, { messages: [message(9, 10)], covers: interval(5, 6), replace: null })
        expect(yield* readAll(other, "asc")).toEqual([9])
        expect(yield* store.covered(other)).toEqual([interval(5, 6)])
        expect(yield* readAll(key, "asc")).toEqual([1])
      })
    ))

  it.scoped("writes a large page set in one transaction per page and reads it back in order", () =>
    withStore(() =>
      Effect.gen(function*() {
        const store = yield* MessageStore
        for (let page = 0; page < 20; page++) {
          const messages = Array.from({ length: 100 }, (_, k) => message(page * 100 + k + 1, 1000 + page * 100 + k))
          yield* store.commitPage(key, { messages, covers: interval(1000 + page * 100, 1100 + page * 100), replace: null })
        }
        const ids = yield* readAll(key, "asc", 500)
        expect(ids.length).toBe(2000)
        expect(ids.every((id, k) => id === k + 1)).toBe(true)
        expect(yield* store.covered(key)).toEqual([interval(1000, 3000)])
      })
    ))
})
