/**
 * GET /api/v3/folders?include_dialogs=true end to end (issue 17, item 4):
 * each folder carries exactly what `GET /api/v3/search/dialogs?folder=<id>`
 * finds, in that search's default order, under the request's scope (a
 * scoped token sees only the folders and dialogs its scope admits); without
 * the parameter the answer is unchanged; a bad value is a 400 naming it.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { ALICE, type McpWorld, startMcpWorld } from "../mcp/McpFixture.js"
import { createToken } from "../support/TokenCli.js"

const ADMIN = "folder-dialogs-admin-5521"
const SESSION = ALICE
const CRYPTO = -1000000003001

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any

let w: McpWorld

beforeAll(async () => {
  w = await startMcpWorld({ env: { TGSC_API_TOKEN: ADMIN }, big: false })
  await w.login(SESSION, 1001)
}, 60_000)

afterAll(async () => {
  await w?.stop()
})

const get = async (target: string, token = ADMIN): Promise<{ status: number; body: Json }> => {
  const res = await fetch(w.url + target, { headers: { authorization: `Bearer ${token}`, "x-telegram-username": SESSION } })
  return { status: res.status, body: await res.json() }
}

/** The ids `search/dialogs?folder=<id>` finds, all of them, in its default order. */
const searchIds = async (folder: number, token = ADMIN): Promise<Array<number>> => {
  const res = await get(`/api/v3/search/dialogs?folder=${folder}&limit=500`, token)
  expect(res.status).toBe(200)
  expect(res.body.total).toBe(res.body.results.length)
  return res.body.results.map((d: Json) => d.id)
}

describe("GET /api/v3/folders?include_dialogs=true", () => {
  it("without the parameter, or with false, the answer is the folder list alone", async () => {
    const plain = await get("/api/v3/folders")
    expect(plain.status).toBe(200)
    expect(plain.body.length).toBeGreaterThan(1)
    for (const folder of plain.body) expect(Object.keys(folder).sort()).toEqual(["id", "is_default", "title"])
    expect(await get("/api/v3/folders?include_dialogs=false")).toEqual(plain)
  })

  it("each folder's dialogs are its dialog search results, same objects, same order", async () => {
    const plain = await get("/api/v3/folders")
    const withDialogs = await get("/api/v3/folders?include_dialogs=true")
    expect(withDialogs.status).toBe(200)
    expect(withDialogs.body.map(({ dialogs: _, ...folder }: Json) => folder)).toEqual(plain.body)
    let some = 0
    for (const folder of withDialogs.body) {
      expect(folder.dialogs.map((d: Json) => d.id), folder.title).toEqual(await searchIds(folder.id))
      const search = await get(`/api/v3/search/dialogs?folder=${folder.id}&limit=500`)
      expect(folder.dialogs, folder.title).toEqual(search.body.results)
      some += folder.dialogs.length
    }
    expect(some).toBeGreaterThan(0)
  })

  it("a scoped token sees only the folders and dialogs its scope admits", async () => {
    const dataDir = w.server.dataDir
    const work = await createToken(dataDir, "work", ["--session", SESSION, "--scope", "folder:Work"])
    const inWork = await get("/api/v3/folders?include_dialogs=true", work)
    expect(inWork.status).toBe(200)
    expect(inWork.body.map((f: Json) => f.title)).toEqual(["Work"])
    const ids = inWork.body[0].dialogs.map((d: Json) => d.id)
    expect(ids.length).toBeGreaterThan(0)
    expect(ids).toEqual(await searchIds(inWork.body[0].id, work))
    expect(ids).toEqual(await searchIds(inWork.body[0].id))

    const one = await createToken(dataDir, "one", ["--session", SESSION, "--scope", `dialog:${CRYPTO}`, "--scope", "folder:Work"])
    const mixed = await get("/api/v3/folders?include_dialogs=true", one)
    expect(mixed.status).toBe(200)
    for (const folder of mixed.body) {
      expect(folder.dialogs.map((d: Json) => d.id), folder.title).toEqual(await searchIds(folder.id, one))
    }
  })

  it("400 naming the parameter for a bad value", async () => {
    const bad = await get("/api/v3/folders?include_dialogs=maybe")
    expect(bad.status).toBe(400)
    expect(JSON.stringify(bad.body)).toContain("include_dialogs")
  })

  it("shows in /openapi.json", async () => {
    const spec = await get("/openapi.json")
    const params = spec.body.paths["/api/v3/folders"].get.parameters.map((p: Json) => p.name)
    expect(params).toContain("include_dialogs")
    expect(JSON.stringify(spec.body.components.schemas.Folder)).toContain("dialogs")
  })
})
