/**
 * Dialog search knows forums (issue 17, item 5): `type=forum` finds the
 * supergroups organised in forum topics, alone or with other types, and
 * every dialog says whether it is one (`is_forum`; a forum's `type` stays
 * `supergroup`). Against the sample scenario's Hiking Club.
 */
import * as fs from "node:fs"
import * as path from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { type E2e, startE2e } from "../support/E2e.js"
import { projectRoot } from "../support/ServerProcess.js"

const SAMPLE = "test/fixtures/sample.json"
const HIKING = -1000000003006

/** The account's dialogs that are forums, from the scenario: its channels marked `forum`. */
const scenario = JSON.parse(fs.readFileSync(path.join(projectRoot, SAMPLE), "utf8")) as {
  readonly channels: ReadonlyArray<{ readonly id: number; readonly forum?: boolean }>
  readonly accounts: ReadonlyArray<{ readonly user: number; readonly dialogs: ReadonlyArray<{ readonly peer: string }> }>
}
const forumIds = scenario.accounts.find((a) => a.user === 1001)!.dialogs
  .map((d) => d.peer.split(":"))
  .filter(([kind, id]) => kind === "channel" && scenario.channels.find((c) => c.id === Number(id))?.forum === true)
  .map(([, id]) => -(1_000_000_000_000 + Number(id)))

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any

let e2e: E2e

beforeAll(async () => {
  e2e = await startE2e({ scenario: SAMPLE })
  await e2e.login("me", 1001)
})

afterAll(async () => {
  await e2e?.stop()
})

const search = async (query: string): Promise<Json> => {
  const res = await e2e.api(`/api/v3/search/dialogs?limit=500&${query}`, { session: "me" })
  const body = await res.json()
  expect(res.status, JSON.stringify(body)).toBe(200)
  return body
}

describe("forums in dialog search", () => {
  it("type=forum finds the forum supergroups only; its type stays supergroup, is_forum true", async () => {
    const body = await search("type=forum")
    expect(forumIds).toEqual([HIKING])
    expect(body.results.map((d: Json) => d.id)).toEqual(forumIds)
    expect(body.results[0]).toMatchObject({ title: "Hiking Club", type: "supergroup", is_forum: true })
  })

  it("with other types, the union; type=supergroup includes the forum", async () => {
    const ids = async (query: string) => ((await search(query)).results as Array<Json>).map((d) => d.id as number).sort()
    for (const other of ["channel", "user", "group"]) {
      const alone = await ids(`type=${other}`)
      expect(alone.length, other).toBeGreaterThan(0)
      expect(await ids(`type=forum&type=${other}`), other).toEqual([...alone, ...forumIds].sort())
    }
    expect(await ids("type=supergroup")).toContain(HIKING)
  })

  it("every dialog says whether it is a forum", async () => {
    const body = await search("")
    expect(body.results.length).toBeGreaterThan(5)
    for (const d of body.results) expect(d.is_forum, d.title).toBe(forumIds.includes(d.id))
  })
})
