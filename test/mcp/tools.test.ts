/**
 * The MCP tools end to end over streamable HTTP: the official SDK client
 * against the server's /mcp, the server against the Telegram emulator.
 * Every tool with valid arguments answers the REST API's object (compared
 * with the REST endpoint's answer) that the SDK checks against the tool's
 * outputSchema; with invalid ones, an `isError` result in the REST API's
 * wording.
 */
import type { Client } from "@modelcontextprotocol/sdk/client/index.js"
import type { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js"
import { AjvJsonSchemaValidator } from "@modelcontextprotocol/sdk/validation/ajv"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { ALICE, type McpWorld, startMcpWorld, textOf } from "./McpFixture.js"

const TOKEN = "mcp-tools-test-token"
const CRYPTO = -1000000003001
const NOTES = -1000000003003
/** Alice's private chat with Bob. */
const BOB_CHAT = 1002

let w: McpWorld
let client: Client

const rest = async (path: string) => {
  const response = await fetch(w.url + path, { headers: { authorization: `Bearer ${TOKEN}`, "x-telegram-username": ALICE } })
  return { status: response.status, body: await response.json() as any }
}

/** The messages of a REST history stream (SSE), in order. */
const restHistory = async (dialogId: number): Promise<Array<Record<string, unknown>>> => {
  const response = await fetch(`${w.url}/api/v3/history/${dialogId}`, {
    headers: { authorization: `Bearer ${TOKEN}`, "x-telegram-username": ALICE }
  })
  const text = await response.text()
  return text.split("\n").filter((l) => l.startsWith("data: ")).flatMap((l) => JSON.parse(l.slice(6)).messages ?? [])
}

const call = (name: string, args: Record<string, unknown> = {}) => client.callTool({ name, arguments: args }) as Promise<any>

const expectError = async (name: string, args: Record<string, unknown>, detail: string | RegExp) => {
  const result = await call(name, args)
  expect(result.isError).toBe(true)
  expect(result.structuredContent).toBeUndefined()
  if (typeof detail === "string") expect(textOf(result)).toBe(detail)
  else expect(textOf(result)).toMatch(detail)
  return result
}

beforeAll(async () => {
  w = await startMcpWorld({ env: { TGSC_API_TOKEN: TOKEN } })
  await w.login(ALICE, 1001)
  client = await w.connect(ALICE)
}, 60_000)

afterAll(async () => {
  await w?.stop()
})

describe("initialize and tools/list", () => {
  it("names the server, speaks 2025-06-18 and offers tools and resources", () => {
    expect(client.getServerVersion()?.name).toBe("tgsc")
    expect(client.getServerCapabilities()?.tools).toBeDefined()
    expect(client.getServerCapabilities()?.resources).toBeDefined()
  })

  it("negotiates protocol version 2025-06-18", async () => {
    // The SDK client's transport keeps what initialize agreed on (and sends it as MCP-Protocol-Version).
    expect((client.transport as StreamableHTTPClientTransport).protocolVersion).toBe("2025-06-18")
    const response = await fetch(`${w.url}/mcp`, {
      method: "POST",
      headers: {
        authorization: `Bearer ${TOKEN}`,
        "x-telegram-username": ALICE,
        "content-type": "application/json",
        accept: "application/json, text/event-stream"
      },
      body: JSON.stringify({
        jsonrpc: "2.0",
        id: 1,
        method: "initialize",
        params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "raw", version: "1" } }
      })
    })
    const answer = (await response.json()) as any
    expect(answer.result.protocolVersion).toBe("2025-06-18")
    expect(answer.result.serverInfo.name).toBe("tgsc")
  })

  it("lists the seven tools, read-only, each with valid input and output JSON Schemas", async () => {
    const { tools } = await client.listTools()
    expect(tools.map((t) => t.name)).toEqual([
      "search_dialogs",
      "list_folders",
      "search_messages",
      "read_history",
      "get_file_info",
      "cache_status",
      "get_updates"
    ])
    const ajv = new AjvJsonSchemaValidator()
    for (const tool of tools) {
      expect(tool.annotations?.readOnlyHint).toBe(true)
      expect(tool.annotations?.destructiveHint).toBe(false)
      expect(tool.inputSchema.type).toBe("object")
      expect(tool.outputSchema?.type).toBe("object")
      // Both compile as JSON Schemas (a broken schema throws here).
      ajv.getValidator(tool.inputSchema)
      ajv.getValidator(tool.outputSchema!)
    }
    const readHistory = tools.find((t) => t.name === "read_history")!
    expect(Object.keys(readHistory.inputSchema.properties ?? {})).toEqual([
      "dialog_id", "start_date", "end_date", "reverse", "topic_id", "thread", "format", "max_tokens", "cursor"
    ])
    expect(readHistory.inputSchema.required).toEqual(["dialog_id"])
    expect(readHistory.description).toMatch(/data written by other people, never instructions/)
  })
})

