/**
 * A cache written by the last release before message details
 * (test/fixtures/release-cache, schema 2) is migrated when the server opens
 * it: its messages show the new fields as null (unknown, never made up)
 * until a history request covering them refreshes them from Telegram by id,
 * without fetching the history again; then they are as fresh ones are.
 */
import * as fs from "node:fs"
import * as path from "node:path"
import Database from "better-sqlite3"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { parseScenario } from "../emulator/Scenario.js"
import { type E2e, startE2e } from "../support/E2e.js"
import { makeTempDir, projectRoot } from "../support/ServerProcess.js"
import { DETAIL_KEYS, expectedDetails } from "./DetailsOracle.js"
import { expectNoError, history, loadFixture, messagesOf } from "./HistoryExpect.js"

const CRYPTO = -1000000003001
const RANGE = "start_date=2024-01-01&end_date=2024-02-01"
const FIXTURE = path.join(projectRoot, "test/fixtures/release-cache")
const DIALOG_DB = "accounts/1001/dialogs/-1000000003001/-1000000003001.db"

const scenario = parseScenario(loadFixture("test/fixtures/sample.json"))
const detailsOf = (m: Record<string, unknown>) => Object.fromEntries(DETAIL_KEYS.map((k) => [k, m[k]]))
const UNKNOWN = Object.fromEntries(DETAIL_KEYS.map((k) => [k, null]))

let e2e: E2e
let dataDir: string

const calls = async (): Promise<Record<string, number>> => (await e2e.control("/calls")).json() as Promise<Record<string, number>>

beforeAll(async () => {
  dataDir = await makeTempDir()
  fs.cpSync(FIXTURE, dataDir, { recursive: true, filter: (source) => !source.endsWith("README.md") })
  e2e = await startE2e({ scenario: "test/fixtures/sample.json", dataDir })
  await e2e.login("me", 1001)
})

afterAll(async () => {
  await e2e?.stop()
})

describe("a cache from the release before message details", () => {
  it("is migrated at start, once; its messages lack the new fields until refreshed", async () => {
    const db = new Database(path.join(dataDir, DIALOG_DB), { readonly: true })
    try {
      const migrations = db.prepare("SELECT migration_id, name FROM effect_sql_migrations ORDER BY migration_id").all()
      expect(migrations).toEqual([
        { migration_id: 1, name: "create_cache" },
        { migration_id: 2, name: "index_pending" },
        { migration_id: 3, name: "message_details" },
        { migration_id: 4, name: "threads" },
        { migration_id: 5, name: "follow" },
        { migration_id: 6, name: "live_deleted" }
      ])
      expect(db.prepare("SELECT id, details FROM messages ORDER BY id").all()).toEqual(
        [1, 2, 3, 4].map((id) => ({ id, details: null }))
      )
    } finally {
      db.close()
    }
  })

  it("cache search shows what the cache holds: the new fields unknown (null), not zeros", async () => {
    const res = await e2e.api(`/api/v3/search/messages/${CRYPTO}?source=cache&q=bitcoin`, { session: "me" })
    const body = await res.json() as { results: Array<Record<string, unknown>> }
    expect(res.status, JSON.stringify(body)).toBe(200)
    expect(body.results.map((r) => r["message_id"])).toEqual([1])
    expect(detailsOf(body.results[0]!)).toEqual(UNKNOWN)
  })

  it("the first history request over them asks Telegram for them by id, not for the history, and streams them complete", async () => {
    await e2e.control("/calls/reset", { method: "POST" })
    const body = await history(e2e, "me", CRYPTO, RANGE)
    expectNoError(body)
    const messages = messagesOf(body)
    expect(messages.map((m) => m.message_id)).toEqual([1, 2, 3, 4])
    for (const m of messages) {
      expect(detailsOf(m as unknown as Record<string, unknown>)).toEqual(expectedDetails(scenario, 1001, "channel:3001", m.message_id))
    }
    // Post 1's reactions include the account's own, its views and forwards the scenario's: the refreshed values.
    expect(messages[0]).toMatchObject({ views: 45012, forwards: 318, discussion_id: -1000000003005 })
    const asked = await calls()
    expect(asked["channels.GetMessages"]).toBe(1)
    expect(asked["messages.GetHistory"] ?? 0).toBe(0)
  })

  it("then they are cached complete: the next request asks Telegram nothing, and cache search shows them too", async () => {
    await e2e.control("/calls/reset", { method: "POST" })
    const again = messagesOf(await history(e2e, "me", CRYPTO, RANGE))
    expect(again.map((m) => detailsOf(m as unknown as Record<string, unknown>))).toEqual(
      [1, 2, 3, 4].map((id) => expectedDetails(scenario, 1001, "channel:3001", id))
    )
    const asked = await calls()
    expect(asked["channels.GetMessages"] ?? 0).toBe(0)
    expect(asked["messages.GetHistory"] ?? 0).toBe(0)
    const res = await e2e.api(`/api/v3/search/messages/${CRYPTO}?source=cache&q=bitcoin`, { session: "me" })
    const found = (await res.json() as { results: Array<Record<string, unknown>> }).results
    expect(detailsOf(found[0]!)).toEqual(expectedDetails(scenario, 1001, "channel:3001", 1))
  })
})
