/**
 * search_messages over the cache (source cache or auto) through the official
 * MCP SDK client on the server's /mcp: the same object as the REST cache
 * search (which the SDK checks against the tool's outputSchema), a text
 * rendering with the snippets and the dialogs the cache could not answer
 * for, the REST API's wording for bad arguments, and X-Tgsc-Scope keeping
 * hits and coverage of other dialogs out.
 */
import type { Client } from "@modelcontextprotocol/sdk/client/index.js"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { ALICE, type McpWorld, startMcpWorld, textOf } from "./McpFixture.js"

const TOKEN = "mcp-local-search-token"
const CRYPTO = -1000000003001
const BOB_CHAT = 1002

let w: McpWorld
let client: Client

const rest = async (path: string) => {
  const response = await fetch(w.url + path, { headers: { authorization: `Bearer ${TOKEN}`, "x-telegram-username": ALICE } })
  return { status: response.status, body: await response.json() as any }
}
const cacheHistory = async (dialogId: number) => {
  const response = await fetch(`${w.url}/api/v3/history/${dialogId}`, {
    headers: { authorization: `Bearer ${TOKEN}`, "x-telegram-username": ALICE }
  })
  expect(response.status).toBe(200)
  await response.text()
}
const call = (c: Client, args: Record<string, unknown>) => c.callTool({ name: "search_messages", arguments: args }) as Promise<any>

beforeAll(async () => {
  w = await startMcpWorld({ env: { TGSC_API_TOKEN: TOKEN }, big: false })
  await w.login(ALICE, 1001)
  client = await w.connect(ALICE)
  await cacheHistory(CRYPTO)
  await cacheHistory(BOB_CHAT)
}, 60_000)

afterAll(async () => {
  await w?.stop()
})

describe("search_messages with source cache or auto", () => {
  it("answers the REST cache search's object, and renders snippets and a fully covered range", async () => {
    const result = await call(client, { query: "bitcoin", source: "cache", dialog_id: CRYPTO, start_date: "2024-06-01" })
    expect(result.isError).toBeFalsy()
    const same = await rest(`/api/v3/search/messages/${CRYPTO}?q=bitcoin&source=cache&start_date=2024-06-01`)
    expect(same.status).toBe(200)
    expect(result.structuredContent).toEqual(same.body)
    expect(result.structuredContent.results.map((r: any) => [r.message_id, r.origin])).toEqual([[1, "cache"]])
    expect(result.structuredContent.coverage[0].gaps).toEqual([])
    const text = textOf(result)
    expect(text).toMatch(/^1 messages match "bitcoin" \(source cache, sort date\); results 1-1:/)
    expect(text).toContain("**#1** · 2024-01-15 14:30:00 · Crypto News (dialog_id -1000000003001)")
    expect(text).toMatch(/```text\n[^\n]*Bitcoin[^\n]*\n```/i)
    expect(text).toContain("The cache holds the whole range for the 1 dialog(s) searched.")
  })

  it("says which dialogs have gaps; the filters and paging are the REST API's", async () => {
    const args = { query: "see", source: "cache", end_date: "2024-01-01", has_media: true, sort: "relevance", offset: 0, limit: 5 }
    const result = await call(client, args)
    const same = await rest("/api/v3/search/messages?q=see&source=cache&end_date=2024-01-01&has_media=true&sort=relevance&offset=0&limit=5")
    expect(result.structuredContent).toEqual(same.body)
    expect(result.structuredContent.results.map((r: any) => [r.dialog_id, r.message_id, r.media_category])).toEqual([[BOB_CHAT, 7, "files"]])
    const text = textOf(result)
    expect(text).toContain("Not in the cache, so not searched:")
    expect(text).toMatch(/- Bob Builder \(dialog_id 1002\): \[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d, now\)/)
    expect(text).toContain("ensure: true fetches these first")
    const auto = await call(client, { query: "story", source: "auto", dialog_ids: [CRYPTO, BOB_CHAT] })
    expect(auto.structuredContent.source).toBe("auto")
    expect(auto.structuredContent.results.map((r: any) => r.message_id)).toEqual([2])
  })

  it("answers bad arguments in the REST wording", async () => {
    const expectError = async (args: Record<string, unknown>, detail: string | RegExp) => {
      const result = await call(client, args)
      expect(result.isError).toBe(true)
      expect(textOf(result)).toMatch(detail)
    }
    await expectError({ query: "x", has_link: true }, /^Argument 'has_link' needs source cache or auto/)
    await expectError({ query: "x", source: "telegram", folder: "Work", offset: 1 }, /^Arguments 'folder', 'offset' need source cache or auto/)
    await expectError({ query: "x", source: "disk" }, /^Invalid argument 'source': must be one of telegram, cache, auto/)
    await expectError({ query: "x", source: "cache", media_type: "pics" }, /^Invalid argument 'media_type': must be one of photos/)
    await expectError({ query: "x", source: "cache", offset: 10_001 }, /^Invalid argument 'offset'/)
    const folder = await rest("/api/v3/search/messages?q=x&source=cache&folder=Nope")
    expect(folder.status).toBe(404)
    expect(folder.body.detail).toMatch(/from GET \/api\/v3\/folders /)
    // The same wording, but an MCP client is told the tool, not the route.
    await expectError({ query: "x", source: "cache", folder: "Nope" }, folder.body.detail.replace("GET /api/v3/folders", "the list_folders tool"))
  })

  it("X-Tgsc-Scope: another dialog's hits and coverage never show; naming it is not found", async () => {
    const scoped = await w.connect(ALICE, { "x-tgsc-scope": `dialog:${CRYPTO}` })
    const all = await call(client, { query: "see", source: "cache" })
    expect(all.structuredContent.coverage.map((c: any) => c.dialog_id).sort()).toEqual([BOB_CHAT, CRYPTO].sort())
    const result = await call(scoped, { query: "see", source: "cache" })
    expect(result.structuredContent.results).toEqual([])
    expect(result.structuredContent.coverage.map((c: any) => c.dialog_id)).toEqual([CRYPTO])
    const named = await call(scoped, { query: "see", source: "auto", dialog_ids: [BOB_CHAT] })
    expect(named.isError).toBe(true)
    expect(textOf(named)).toMatch(/^Dialog 1002 not found/)
  })
})