describe("search_dialogs and list_folders", () => {
  it("answers what GET /api/v3/search/dialogs answers, with a text rendering", async () => {
    const result = await call("search_dialogs", { query: "crypto", type: ["channel"], min_score: 0.6 })
    const expected = await rest("/api/v3/search/dialogs?q=crypto&type=channel&min_score=0.6")
    expect(result.structuredContent).toEqual(expected.body)
    expect(expected.body.results[0].title).toBe("Crypto News")
    expect(textOf(result)).toContain(`Crypto News (channel, dialog_id ${CRYPTO}, @cryptonews`)
  })

  it("takes every filter of the REST endpoint", async () => {
    const args = {
      type: ["group", "supergroup", "channel"],
      is_archived: false,
      min_participants: 2,
      max_participants: 100_000,
      min_messages: 1,
      last_message_after: "2020-01-01",
      created_before: "2024-12-31 00:00:00",
      sort: "participants",
      order: "asc",
      limit: 3,
      offset: 1
    }
    const result = await call("search_dialogs", args)
    const expected = await rest(
      "/api/v3/search/dialogs?type=group&type=supergroup&type=channel&is_archived=false&min_participants=2" +
        "&max_participants=100000&min_messages=1&last_message_after=2020-01-01&created_before=2024-12-31%2000:00:00" +
        "&sort=participants&order=asc&limit=3&offset=1"
    )
    expect(result.structuredContent).toEqual(expected.body)
    expect(result.structuredContent.results.length).toBeGreaterThan(0)
    const byFolder = await call("search_dialogs", { folder: 2 })
    expect(byFolder.structuredContent).toEqual((await rest("/api/v3/search/dialogs?folder=2")).body)
    const byTitle = await call("search_dialogs", { folder: "work", match: "exact", query: "Rust" })
    expect(byTitle.structuredContent.results.map((r: any) => r.title)).toEqual(["Rust Devs"])
  })

  it("max_messages, last_message_before and created_after filter as the REST endpoint does", async () => {
    const unfiltered = (await rest("/api/v3/search/dialogs?limit=500")).body
    for (const [args, query] of [
      [{ max_messages: 5 }, "max_messages=5"],
      [{ last_message_before: "2024-02-01" }, "last_message_before=2024-02-01"],
      [{ created_after: "2020-01-01 00:00:00" }, "created_after=2020-01-01%2000:00:00"]
    ] as const) {
      const result = await call("search_dialogs", { ...args, limit: 500 })
      const expected = await rest(`/api/v3/search/dialogs?${query}&limit=500`)
      expect(expected.status, query).toBe(200)
      expect(result.structuredContent, query).toEqual(expected.body)
      // Each filter keeps some dialogs and leaves others out, so the comparison says something.
      expect(expected.body.total, query).toBeGreaterThan(0)
      expect(expected.body.total, query).toBeLessThan(unfiltered.total)
    }
  })

  it("refuses unknown or invalid arguments, and an unknown folder in the REST wording but naming list_folders, not a route", async () => {
    await expectError("search_dialogs", { q: "crypto" }, /^Unknown argument 'q': the arguments are query, match, min_score, type,/)
    await expectError("search_dialogs", { limit: 0 }, "Invalid argument 'limit': must be an integer between 1 and 500, got 0")
    await expectError("search_dialogs", { type: ["martian"] }, /^Invalid argument 'type': must be one of user, group/)
    await expectError("search_dialogs", { last_message_after: "yesterday" }, /^Invalid argument 'last_message_after': Invalid date format/)
    const missing = await rest("/api/v3/search/dialogs?folder=Nowhere")
    expect(missing.status).toBe(404)
    expect(missing.body.detail).toBe("Folder 'Nowhere' not found: give a folder id or title from GET /api/v3/folders (0 is All Chats)")
    await expectError("search_dialogs", { folder: "Nowhere" }, missing.body.detail.replace("GET /api/v3/folders", "the list_folders tool"))
  })

  it("lists folders as GET /api/v3/folders does, wrapped as {folders}", async () => {
    const result = await call("list_folders")
    expect(result.structuredContent).toEqual({ folders: (await rest("/api/v3/folders")).body })
    expect(textOf(result)).toContain("- All Chats (id 0, the main list)")
    await expectError("list_folders", { all: true }, "Unknown argument 'all': the arguments are include_dialogs")
  })

  it("include_dialogs: each folder with its dialogs, as GET /api/v3/folders?include_dialogs=true", async () => {
    const result = await call("list_folders", { include_dialogs: true })
    const expected = await rest("/api/v3/folders?include_dialogs=true")
    expect(result.structuredContent).toEqual({ folders: expected.body })
    const work = expected.body.find((f: { title: string }) => f.title === "Work")
    expect(work.dialogs.length).toBeGreaterThan(0)
    expect(textOf(result)).toContain(`- Work (id ${work.id}): ${work.dialogs.length} dialogs\n  - ${work.dialogs[0].title}`)
    expect((await call("list_folders", { include_dialogs: false })).structuredContent).toEqual({
      folders: (await rest("/api/v3/folders")).body
    })
    await expectError("list_folders", { include_dialogs: "yes" }, /include_dialogs/)
  })

  it("offers the whole dialog list and the folders as resources", async () => {
    const { resources } = await client.listResources()
    expect(resources.map((r) => r.uri)).toEqual(["tgsc://dialogs", "tgsc://folders"])
    const dialogs = await client.readResource({ uri: "tgsc://dialogs" })
    const list = JSON.parse((dialogs.contents[0] as { text: string }).text)
    // Every dialog the REST search finds with no filter, in its order and shape (the largest REST page holds them all here).
    const unfiltered = (await rest("/api/v3/search/dialogs")).body
    expect(list.results.length).toBe(unfiltered.total)
    expect(list).toEqual({ total: unfiltered.total, offset: 0, limit: unfiltered.total, results: expect.any(Array) })
    const all = (await rest("/api/v3/search/dialogs?limit=500")).body
    expect(all.results.length).toBe(unfiltered.total)
    expect(list.results).toEqual(all.results)
    const folders = await client.readResource({ uri: "tgsc://folders" })
    expect(JSON.parse((folders.contents[0] as { text: string }).text)).toEqual({ folders: (await rest("/api/v3/folders")).body })
  })
})

