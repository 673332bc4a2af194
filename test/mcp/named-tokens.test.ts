/**
 * /mcp with named API tokens: the token decides the session and the scope,
 * for every tool and resource, before X-Tgsc-Scope, which can only narrow
 * it further. A dialog outside the scope is answered as one that does not
 * exist by every tool; a token for another session never reaches one.
 * Tokens are made by the real `tgsc-auth token create` against the data
 * directory of the running server. (/api: test/e2e/named-tokens.test.ts.)
 */
import { Client } from "@modelcontextprotocol/sdk/client/index.js"
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { cleanEnv, commandArgs, projectRoot } from "../support/ServerProcess.js"
import { createToken } from "../support/TokenCli.js"
import { ALICE, BOB, type McpWorld, startMcpWorld, textOf } from "./McpFixture.js"

const ADMIN = "mcp-named-tokens-admin-4410"
const CRYPTO = -1000000003001
const RUST = -1000000003002
const BOB_CHAT = 1002

let w: McpWorld
let scoped: string
let admin: Client
let agent: Client
let bobPhoto: string

beforeAll(async () => {
  w = await startMcpWorld({ env: { TGSC_API_TOKEN: ADMIN }, big: false })
  await w.login(ALICE, 1001)
  await w.login(BOB, 1002, "hunter2")
  scoped = await createToken(w.server.dataDir, "agent", ["--session", ALICE, "--scope", `dialog:${CRYPTO}`, "--scope", "folder:Work"])
  admin = await w.connect(ALICE)
  agent = await w.connect(ALICE, { authorization: `Bearer ${scoped}` })
  const page = await admin.callTool({ name: "read_history", arguments: { dialog_id: BOB_CHAT, format: "json" } }) as any
  bobPhoto = page.structuredContent.messages.find((m: any) => m.media_type === "MessageMediaPhoto").media_uuid
}, 60_000)

afterAll(async () => {
  await w?.stop()
})

const call = (client: Client, name: string, args: Record<string, unknown>) => client.callTool({ name, arguments: args }) as Promise<any>

const notFound = (dialogId: number) => `Dialog ${dialogId} not found: this account cannot see it`

