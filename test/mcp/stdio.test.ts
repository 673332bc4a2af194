/**
 * tgsc-mcp, the bundled command, driven by the official SDK client over
 * stdio (StdioClientTransport spawns it), against the emulator:
 * - embedded when the data directory's lock is free: it serves the tools
 *   itself, holds the lock (a tgsc-server on the directory is refused
 *   meanwhile) and honours --scope, folder membership read live; its file
 *   metadata and its errors are the REST API's;
 * - relayed when a tgsc-server holds the directory: requests go to the
 *   server's /mcp with the API token, the server does the work once
 *   (answers from its cache, no second fetch from Telegram);
 * - and the command-line failures: an unknown session, a missing token.
 */
import { spawn } from "node:child_process"
import * as fs from "node:fs/promises"
import { Client } from "@modelcontextprotocol/sdk/client/index.js"
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { TEST_API_HASH, TEST_API_ID } from "../support/E2e.js"
import { cleanEnv, commandArgs, makeTempDir, projectRoot, startServer } from "../support/ServerProcess.js"
import { ALICE, type McpWorld, startMcpWorld, textOf } from "./McpFixture.js"

const CRYPTO = -1000000003001
const FAMILY = -2001
const RUST = -1000000003002
const NOTES = -1000000003003
const TOKEN = "stdio-relay-token-4417"

let w: McpWorld
let dataDir: string
let env: Record<string, string>

beforeAll(async () => {
  dataDir = await makeTempDir()
  w = await startMcpWorld({ dataDir, big: false })
  await w.login(ALICE, 1001)
  // The session is saved; the in-process server lets go of the directory, the emulator stays.
  await w.server.stop()
  env = { ...w.emulator.env, TELEGRAM_API_ID: TEST_API_ID, TELEGRAM_API_HASH: TEST_API_HASH }
}, 60_000)

afterAll(async () => {
  await w?.stop()
  await fs.rm(dataDir, { recursive: true, force: true })
})

const connect = async (args: ReadonlyArray<string>, extraEnv: Record<string, string> = {}) => {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [...commandArgs("tgsc-mcp"), "--session", ALICE, "--data-dir", dataDir, ...args],
    env: cleanEnv({ ...env, ...extraEnv }) as Record<string, string>,
    cwd: projectRoot,
    stderr: "pipe"
  })
  let stderr = ""
  transport.stderr?.on("data", (d) => (stderr += d))
  const client = new Client({ name: "tgsc-stdio-test", version: "1.0.0" })
  await client.connect(transport)
  return { client, stderr: () => stderr, close: () => client.close() }
}

/** Runs tgsc-mcp to its exit with stdin closed; its exit code and stderr. */
const runToExit = (args: ReadonlyArray<string>, extraEnv: Record<string, string> = {}) =>
  new Promise<{ code: number | null; stderr: string }>((resolve) => {
    const child = spawn(process.execPath, [...commandArgs("tgsc-mcp"), ...args], { cwd: projectRoot, env: cleanEnv({ ...env, ...extraEnv }) })
    let stderr = ""
    child.stderr.on("data", (d) => (stderr += d))
    child.stdin.end()
    child.on("exit", (code) => resolve({ code, stderr }))
  })

const calls = async (method: string) => ((await (await fetch(`${w.emulator.control}/calls`)).json()) as Record<string, number>)[method] ?? 0

const ids = (result: any) => (result.structuredContent.results as Array<{ id: number }>).map((r) => r.id).sort()