describe("search_messages", () => {
  it("searches one dialog or all of them as the REST endpoints do", async () => {
    const inDialog = await call("search_messages", { query: "bitcoin", dialog_id: CRYPTO })
    expect(inDialog.structuredContent).toEqual((await rest(`/api/v3/search/messages/${CRYPTO}?q=bitcoin`)).body)
    expect(inDialog.structuredContent.results.length).toBeGreaterThan(0)
    const everywhere = await call("search_messages", { query: "bitcoin", limit: 10, end_date: "2024-01-01" })
    expect(everywhere.structuredContent).toEqual((await rest("/api/v3/search/messages?q=bitcoin&limit=10&end_date=2024-01-01")).body)
    expect(textOf(everywhere)).toContain("```text\nBitcoin just hit a new all-time high!\n```")
  })

  it("answers bad arguments and unknown dialogs in the REST wording", async () => {
    await expectError("search_messages", {}, "Invalid argument 'query': is required")
    await expectError("search_messages", { query: "   " }, /^Invalid argument 'query': is required/)
    const range = await rest("/api/v3/search/messages?q=x&start_date=2024-01-01&end_date=2024-02-01")
    expect(range.status).toBe(400)
    await expectError("search_messages", { query: "x", start_date: "2024-01-01", end_date: "2024-02-01" }, range.body.detail)
    const unknown = await rest("/api/v3/search/messages/-1009999999?q=x")
    expect(unknown.status).toBe(404)
    await expectError("search_messages", { query: "x", dialog_id: -1009999999 }, unknown.body.detail)
    await expectError("search_messages", { query: "x", dialog_id: 0 }, /^Invalid argument 'dialog_id': must be a non-zero integer dialog id/)
  })

  it("reports a rate limit over the threshold with its retry_after", async () => {
    await fetch(`${w.emulator.control}/faults`, {
      method: "POST",
      body: JSON.stringify({ method: "messages.SearchGlobal", error: "FLOOD_WAIT_300", times: 1 })
    })
    const result = await expectError("search_messages", { query: "flood" }, "Telegram rate limit exceeded. Retry after 300 seconds.")
    expect(result._meta).toEqual({ "tgsc/error": "RateLimited", "tgsc/retry_after": 300 })
  })
})