describe("a scoped token on /mcp", () => {
  it("search_dialogs, list_folders and the resources show only its scope", async () => {
    const all = await call(admin, "search_dialogs", { limit: 100 })
    const mine = await call(agent, "search_dialogs", { limit: 100 })
    const ids = mine.structuredContent.results.map((r: any) => r.id)
    expect(ids).toContain(CRYPTO)
    expect(ids).toContain(RUST)
    expect(ids).not.toContain(BOB_CHAT)
    expect(mine.structuredContent.total).toBe(ids.length)
    expect(all.structuredContent.total).toBeGreaterThan(ids.length)
    expect((await call(agent, "list_folders", {})).structuredContent.folders).toEqual([{ id: 2, title: "Work", is_default: false }])
    const resource = await agent.readResource({ uri: "tgsc://dialogs" })
    const listed = JSON.parse((resource.contents[0] as { text: string }).text)
    expect(listed.results.map((r: any) => r.id).sort()).toEqual([...ids].sort())
    const folders = JSON.parse(((await agent.readResource({ uri: "tgsc://folders" })).contents[0] as { text: string }).text)
    expect(folders).toEqual({ folders: [{ id: 2, title: "Work", is_default: false }] })
  })

  it("every tool answers for a dialog outside it as for one that does not exist", async () => {
    for (const [name, args] of [
      ["read_history", { dialog_id: BOB_CHAT }],
      ["search_messages", { query: "e", dialog_id: BOB_CHAT }],
      ["cache_status", { dialog_id: BOB_CHAT }]
    ] as const) {
      const answer = await call(agent, name, args)
      expect([answer.isError, textOf(answer)], name).toEqual([true, notFound(BOB_CHAT)])
      // The admin token reads it: the refusal is the scope's, not the dialog's.
      expect((await call(admin, name, args)).isError, `${name} as admin`).toBeFalsy()
    }
    const file = await call(agent, "get_file_info", { file_uuid: bobPhoto })
    expect([file.isError, textOf(file)]).toEqual([true, `No media file with id '${bobPhoto}' for this account`])
    expect((await call(admin, "get_file_info", { file_uuid: bobPhoto })).isError).toBeFalsy()
    const global = await call(agent, "search_messages", { query: "e", limit: 100 })
    const dialogs = new Set(global.structuredContent.results.map((r: any) => r.dialog_id))
    expect(dialogs.size).toBeGreaterThan(0)
    for (const id of dialogs) expect([CRYPTO, RUST, -2001]).toContain(id)
    // A hit only outside the scope: none, and none counted.
    expect((await call(admin, "search_messages", { query: "look at this" })).structuredContent.total).toBe(1)
    const outside = await call(agent, "search_messages", { query: "look at this" })
    expect([outside.structuredContent.total, outside.structuredContent.results]).toEqual([0, []])
    // Inside it, the tools answer.
    expect((await call(agent, "read_history", { dialog_id: CRYPTO, format: "json" })).structuredContent.messages.length).toBe(4)
    expect((await call(agent, "cache_status", { dialog_id: CRYPTO })).structuredContent.cached_messages).toBe(4)
  })

  it("X-Tgsc-Scope narrows it further and never widens it", async () => {
    const widened = await w.connect(ALICE, { authorization: `Bearer ${scoped}`, "x-tgsc-scope": `dialog:${BOB_CHAT}` })
    expect(textOf(await call(widened, "read_history", { dialog_id: BOB_CHAT }))).toBe(notFound(BOB_CHAT))
    // What both admit: nothing.
    expect(textOf(await call(widened, "read_history", { dialog_id: CRYPTO }))).toBe(notFound(CRYPTO))
    expect((await call(widened, "search_dialogs", {})).structuredContent.total).toBe(0)
    const narrowed = await w.connect(ALICE, { authorization: `Bearer ${scoped}`, "x-tgsc-scope": `dialog:${CRYPTO}` })
    expect((await call(narrowed, "search_dialogs", {})).structuredContent.results.map((r: any) => r.id)).toEqual([CRYPTO])
    expect(textOf(await call(narrowed, "read_history", { dialog_id: RUST }))).toBe(notFound(RUST))
  })

  it("for another session is refused (403) before any tool runs, and before the GET stream opens", async () => {
    const before = ((await (await fetch(`${w.emulator.control}/calls`)).json()) as Record<string, number>)["messages.GetHistory"] ?? 0
    const response = await fetch(`${w.url}/mcp`, {
      method: "POST",
      headers: { authorization: `Bearer ${scoped}`, "x-telegram-username": BOB, "content-type": "application/json", accept: "application/json" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/call", params: { name: "read_history", arguments: { dialog_id: BOB_CHAT } } })
    })
    expect(response.status).toBe(403)
    expect(await response.json()).toEqual({ detail: `The API token 'agent' may not act for session '${BOB}': it may for '${ALICE}'` })
    expect(((await (await fetch(`${w.emulator.control}/calls`)).json()) as Record<string, number>)["messages.GetHistory"] ?? 0).toBe(before)
    const listen = (session: string) =>
      fetch(`${w.url}/mcp`, { headers: { authorization: `Bearer ${scoped}`, "x-telegram-username": session, accept: "text/event-stream" } })
    const refused = await listen(BOB)
    expect(refused.status).toBe(403)
    expect(await refused.json()).toEqual({ detail: `The API token 'agent' may not act for session '${BOB}': it may for '${ALICE}'` })
    const opened = await listen(ALICE)
    expect([opened.status, opened.headers.get("content-type")]).toEqual([200, "text/event-stream"])
    await opened.body?.cancel()
  })
})

describe("tgsc-mcp relaying to the server with a named token (TGSC_API_TOKEN)", () => {
  it("holds the agent to the token's session and scope; --scope narrows within it", async () => {
    const relay = async (args: ReadonlyArray<string>) => {
      const client = new Client({ name: "tgsc-relay-test", version: "1.0.0" })
      await client.connect(new StdioClientTransport({
        command: process.execPath,
        args: [...commandArgs("tgsc-mcp"), "--session", ALICE, "--data-dir", w.server.dataDir, ...args],
        env: cleanEnv({ TGSC_API_TOKEN: scoped }) as Record<string, string>,
        cwd: projectRoot,
        stderr: "ignore"
      }))
      return client
    }
    const plain = await relay([])
    try {
      const ids = (await call(plain, "search_dialogs", { limit: 100 })).structuredContent.results.map((r: any) => r.id)
      expect(ids).toContain(CRYPTO)
      expect(ids).not.toContain(BOB_CHAT)
      expect(textOf(await call(plain, "read_history", { dialog_id: BOB_CHAT }))).toBe(notFound(BOB_CHAT))
    } finally {
      await plain.close()
    }
    const narrowed = await relay(["--scope", `dialog:${BOB_CHAT}`, "--scope", `dialog:${CRYPTO}`])
    try {
      expect((await call(narrowed, "search_dialogs", {})).structuredContent.results.map((r: any) => r.id)).toEqual([CRYPTO])
      expect(textOf(await call(narrowed, "read_history", { dialog_id: BOB_CHAT }))).toBe(notFound(BOB_CHAT))
    } finally {
      await narrowed.close()
    }
  })
})
