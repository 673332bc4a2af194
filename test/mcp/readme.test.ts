/**
 * README "Use from an AI agent": its two client configurations, taken from
 * README.md at test time and used as an MCP client would use them, against
 * the emulator: the HTTP one with the official SDK's streamable HTTP client
 * (only the port and the token filled in), the stdio one by spawning its
 * command and arguments with its environment (the paths filled in; the
 * credentials it shows are ones the emulator accepts). Needs `npm run build`
 * (the config runs dist/bin/tgsc-mcp.js).
 */
import * as fs from "node:fs"
import * as path from "node:path"
import { Client } from "@modelcontextprotocol/sdk/client/index.js"
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js"
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { cleanEnv, makeTempDir, projectRoot } from "../support/ServerProcess.js"
import { type McpWorld, startMcpWorld } from "./McpFixture.js"

const TOKEN = "readme-mcp-token-2290"

interface ServerConfig {
  readonly command?: string
  readonly args?: Array<string>
  readonly env?: Record<string, string>
  readonly type?: string
  readonly url?: string
  readonly headers?: Record<string, string>
}

/** The ```json blocks of the section, each `{"mcpServers": {"telegram": ...}}`. */
const configs = (): Array<ServerConfig> => {
  const readme = fs.readFileSync(path.join(projectRoot, "README.md"), "utf8")
  const start = readme.indexOf("\n## Use from an AI agent\n")
  const end = readme.indexOf("\n## ", start + 1)
  const section = readme.slice(start, end)
  return [...section.matchAll(/```json\n([\s\S]*?)```/g)].map((m) => JSON.parse(m[1]!).mcpServers.telegram as ServerConfig)
}

let w: McpWorld
let dataDir: string

beforeAll(async () => {
  dataDir = await makeTempDir()
  w = await startMcpWorld({ dataDir, big: false, env: { TGSC_API_TOKEN: TOKEN } })
  await w.login("me", 1001)
}, 60_000)

afterAll(async () => {
  await w?.stop()
  fs.rmSync(dataDir, { recursive: true, force: true })
})

const useTools = async (client: Client) => {
  const { tools } = await client.listTools()
  expect(tools.length).toBe(7)
  const found = await client.callTool({ name: "search_dialogs", arguments: { query: "crypto", min_score: 0.6 } }) as any
  expect(found.structuredContent.results[0].title).toBe("Crypto News")
}

describe("README: Use from an AI agent", () => {
  it("has a stdio and an HTTP configuration", () => {
    const [stdio, http] = configs()
    expect(stdio!.command).toBe("node")
    expect(http!.url).toBe("http://localhost:8000/mcp")
  })

  it("the HTTP configuration reaches the running server's /mcp", async () => {
    const http = configs()[1]!
    const url = new URL(http.url!.replace("8000", String(w.server.port)))
    const headers = Object.fromEntries(Object.entries(http.headers!).map(([k, v]) => [k, v.replace("YOUR_TGSC_API_TOKEN", TOKEN)]))
    const client = new Client({ name: "readme", version: "1.0.0" })
    await client.connect(new StreamableHTTPClientTransport(url, { requestInit: { headers } }))
    try {
      await useTools(client)
    } finally {
      await client.close()
    }
  })

  it("the stdio configuration starts tgsc-mcp on the data directory", async () => {
    // No server on the directory: tgsc-mcp runs the tools itself, with the credentials the config gives it.
    await w.server.stop()
    const stdio = configs()[0]!
    const args = stdio.args!.map((a) => a.replace("/path/to/tgsc", projectRoot).replace("/path/to/data", dataDir))
    expect(fs.existsSync(args[0]!)).toBe(true)
    const client = new Client({ name: "readme", version: "1.0.0" })
    await client.connect(new StdioClientTransport({
      command: stdio.command!,
      args,
      env: cleanEnv({ ...w.emulator.env, ...stdio.env }) as Record<string, string>,
      stderr: "ignore"
    }))
    try {
      await useTools(client)
    } finally {
      await client.close()
    }
  })
})