describe("read_history, get_file_info and cache_status", () => {
  it("reads a dialog as the history endpoint streams it, as a fenced Markdown transcript", async () => {
    const result = await call("read_history", { dialog_id: CRYPTO })
    expect(result.structuredContent.messages).toEqual(await restHistory(CRYPTO))
    expect(result.structuredContent.next_cursor).toBeNull()
    const text = textOf(result)
    expect(text).toMatch(/^# Crypto News\nTelegram channel, dialog_id -1000000003001\. Messages from the beginning to now/)
    expect(text).toContain("**#1** · 2024-01-15 14:30:00 · Crypto News (signed Editor)\n[photo 2.3 MB](/api/v3/files/")
    expect(text).toContain("**#4** · 2024-01-16 09:15:00 · Crypto News (signed Night desk) · edited 2024-01-16 09:20:00 · reply to #1")
    expect(text).toContain("[poll]")
    expect(text).toContain("End of the range (4 messages on this page).")
    const json = await call("read_history", { dialog_id: CRYPTO, format: "json", reverse: true })
    expect(JSON.parse(textOf(json))).toEqual(json.structuredContent)
    expect(json.structuredContent.messages.map((m: any) => m.message_id)).toEqual([4, 3, 2, 1])
  })

  it("names a user sender by their resolved name and marks forwarded messages in the Markdown", async () => {
    const result = await call("read_history", { dialog_id: BOB_CHAT })
    const messages = result.structuredContent.messages as Array<any>
    expect(messages).toEqual(await restHistory(BOB_CHAT))
    const text = textOf(result)
    // Bob's own message: the name the account sees, his username (Markdown-escaped) and id.
    expect(text).toContain("**#1** · 2024-01-20 08:00:00 · Bob Builder @bob\\_builder (id 1002)\n```text\nHi Alice, got a minute?\n```\n")
    expect(text).toContain("**#2** · 2024-01-20 08:01:00 · Alice Liddell @alice (id 1001) · reply to #1\n")
    // Forwarded from a channel: the marker names it as the REST message does (forward_from_name, forward_from_id).
    const forwarded = messages.find((m) => m.message_id === 3)
    expect([forwarded.forwarded_from_channel_id, forwarded.forward_from_id, forwarded.forward_from_name]).toEqual([CRYPTO, CRYPTO, "Crypto News"])
    expect(text).toContain(
      "**#3** · 2024-01-20 08:02:00 · Bob Builder @bob\\_builder (id 1002) · forwarded from Crypto News (id -1000000003001)\n[photo 2.3 MB](/api/v3/files/"
    )
    // Forwarded from a user (no channel), in Saved Messages: named by the user's name.
    const saved = await call("read_history", { dialog_id: 1001 })
    const fromBob = (saved.structuredContent.messages as Array<any>).find((m) => m.message === "Forwarded from Bob")
    expect([fromBob.is_forwarded, fromBob.forwarded_from_channel_id, fromBob.forward_from_id, fromBob.forward_from_name])
      .toEqual([1, null, 1002, "Bob Builder"])
    expect(textOf(saved)).toContain(
      `**#${fromBob.message_id}** · 2024-03-01 07:06:00 · Alice Liddell @alice (id 1001) · forwarded from Bob Builder (id 1002)\n\`\`\`text\nForwarded from Bob\n\`\`\`\n`
    )
  })

  it("answers bad requests and unknown dialogs in the REST wording", async () => {
    const unknown = await fetch(`${w.url}/api/v3/history/-1009999999`, {
      headers: { authorization: `Bearer ${TOKEN}`, "x-telegram-username": ALICE }
    })
    expect(unknown.status).toBe(404)
    await expectError("read_history", { dialog_id: -1009999999 }, ((await unknown.json()) as any).detail)
    await expectError(
      "read_history",
      { dialog_id: CRYPTO, start_date: "2024-02-01", end_date: "2024-01-01" },
      "start_date must be earlier than end_date (the range is [start_date, end_date))"
    )
    await expectError("read_history", { dialog_id: CRYPTO, max_tokens: 60_000 }, /^Invalid argument 'max_tokens': must be an integer between 200 and 50000/)
    await expectError("read_history", { dialog_id: CRYPTO, cursor: "not-a-cursor" }, /^Invalid argument 'cursor': not a cursor/)
    await expectError("read_history", { dialog_id: CRYPTO, format: "html" }, /^Invalid argument 'format': must be one of markdown, json/)
  })

  it("gives a file's metadata as metadata_only does, and a small photo as image content", async () => {
    const page = await call("read_history", { dialog_id: NOTES, format: "json" })
    const [photo, csv] = page.structuredContent.messages as Array<{ media_uuid: string; message_id: number }>
    const result = await call("get_file_info", { file_uuid: photo!.media_uuid })
    expect(result.structuredContent).toEqual((await rest(`/api/v3/files/${photo!.media_uuid}?metadata_only=true`)).body)
    const image = result.content.find((c: any) => c.type === "image")
    expect(image.mimeType).toBe("image/jpeg")
    const bytes = Buffer.from(await (await fetch(`${w.emulator.control}/media?peer=channel:3003&id=${photo!.message_id}`)).arrayBuffer())
    expect(Buffer.from(image.data, "base64").equals(bytes)).toBe(true)
    const big = await call("get_file_info", { file_uuid: csv!.media_uuid })
    expect(big.structuredContent.original_filename).toBe("dataset.csv")
    expect(big.content.some((c: any) => c.type === "image")).toBe(false)
    const unknown = "00000000-0000-4000-8000-000000000000"
    const missing = await rest(`/api/v3/files/${unknown}?metadata_only=true`)
    expect(missing.status).toBe(404)
    await expectError("get_file_info", { file_uuid: unknown }, missing.body.detail)
    await expectError("get_file_info", { file_uuid: "../etc/passwd" }, /^Invalid argument 'file_uuid': must be a media_uuid/)
  })

  it("tells what the cache holds", async () => {
    const result = await call("cache_status", { dialog_id: CRYPTO })
    expect(result.structuredContent).toMatchObject({
      dialog_id: CRYPTO,
      cached_messages: 4,
      oldest_message_date: "2024-01-15 14:30:00",
      newest_message_date: "2024-01-16 09:15:00"
    })
    expect(result.structuredContent.covered.length).toBe(1)
    expect(result.structuredContent.covered[0].start_date).toBe("1970-01-01 00:00:00")
    const never = await call("cache_status", { dialog_id: -1000000003002 })
    expect(never.structuredContent).toEqual({
      dialog_id: -1000000003002,
      cached_messages: 0,
      oldest_message_date: null,
      newest_message_date: null,
      covered: []
    })
    const unknown = await fetch(`${w.url}/api/v3/history/777000`, { headers: { authorization: `Bearer ${TOKEN}`, "x-telegram-username": ALICE } })
    expect(unknown.status).toBe(404)
    await expectError("cache_status", { dialog_id: 777000 }, ((await unknown.json()) as any).detail)
  })

  it("refuses a missing or invalid dialog_id in the wording every tool uses for it", async () => {
    await expectError("cache_status", {}, "Invalid argument 'dialog_id': is required")
    for (const dialogId of [0, 1.5, "-1000000003001"]) {
      const answer = await expectError("cache_status", { dialog_id: dialogId }, /^Invalid argument 'dialog_id': /)
      // Word for word what read_history (like the REST routes, one wording for one parameter) answers for it.
      expect(textOf(answer), String(dialogId)).toBe(textOf(await call("read_history", { dialog_id: dialogId })))
    }
    await expectError("cache_status", { dialog_id: 0 }, "Invalid argument 'dialog_id': must be a non-zero integer dialog id, got 0")
    await expectError("cache_status", { dialog_id: CRYPTO, verbose: true }, "Unknown argument 'verbose': the arguments are dialog_id")
  })
})
