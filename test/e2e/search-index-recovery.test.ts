/**
 * The search index stays consistent with the caches across the failures a
 * real server meets, on the real server process and real files:
 *
 * - killed (SIGKILL) between a page's cache write and its index write: the
 *   next start repairs the index from the cache's record of what was
 *   pending, and the page's messages are found;
 * - caches from before the index (their schema without the pending record,
 *   no search.db): the first start indexes them in the background, says so in
 *   the log, and searches report `index_complete` until it is done.
 */
import * as fs from "node:fs"
import * as path from "node:path"
import Database from "better-sqlite3"
import { afterEach, describe, expect, it } from "vitest"
import { type E2e, startE2e } from "../support/E2e.js"

const CHANNEL = -1000000003001
const ALICE = 1001

interface CacheAnswer {
  readonly total: number
  readonly index_complete: boolean
  readonly results: ReadonlyArray<{ readonly message_id: number; readonly snippet: string }>
}

const dialogDb = (dataDir: string) => path.join(dataDir, "accounts", String(ALICE), "dialogs", String(CHANNEL), `${CHANNEL}.db`)
const searchDb = (dataDir: string) => path.join(dataDir, "accounts", String(ALICE), "search.db")

const cachedIds = (file: string): Array<number> => {
  const db = new Database(file, { readonly: true, fileMustExist: true })
  try {
    return db.prepare("SELECT id FROM messages ORDER BY id").pluck().all() as Array<number>
  } finally {
    db.close()
  }
}

const pendingRecords = (file: string): number => {
  const db = new Database(file, { readonly: true, fileMustExist: true })
  try {
    return (db.prepare("SELECT count(*) AS n FROM index_pending").get() as { n: number }).n
  } finally {
    db.close()
  }
}

const waitUntil = async <A>(what: string, probe: () => Promise<A | undefined> | A | undefined, ms = 20_000): Promise<A> => {
  const deadline = Date.now() + ms
  for (;;) {
    const value = await probe()
    if (value !== undefined) return value
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 50))
  }
}

let e2e: E2e | undefined
afterEach(async () => {
  await e2e?.stop()
  e2e = undefined
})

const drain = async (response: Response) => {
  expect(response.status).toBe(200)
  await response.text()
}

const search = async (q: string): Promise<CacheAnswer> => {
  const response = await e2e!.api(`/api/v3/search/messages/${CHANNEL}?q=${encodeURIComponent(q)}&source=cache`, { session: "alice" })
  expect(response.status).toBe(200)
  return await response.json() as CacheAnswer
}

describe("the search index after a crash", () => {
  it("killed between a page's cache write and its index write: the next start repairs the index", async () => {
    e2e = await startE2e({ scenario: "test/fixtures/sample.json", realism: {} })
    await e2e.login("alice", ALICE)
    // The channel's first day, cached and indexed.
    await drain(await e2e.api(`/api/v3/history/${CHANNEL}?end_date=2024-01-16`, { session: "alice" }))
    expect((await search("bitcoin")).results.map((r) => r.message_id)).toEqual([1])

    // Another writer holds the index: the server's next index write waits for it (SQLite's busy timeout).
    const dataDir = e2e.server.dataDir
    const holder = new Database(searchDb(dataDir))
    holder.exec("BEGIN EXCLUSIVE")
    let released = false
    try {
      // The second day: its page is written to the cache, then the index write waits, and the server is killed.
      const streaming = e2e.api(`/api/v3/history/${CHANNEL}?start_date=2024-01-16&end_date=2024-01-17`, { session: "alice" })
        .then((r) => r.text(), () => "")
      await waitUntil("the cache write of the second day", () => cachedIds(dialogDb(dataDir)).includes(4) ? true : undefined)
      await e2e.server.stop("SIGKILL")
      await streaming
      holder.exec("ROLLBACK")
      holder.close()
      released = true
    } finally {
      if (!released) holder.close()
    }
    // The crash's state on disk: the cache holds the page, and its record says the index lacks it.
    expect(pendingRecords(dialogDb(dataDir))).toBeGreaterThan(0)

    await e2e.restart()
    const found = await waitUntil("the repaired index", async () => {
      const answer = await search("correction")
      return answer.index_complete && answer.total > 0 ? answer : undefined
    })
    expect(found.results.map((r) => r.message_id)).toEqual([4])
    expect(found.results[0]!.snippet).toContain("**Correction**")
    expect((await search("bitcoin")).results.map((r) => r.message_id)).toEqual([1])
    expect(pendingRecords(dialogDb(dataDir))).toBe(0)
  })

  it("caches from before the index are indexed at the first start that has it, in the background, with progress in the log", async () => {
    e2e = await startE2e({ scenario: "test/fixtures/sample.json", realism: {} })
    await e2e.login("alice", ALICE)
    await drain(await e2e.api(`/api/v3/history/${CHANNEL}`, { session: "alice" }))
    const dataDir = e2e.server.dataDir
    await e2e.server.stop()

    // Back to what an earlier release left: no search.db, and the cache's schema without the pending record
    // (and without what later migrations added, which need it first).
    for (const suffix of ["", "-wal", "-shm"]) fs.rmSync(searchDb(dataDir) + suffix, { force: true })
    const old = new Database(dialogDb(dataDir))
    old.exec(
      "DROP TABLE index_pending; DROP INDEX messages_without_details; ALTER TABLE messages DROP COLUMN details; " +
        "DROP TABLE thread_covered; DROP INDEX messages_by_thread; ALTER TABLE messages DROP COLUMN thread_id; " +
        "DROP TABLE follow; DROP TABLE live_deleted; DELETE FROM effect_sql_migrations WHERE migration_id >= 2"
    )
    old.close()

    const server = await e2e.restart()
    const found = await waitUntil("the backfilled index", async () => {
      const answer = await search("bitcoin")
      return answer.index_complete ? answer : undefined
    })
    expect(found.results.map((r) => r.message_id)).toEqual([1])
    expect((await search("correction")).results.map((r) => r.message_id)).toEqual([4])
    await waitUntil("the backfill's log line", () => /search index of account 1001: 1 dialogs ready, \d+ messages indexed/.test(server.output()) ? true : undefined)
    expect(fs.statSync(searchDb(dataDir)).mode & 0o777).toBe(0o600)
  })
})