describe("tgsc-mcp embedded (the data directory is free)", () => {
  it("serves the tools on stdio and holds the data directory meanwhile", async () => {
    const mcp = await connect([])
    try {
      const { tools } = await mcp.client.listTools()
      expect(tools.map((t) => t.name)).toContain("read_history")
      const found = await mcp.client.callTool({ name: "search_dialogs", arguments: { query: "crypto", min_score: 0.6 } }) as any
      expect(found.structuredContent.results.map((r: any) => r.id)).toEqual([CRYPTO])
      const progress: Array<number> = []
      const page = await mcp.client.callTool(
        { name: "read_history", arguments: { dialog_id: CRYPTO } },
        undefined,
        { onprogress: (p) => progress.push(p.progress) }
      ) as any
      expect(page.structuredContent.messages.map((m: any) => m.message_id)).toEqual([1, 2, 3, 4])
      expect(progress.length).toBeGreaterThan(0)
      // The same tool registry as /mcp: the cache search finds what read_history just cached.
      const cached = await mcp.client.callTool({
        name: "search_messages",
        arguments: { query: "bitcoin", source: "cache", dialog_id: CRYPTO, start_date: "2024-06-01" }
      }) as any
      expect(cached.structuredContent.results.map((r: any) => [r.message_id, r.origin])).toEqual([[1, "cache"]])
      expect(cached.structuredContent.coverage.map((c: any) => c.gaps)).toEqual([[]])
      const refused = await startServer({ dataDir, env }).then(
        async (server) => {
          await server.stop()
          return "started"
        },
        (error: Error) => error.message
      )
      expect(refused).toMatch(/is in use by another tgsc server or program/)
      expect(mcp.stderr()).toMatch(/serving MCP on stdio for session alice \(embedded/)
    } finally {
      await mcp.close()
    }
  }, 60_000)

  it("shows only what --scope admits, folder membership read at each call", async () => {
    const mcp = await connect(["--scope", "folder:Work", "--dialog-cache-ttl", "0"])
    try {
      const before = await mcp.client.callTool({ name: "search_dialogs", arguments: {} })
      expect(ids(before)).toEqual([RUST, FAMILY].sort())
      const folders = await mcp.client.callTool({ name: "list_folders", arguments: {} }) as any
      expect(folders.structuredContent).toEqual({ folders: [{ id: 2, title: "Work", is_default: false }] })
      const hidden = await mcp.client.callTool({ name: "read_history", arguments: { dialog_id: CRYPTO } }) as any
      expect(hidden.isError).toBe(true)
      expect(textOf(hidden)).toBe(`Dialog ${CRYPTO} not found: this account cannot see it`)
      // Telegram finds "bitcoin" in Crypto News too; only the hits in scope are shown, and counted.
      const searched = await mcp.client.callTool({ name: "search_messages", arguments: { query: "bitcoin" } }) as any
      const where = new Set(searched.structuredContent.results.map((r: any) => r.dialog_id))
      expect([...where].every((id) => id === FAMILY || id === RUST)).toBe(true)
      expect(searched.structuredContent.results.length).toBeGreaterThan(0)
      expect(searched.structuredContent.total).toBe(searched.structuredContent.results.length)
      // The chat moves into the folder at Telegram: from the next call on, it is in scope.
      const moved = await fetch(`${w.emulator.control}/folders/include`, {
        method: "POST",
        body: JSON.stringify({ user_id: 1001, folder_id: 2, peer: "channel:3001" })
      })
      expect(moved.status).toBe(200)
      const after = await mcp.client.callTool({ name: "search_dialogs", arguments: {} })
      expect(ids(after)).toEqual([CRYPTO, RUST, FAMILY].sort())
      const shown = await mcp.client.callTool({ name: "read_history", arguments: { dialog_id: CRYPTO } }) as any
      expect(shown.isError).toBeFalsy()
      expect(shown.structuredContent.messages.length).toBe(4)
    } finally {
      await mcp.close()
    }
  }, 60_000)

  it("gives a file's metadata (get_file_info) and answers an invalid argument as REST words it", async () => {
    const mcp = await connect([])
    let photo: string
    let info: any
    let reversed: any
    try {
      const page = await mcp.client.callTool({ name: "read_history", arguments: { dialog_id: NOTES, format: "json" } }) as any
      photo = (page.structuredContent.messages as Array<any>).find((m) => m.media_type === "MessageMediaPhoto").media_uuid
      info = await mcp.client.callTool({ name: "get_file_info", arguments: { file_uuid: photo } })
      expect(info.isError).toBeFalsy()
      expect(info.content.find((c: any) => c.type === "image")?.mimeType).toBe("image/jpeg")
      reversed = await mcp.client.callTool({
        name: "read_history",
        arguments: { dialog_id: NOTES, start_date: "2024-02-01", end_date: "2024-01-01" }
      })
      expect(reversed.isError).toBe(true)
      const bad = await mcp.client.callTool({ name: "get_file_info", arguments: { file_uuid: "../etc/passwd" } }) as any
      expect([bad.isError, textOf(bad)]).toEqual([true, expect.stringMatching(/^Invalid argument 'file_uuid': must be a media_uuid/)])
    } finally {
      await mcp.close()
    }
    // The REST API's answers for the same, from a server on the same data directory once tgsc-mcp let go of it.
    const server = await startServer({ dataDir, env })
    try {
      const get = async (path: string) => {
        const response = await fetch(server.url + path, { headers: { "x-telegram-username": ALICE } })
        return { status: response.status, body: (await response.json()) as any }
      }
      const metadata = await get(`/api/v3/files/${photo}?metadata_only=true`)
      expect(metadata.status).toBe(200)
      expect(info.structuredContent).toEqual(metadata.body)
      const range = await get(`/api/v3/history/${NOTES}?start_date=2024-02-01&end_date=2024-01-01`)
      expect(range.status).toBe(400)
      expect(textOf(reversed)).toBe(range.body.detail)
    } finally {
      await server.stop()
    }
  }, 60_000)

  it("refuses an unknown session and a malformed scope, naming the fix", async () => {
    const unknown = await runToExit(["--session", "nobody", "--data-dir", dataDir])
    expect(unknown.code).toBe(2)
    expect(unknown.stderr).toContain(`tgsc-mcp: Session 'nobody' is not logged in: log it in with tgsc-auth nobody --data-dir ${dataDir}`)
    const scope = await runToExit(["--session", ALICE, "--data-dir", dataDir, "--scope", "channel:1"])
    expect(scope.code).toBe(2)
    expect(scope.stderr).toContain('tgsc-mcp: --scope: invalid scope "channel:1": expected folder:<id or title> or dialog:<id>')
    // A bad proxy is named, and its password never shown.
    const proxy = await runToExit(["--session", ALICE, "--data-dir", dataDir, "--proxy", "socks5://me:hunter2@proxy.example"])
    expect(proxy.code).toBe(2)
    expect(proxy.stderr).toContain("tgsc-mcp: --proxy (or TGSC_PROXY): ")
    expect(proxy.stderr).not.toContain("hunter2")
  })
})

describe("tgsc-mcp relayed (a tgsc-server holds the data directory)", () => {
  it("relays to the server's /mcp with the API token; the server does the work once", async () => {
    const server = await startServer({ dataDir, env: { ...env, TGSC_API_TOKEN: TOKEN } })
    try {
      const record = JSON.parse(await fs.readFile(`${dataDir}/.tgsc.server.json`, "utf8"))
      expect(record).toEqual({ url: server.url, pid: server.child.pid, token_required: true })
      expect((await fs.stat(`${dataDir}/.tgsc.server.json`)).mode & 0o777).toBe(0o600)

      const missing = await runToExit(["--session", ALICE, "--data-dir", dataDir])
      expect(missing.code).toBe(2)
      expect(missing.stderr).toContain("requires an API token: set TGSC_API_TOKEN in tgsc-mcp's environment")

      await fetch(`${w.emulator.control}/calls/reset`, { method: "POST" })
      const mcp = await connect(["--scope", `dialog:${CRYPTO}`], { TGSC_API_TOKEN: TOKEN })
      try {
        expect(mcp.stderr()).toMatch(/relayed to tgsc-server at http:\/\/127\.0\.0\.1:\d+/)
        const dialogs = await mcp.client.callTool({ name: "search_dialogs", arguments: {} })
        expect(ids(dialogs)).toEqual([CRYPTO])
        const listed = await calls("messages.GetDialogs")
        expect(listed).toBeGreaterThan(0)
        await mcp.client.callTool({ name: "search_dialogs", arguments: { query: "news" } })
        // One process asks Telegram, once: the server's dialog cache answered the second search.
        expect(await calls("messages.GetDialogs")).toBe(listed)
        // What the embedded run cached is what the server serves from.
        const status = await mcp.client.callTool({ name: "cache_status", arguments: { dialog_id: CRYPTO } }) as any
        expect(status.structuredContent.cached_messages).toBe(4)
        const page = await mcp.client.callTool({ name: "read_history", arguments: { dialog_id: CRYPTO, format: "json" } }) as any
        expect(page.structuredContent.messages.map((m: any) => m.message_id)).toEqual([1, 2, 3, 4])
        const outside = await mcp.client.callTool({ name: "cache_status", arguments: { dialog_id: RUST } }) as any
        expect(textOf(outside)).toBe(`Dialog ${RUST} not found: this account cannot see it`)
      } finally {
        await mcp.close()
      }
      // Progress notifications come through the relay as the server sends them (SSE), for a dialog not cached yet.
      const unscoped = await connect([], { TGSC_API_TOKEN: TOKEN })
      try {
        const progress: Array<number> = []
        const page = await unscoped.client.callTool(
          { name: "read_history", arguments: { dialog_id: RUST } },
          undefined,
          { onprogress: (p) => progress.push(p.progress) }
        ) as any
        expect(page.structuredContent.messages.map((m: any) => m.message_id)).toEqual([10, 11, 12, 13, 14, 15])
        expect(progress.length).toBeGreaterThan(0)
      } finally {
        await unscoped.close()
      }
      expect(server.output()).toMatch(/POST \/mcp 200/)
    } finally {
      await server.stop()
    }
    await expect(fs.access(`${dataDir}/.tgsc.server.json`)).rejects.toThrow()
  }, 60_000)
})
