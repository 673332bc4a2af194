/**
 * `npm run bench [-- --only a,b] [--runs n] [--quick] [--no-build]`: builds
 * the server, runs the benchmarks, prints a table and, for a complete run
 * without --quick, writes it into bench/RESULTS.md between the
 * generated-results markers (the notes around them, e.g. profiles and
 * before/after figures, are kept).
 */
import { execFileSync } from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { parseArgs } from "node:util"
import { formatRow, type Row } from "./lib/Measure.js"
import { projectRoot } from "./lib/Processes.js"
import { emulatorBenchmark } from "./emulator.js"
import { historyBenchmark } from "./history.js"
import { liveUpdatesBenchmark } from "./live-updates.js"
import { localSearchBenchmark } from "./local-search.js"
import { mcpBenchmark } from "./mcp.js"
import { searchBenchmark } from "./search.js"
import { startupBenchmark } from "./startup.js"
import { syncBenchmark } from "./sync.js"
import { coldSyncLimitsBenchmark } from "./cold-sync-limits.js"
import { syncConcurrencyBenchmark } from "./sync-concurrency.js"
import { webAppBenchmark } from "./web-app.js"

interface Benchmark {
  readonly name: string
  readonly description: string
  readonly run: (options: { readonly runs: number; readonly quick: boolean }) => Promise<Array<Row>>
}

const BENCHMARKS: ReadonlyArray<Benchmark> = [
  { name: "startup", description: "start-up time and idle memory", run: ({ runs }) => startupBenchmark(runs) },
  {
    name: "emulator",
    description: "history messages per second the Telegram emulator serves to one GramJS client",
    run: ({ runs, quick }) => emulatorBenchmark(runs, quick)
  },
  {
    name: "history",
    description: "cached history (200k and 1M messages) streamed over SSE: messages per second and peak RSS",
    run: ({ runs, quick }) => historyBenchmark(runs, quick)
  },
  {
    name: "sync",
    description: "cold sync of 100k messages from the emulator into the cache and out over SSE, media off and on",
    run: ({ runs, quick }) => syncBenchmark(runs, quick)
  },
  {
    name: "concurrency",
    description: "cold sync over a 150 ms round trip by sync_concurrency (1, 4, 8, 16): messages per second against one walk",
    run: ({ runs, quick }) => syncConcurrencyBenchmark(runs, quick)
  },
  {
    name: "limits",
    description: "cold sync at Telegram's limits (100k messages; 20k with --quick; at most 2 runs, each about 5 minutes): " +
      "150 ms a round trip against the single-walker bound, share of a 30/s budget used alone and by two syncs at once",
    run: ({ runs, quick }) =>
      coldSyncLimitsBenchmark({
        count: quick ? 20_000 : 100_000,
        runs: Math.min(runs, 2),
        latency: "150ms",
        rate: ["messages.GetHistory=30/s,burst=60"],
        takeout: false,
        bare: true
      })
  },
  {
    name: "search",
    description: "fuzzy dialog search over 10k dialogs: latency and throughput over HTTP",
    run: ({ runs, quick }) => searchBenchmark(runs, quick)
  },
  {
    name: "localsearch",
    description: "local full-text search over 1M cached messages in 100 dialogs: backfill, index size, query latency over HTTP",
    run: ({ runs, quick }) => localSearchBenchmark(runs, quick)
  },
  {
    name: "mcp",
    description: "the MCP server over streamable HTTP: search_dialogs against the REST endpoint, read_history pages from a warm cache",
    run: ({ runs, quick }) => mcpBenchmark(runs, quick)
  },
  {
    name: "updates",
    description: "live updates: post-to-event latency at 200 posts/s over 50 channels, catch-up rate after changes made while down",
    run: ({ runs, quick }) => liveUpdatesBenchmark(runs, quick)
  },
  {
    name: "webapp",
    description: "the web app in chromium over 1M cached messages: first dialog list, opening at the newest page and at a date, DOM nodes and JS heap after scrolling 100k",
    run: ({ runs, quick }) => webAppBenchmark(runs, quick)
  }
]

