/**
 * The MCP tests' world: the Telegram emulator in-process with the sample
 * accounts (test/fixtures/sample.json) plus a large channel, the server in
 * this process (InProcessServer.ts) pointed at it, sessions logged in by QR
 * through its API, and official MCP SDK clients (@modelcontextprotocol/sdk)
 * over streamable HTTP to its /mcp.
 */
import * as fs from "node:fs"
import * as path from "node:path"
import { Client } from "@modelcontextprotocol/sdk/client/index.js"
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js"
import { type RunningEmulator, startEmulator } from "../emulator/Emulator.js"
import { World } from "../emulator/World.js"
import { TEST_API_HASH, TEST_API_ID } from "../support/E2e.js"
import { type InProcessServer, startInProcessServer } from "../support/InProcessServer.js"
import { freePort, projectRoot } from "../support/ServerProcess.js"

/** A broadcast channel of BIG_COUNT generated messages in Alice's dialogs. */
export const BIG_CHANNEL = -1000000003010
export const BIG_COUNT = 30_000

export const ALICE = "alice"
export const BOB = "bob"

/** The sample world, plus (unless `big` is false) the big channel (Alice's, in no folder), and QR tokens that live long enough. */
export const mcpScenario = (options: { readonly big?: boolean } = {}): unknown => {
  const scenario = JSON.parse(fs.readFileSync(path.join(projectRoot, "test/fixtures/sample.json"), "utf8")) as {
    options: Record<string, unknown>
    channels: Array<unknown>
    accounts: Array<{ user: number; dialogs: Array<unknown> }>
    generate: Array<unknown>
  }
  scenario.options = { ...scenario.options, login_token_ttl_seconds: 60 }
  if (options.big === false) return scenario
  scenario.channels.push({
    id: 3010,
    title: "Firehose",
    username: "firehose",
    megagroup: false,
    creator: 1004,
    participants_count: 900,
    date: "2019-06-01 00:00:00"
  })
  scenario.accounts.find((a) => a.user === 1001)!.dialogs.push({ peer: "channel:3010" })
  scenario.generate.push({
    peer: "channel:3010",
    count: BIG_COUNT,
    start: "2020-01-01 00:00:00",
    end: "2023-06-01 00:00:00",
    media_every: 0,
    seed: 11
  })
  return scenario
}

export interface McpWorld {
  readonly emulator: RunningEmulator
  readonly world: World
  readonly server: InProcessServer
  readonly url: string
  /** Logs `name` in as account `userId` through the server's QR login API (with the 2FA password when given). */
  readonly login: (name: string, userId: number, password?: string) => Promise<void>
  /** An MCP client over streamable HTTP, as `session`, with extra headers (API token, scope). */
  readonly connect: (session: string, headers?: Record<string, string>) => Promise<Client>
  readonly stop: () => Promise<void>
}

export const startMcpWorld = async (options: {
  readonly args?: ReadonlyArray<string>
  readonly env?: Record<string, string>
  /** The server's data directory (kept when given); default: a fresh one, removed at stop. */
  readonly dataDir?: string
  /** With the 30k-message channel (default true). */
  readonly big?: boolean
} = {}): Promise<McpWorld> => {
  const world = World.fromScenario(mcpScenario({ big: options.big ?? true }))
  const emulator = await startEmulator({ world })
  const server = await startInProcessServer({
    ...(options.dataDir === undefined ? {} : { dataDir: options.dataDir }),
    port: await freePort(),
    args: ["--log-level", "warning", ...(options.args ?? [])],
    env: { ...emulator.env, TELEGRAM_API_ID: TEST_API_ID, TELEGRAM_API_HASH: TEST_API_HASH, ...options.env }
  }).catch(async (error) => {
    await emulator.stop()
    throw error
  })
  const url = server.url
  const token = options.env?.TGSC_API_TOKEN
  const auth: Record<string, string> = token === undefined ? {} : { authorization: `Bearer ${token}` }
  const post = (path: string, body: unknown) =>
    fetch(url + path, { method: "POST", headers: { "content-type": "application/json", ...auth }, body: JSON.stringify(body) })

  const login = async (name: string, userId: number, password?: string) => {
    const started = await (await post("/api/v3/auth/qr", { username: name })).json() as { token: string; qr_url: string }
    const scan = await fetch(`${emulator.control}/scan`, {
      method: "POST",
      body: JSON.stringify({ qr_url: started.qr_url, user_id: userId })
    })
    if (scan.status !== 200) throw new Error(`scan: ${scan.status}`)
    for (let i = 0; i < 600; i++) {
      const state = await (await fetch(`${url}/api/v3/auth/qr/${started.token}`, { headers: auth })).json() as { status: string }
      if (state.status === "success") return
      if (state.status === "password_required") {
        const answer = await (await post(`/api/v3/auth/qr/${started.token}/2fa`, { password })).json() as { status: string }
        if (answer.status === "success") return
        throw new Error(`2FA: ${JSON.stringify(answer)}`)
      }
      if (state.status !== "pending") throw new Error(`login of ${name}: ${JSON.stringify(state)}`)
      await new Promise((r) => setTimeout(r, 50))
    }
    throw new Error(`login of ${name} did not finish`)
  }

  const clients: Array<Client> = []
  const connect = async (session: string, headers: Record<string, string> = {}) => {
    const client = new Client({ name: "tgsc-test", version: "1.0.0" })
    const transport = new StreamableHTTPClientTransport(new URL(`${url}/mcp`), {
      requestInit: { headers: { "x-telegram-username": session, ...auth, ...headers } }
    })
    await client.connect(transport)
    clients.push(client)
    return client
  }

  return {
    emulator,
    world,
    server,
    url,
    login,
    connect,
    stop: async () => {
      await Promise.all(clients.map((c) => c.close().catch(() => undefined)))
      await server.stop()
      await emulator.stop()
    }
  }
}

/** A tool result's text content. */
export const textOf = (result: unknown): string =>
  (((result as { content?: unknown }).content ?? []) as Array<{ type: string; text?: string }>)
    .filter((c) => c.type === "text").map((c) => c.text).join("\n")
