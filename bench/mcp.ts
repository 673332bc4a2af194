/**
 * The MCP server over streamable HTTP (POST /mcp), against the REST API in
 * the same invocation:
 *
 * - search_dialogs on the 10k-dialog account of bench/search.ts, warm
 *   dialog cache, one call at a time from a client process
 *   (bench/clients/mcp-load.mjs: one JSON-RPC tools/call per POST, as an MCP
 *   client sends it). Baseline: GET /api/v3/search/dialogs with the same
 *   queries (bench/clients/http-load.mjs), runs alternating. Target: p50 at
 *   most 1.5x the REST endpoint's.
 * - read_history pages from a warm cache of 1M messages (written through the
 *   server's own store, as bench/history.ts writes it), Markdown,
 *   max_tokens=50000, following next_cursor over the first PAGED messages.
 *   Baseline: the same messages streamed over SSE by the history endpoint
 *   (bench/clients/sse-count.mjs). Target: at least 20,000 messages/s.
 */
import * as fs from "node:fs/promises"
import * as path from "node:path"
import { generatedDate } from "../test/emulator/Generate.js"
import { markPeerId } from "../src/domain/PeerId.js"
import { ACCOUNT, dateParam, fill, scenario, spec, START } from "./history.js"
import { median, percentile, type Row } from "./lib/Measure.js"
import { projectRoot, run, startServer, tempDir } from "./lib/Processes.js"
import { qrLogin, serverEnvFor, startEmulatorProcess, streamInClient } from "./lib/Telegram.js"
import { load, manyDialogs, ME, QUERIES, SESSION } from "./search.js"

const client = path.join(projectRoot, "bench/clients/mcp-load.mjs")

const mcp = async (args: ReadonlyArray<string>) => {
  const proc = run(process.execPath, [client, ...args])
  const code = await proc.exited
  if (code !== 0) throw new Error(`the MCP client failed (${code}):\n${proc.output()}`)
  return JSON.parse(proc.output().trim().split("\n").at(-1)!) as unknown
}

const searchRows = async (runs: number, quick: boolean): Promise<Array<Row>> => {
  const count = quick ? 2_000 : 10_000
  const requests = quick ? 300 : 1_000
  const { scenario: world } = manyDialogs(count)
  const emulator = await startEmulatorProcess(world)
  const dataDir = await tempDir("tgsc-bench-mcp-search-")
  try {
    const server = await startServer({ dataDir, env: serverEnvFor(emulator), args: ["--dialog-cache-ttl", "86400"] })
    try {
      await qrLogin(server.url, emulator, SESSION, ME)
      // Warm: the dialog list and every query's page counts, through both ways in.
      await load(server.url, 1, QUERIES.length)
      await mcp([server.url, SESSION, "search", String(QUERIES.length), ...QUERIES])
      const rest: Array<number> = []
      const ours: Array<number> = []
      for (let i = 0; i < runs; i++) {
        rest.push(...(await load(server.url, 1, requests)).latencies)
        ours.push(...(await mcp([server.url, SESSION, "search", String(requests), ...QUERIES]) as { latencies: Array<number> }).latencies)
      }
      const p50 = percentile(ours, 50)
      const restP50 = percentile(rest, 50)
      return [{
        benchmark: `MCP search_dialogs (${count / 1000}k dialogs, warm cache)`,
        metric: "p50 latency over streamable HTTP, one at a time (baseline: GET /api/v3/search/dialogs)",
        unit: "ms",
        value: p50,
        baseline: restP50,
        target: "<= 1.5x baseline",
        met: p50 <= 1.5 * restP50,
        runs
      }]
    } finally {
      await server.stop()
    }
  } finally {
    await emulator.stop()
    await fs.rm(dataDir, { recursive: true, force: true })
  }
}

const historyRows = async (runs: number, quick: boolean): Promise<Array<Row>> => {
  const channel = 3001
  const count = quick ? 100_000 : 1_000_000
  const paged = quick ? 50_000 : 200_000
  const dialogId = markPeerId("channel", channel)
  const dataDir = await tempDir("tgsc-bench-mcp-history-")
  const emulator = await startEmulatorProcess(scenario([channel]))
  try {
    const g = spec(channel, count)
    const filling = performance.now()
    await fill(path.join(dataDir, "accounts"), dialogId, g)
    process.stderr.write(`  cache written in ${((performance.now() - filling) / 1000).toFixed(1)} s\n`)
    const server = await startServer({ dataDir, env: serverEnvFor(emulator) })
    try {
      await qrLogin(server.url, emulator, SESSION, ACCOUNT)
      // The range the first `paged` messages fill, so both read exactly those.
      const end = generatedDate(g, paged)
      const sse = `${server.url}/api/v3/history/${dialogId}?start_date=${encodeURIComponent(dateParam(START))}` +
        `&end_date=${encodeURIComponent(dateParam(end))}&chunk_size=100`
      const pages = [server.url, SESSION, "pages", String(paged), String(dialogId), dateParam(START), dateParam(end), "50000"]
      await streamInClient(sse, SESSION, undefined)
      await mcp([...pages.slice(0, 3), String(paged / 10), ...pages.slice(4)])
      const ours: Array<number> = []
      const base: Array<number> = []
      let pageCount = 0
      for (let i = 0; i < runs; i++) {
        const read = await mcp(pages) as { messages: number; pages: number; ms: number }
        if (read.messages !== paged) throw new Error(`read_history gave ${read.messages} messages, expected ${paged}`)
        ours.push(read.messages / (read.ms / 1000))
        pageCount = read.pages
        const streamed = await streamInClient(sse, SESSION, paged)
        base.push(streamed.messages / (streamed.ms / 1000))
      }
      const rate = median(ours)
      return [{
        benchmark: `MCP read_history (${count >= 1_000_000 ? "1M" : `${count / 1000}k`} cache, warm)`,
        metric: `messages per second rendered as Markdown, max_tokens=50000 (${pageCount} pages of ${paged / 1000}k messages; ` +
          "baseline: the same messages over SSE)",
        unit: "msg/s",
        value: rate,
        baseline: median(base),
        target: ">= 20,000 msg/s",
        met: rate >= 20_000,
        runs
      }]
    } finally {
      await server.stop()
    }
  } finally {
    await emulator.stop()
    await fs.rm(dataDir, { recursive: true, force: true })
  }
}

export const mcpBenchmark = async (runs: number, quick: boolean): Promise<Array<Row>> => [
  ...(await searchRows(runs, quick)),
  ...(await historyRows(runs, quick))
]