const { values } = parseArgs({
  options: {
    only: { type: "string" },
    runs: { type: "string" },
    quick: { type: "boolean", default: false },
    "no-build": { type: "boolean", default: false },
    help: { type: "boolean", short: "h", default: false }
  }
})

if (values.help) {
  process.stdout.write(
    "npm run bench -- [--only name,name] [--runs n] [--quick] [--no-build]\n\n" +
      BENCHMARKS.map((b) => `  ${b.name.padEnd(12)} ${b.description}`).join("\n") + "\n"
  )
  process.exit(0)
}

const quick = values.quick === true
const runs = values.runs !== undefined ? Number(values.runs) : quick ? 3 : 5
const only = values.only?.split(",").map((s) => s.trim()).filter((s) => s !== "")
const selected = BENCHMARKS.filter((b) => only === undefined || only.includes(b.name))
if (only !== undefined) {
  const unknown = only.filter((n) => !BENCHMARKS.some((b) => b.name === n))
  if (unknown.length > 0) {
    process.stderr.write(`unknown benchmark(s): ${unknown.join(", ")}\n`)
    process.exit(2)
  }
}

const markdownTable = (rows: ReadonlyArray<Row>) => {
  const header = "| benchmark | metric | value | baseline | ratio | target | met | runs |\n|---|---|---|---|---|---|---|---|"
  const lines = rows.map(formatRow).map((r) =>
    `| ${r.benchmark} | ${r.metric} | ${r.value} | ${r.baseline} | ${r.ratio} | ${r.target} | ${r.met} | ${r.runs} |`
  )
  return [header, ...lines].join("\n")
}

const START = "<!-- results:start -->"
const END = "<!-- results:end -->"

const writeResults = (rows: ReadonlyArray<Row>, seconds: number) => {
  const file = path.join(projectRoot, "bench/RESULTS.md")
  const cpu = os.cpus()[0]?.model ?? "unknown CPU"
  const generated = [
    START,
    `Measured ${new Date().toISOString().slice(0, 10)} on ${cpu} (${os.cpus().length} cores, ${
      Math.round(os.totalmem() / 1024 ** 3)
    } GiB), Node ${process.version}, ${os.platform()} ${os.release()}; ${Math.round(seconds)} s in all.`,
    "",
    "Each value is the median of the runs; the baseline is measured in the same invocation and the ratio is value / baseline.",
    "",
    markdownTable(rows),
    END
  ].join("\n")
  const before = fs.existsSync(file) ? fs.readFileSync(file, "utf8") : "# Benchmark results\n\n" + START + "\n" + END + "\n"
  const at = before.indexOf(START)
  const end = before.indexOf(END)
  const next = at >= 0 && end > at
    ? before.slice(0, at) + generated + before.slice(end + END.length)
    : before + "\n" + generated + "\n"
  fs.writeFileSync(file, next)
  return file
}

const main = async () => {
  const started = performance.now()
  if (values["no-build"] !== true) {
    process.stderr.write("building dist/ ...\n")
    execFileSync("npm", ["run", "--silent", "build"], { cwd: projectRoot, stdio: "inherit" })
  }
  const rows: Array<Row> = []
  for (const benchmark of selected) {
    process.stderr.write(`running ${benchmark.name} (${benchmark.description}) ...\n`)
    const t = performance.now()
    const result = await benchmark.run({ runs, quick })
    rows.push(...result)
    process.stderr.write(`  done in ${((performance.now() - t) / 1000).toFixed(1)} s\n`)
  }
  process.stdout.write(markdownTable(rows) + "\n")
  // RESULTS.md holds a whole run: a partial or quick one is printed only, never replacing it.
  if (only !== undefined || quick) {
    process.stderr.write("not written to bench/RESULTS.md (only a complete run without --quick is)\n")
    return
  }
  const file = writeResults(rows, (performance.now() - started) / 1000)
  process.stderr.write(`written to ${path.relative(process.cwd(), file)}\n`)
}

main().then(
  () => process.exit(0),
  (error) => {
    process.stderr.write(`benchmark failed: ${error instanceof Error ? error.stack : String(error)}\n`)
    process.exit(1)
  }
)
