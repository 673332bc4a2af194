/**
 * The dialog list against a Telegram that lists pinned dialogs of both
 * folders on each folder's first page and the archive as a dialogFolder
 * entry in the main list (the emulator's `pinned_across_folders`). The
 * scenario is many-dialogs.json with half the unpinned dialogs archived
 * (so both folders span several pages) and two archived dialogs pinned.
 * Every dialog must be listed once, in its own folder, with the total,
 * archive and folder filters the scenario alone gives (ScenarioOracle).
 */
import * as fs from "node:fs"
import * as path from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { MANY_DIALOGS_ACCOUNT } from "../fixtures/many-dialogs.js"
import { type E2e, startE2e } from "../support/E2e.js"
import { projectRoot } from "../support/ServerProcess.js"
import { expectDialogs, oracleOf, type RawScenario } from "./ScenarioOracle.js"

const base = JSON.parse(fs.readFileSync(path.join(projectRoot, "test/fixtures/many-dialogs.json"), "utf8")) as RawScenario
const account = base.accounts!.find((a) => a.user === MANY_DIALOGS_ACCOUNT)!
let pinnedArchived = 0
const dialogs = account.dialogs!.map((d, i) => {
  if (d.pinned === true || d.peer === `user:${MANY_DIALOGS_ACCOUNT}`) return d
  const archived = d.archived === true || i % 2 === 0
  const pinned = archived && pinnedArchived < 2 && ++pinnedArchived > 0
  return { ...d, archived, pinned }
})
const scenario = {
  ...base,
  options: { ...(base as { options?: object }).options, realism: { pinned_across_folders: true } },
  accounts: base.accounts!.map((a) => (a === account ? { ...a, dialogs } : a))
} as RawScenario
const oracle = oracleOf(scenario, MANY_DIALOGS_ACCOUNT)

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any

let e2e: E2e

const search = async (query: string): Promise<Json> => {
  const res = await e2e.api(`/api/v3/search/dialogs?limit=500${query === "" ? "" : `&${query}`}`, { session: "morgan" })
  const body = await res.json()
  expect(res.status, JSON.stringify(body)).toBe(200)
  return body
}

beforeAll(async () => {
  e2e = await startE2e({ scenario, serverArgs: ["--dialog-cache-ttl", "600"] })
  await e2e.login("morgan", MANY_DIALOGS_ACCOUNT)
})
afterAll(async () => {
  await e2e?.stop()
})

describe("pinned dialogs of both folders on each folder's first page", () => {
  it("the scenario has pinned dialogs in both folders and more than a page of dialogs in each", () => {
    const listed = oracle.listed
    expect(listed.filter((d) => d.isPinned && d.isArchived).length).toBe(2)
    expect(listed.filter((d) => d.isPinned && !d.isArchived).length).toBeGreaterThan(0)
    expect(listed.filter((d) => d.isArchived).length).toBeGreaterThan(100)
    expect(listed.filter((d) => !d.isArchived).length).toBeGreaterThan(100)
  })

  it("runs with the emulator's pinned_across_folders on (its pages: test/emulator-world/Imperfections.test.ts)", async () => {
    const imperfections = await (await e2e.control("/realism")).json() as Json
    expect(imperfections.pinned_across_folders).toBe(true)
  })

  it("lists every dialog once, with the right total and the right is_archived", async () => {
    const body = await search("")
    const want = expectDialogs(oracle, {})
    const ids = body.results.map((r: Json) => r.id)
    expect(new Set(ids).size).toBe(ids.length)
    expect(ids).toEqual(want.map((h) => h.dialog.id))
    expect(body.total).toBe(want.length)
    expect(body.results.map((r: Json) => r.is_archived)).toEqual(want.map((h) => h.dialog.isArchived))
  })

  it("filters by is_archived and by folder as the scenario says", async () => {
    for (const isArchived of [true, false]) {
      const body = await search(`is_archived=${isArchived}`)
      const want = expectDialogs(oracle, { isArchived })
      expect(body.results.map((r: Json) => r.id)).toEqual(want.map((h) => h.dialog.id))
      expect(body.total).toBe(want.length)
    }
    for (const folder of oracle.folders) {
      const body = await search(`folder=${folder.id}`)
      const want = expectDialogs(oracle, { folder: String(folder.id) })
      expect(body.results.map((r: Json) => r.id), folder.title).toEqual(want.map((h) => h.dialog.id))
    }
  })
})
