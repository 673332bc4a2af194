/**
 * Cold sync at Telegram's limits (issue 19): the bench channel synced into
 * an empty cache over SSE while the emulator (its own process) plays a far
 * Telegram, in two settings set through its control API:
 *
 * - latency (`POST /latency`, default 150ms): throughput against the
 *   single-walker bound, one page of 100 messages per round trip (100 /
 *   latency), and against a bare GramJS getHistory loop under the same
 *   latency, measured in the same invocation;
 * - a rate budget (`POST /rate`, default messages.GetHistory=30/s,burst=60,
 *   no latency): the share of the budget the sync used (`GET /rate`: allowed
 *   calls over burst + rate x the time from the first call to the last),
 *   the FLOOD_WAITs it met and the longest.
 *
 * `npx tsx bench/cold-sync-limits.ts [--count 100000] [--runs 3]
 * [--latency 150ms] [--rate messages.GetHistory=30/s,burst=60]... [--takeout] [--no-bare]`
 * (`--takeout`: setting use_takeout on, with e.g. `--rate
 * takeout:messages.GetHistory=100/s` for the export's own budget); needs
 * `npm run build` first (the server runs from dist/). Also
 * `coldSyncLimitsBenchmark` for bench/run.ts.
 */
import * as fs from "node:fs/promises"
import { pathToFileURL } from "node:url"
import { parseArgs } from "node:util"
import { destroyTestClient } from "../test/emulator/TestClient.js"
import { parseLatency } from "../test/emulator/Latency.js"
import { parseRateLimit } from "../test/emulator/RateLimits.js"
import { benchScenario } from "./emulator.js"
import { formatRow, median, type Row } from "./lib/Measure.js"
import { startServer, tempDir } from "./lib/Processes.js"
import { type EmulatorProcess, qrLogin, serverEnvFor, startEmulatorProcess } from "./lib/Telegram.js"
import { bareClient, bareLoop, timedColdSync } from "./sync.js"

const ACCOUNT = 1001
const DIALOG = -1000000000000 - 3001
const SESSION = "bench"
const PAGE = 100

export interface LimitsOptions {
  readonly count: number
  readonly runs: number
  /** As the emulator reads it: `150ms`, `150ms±20ms`. */
  readonly latency: string
  /** As the emulator reads them: `messages.GetHistory=30/s,burst=60` (and `takeout:messages.GetHistory=...` for use_takeout). */
  readonly rate: ReadonlyArray<string>
  readonly takeout: boolean
  /** Also time a bare GramJS loop under the latency (informational; at 1M it alone takes 25 minutes). */
  readonly bare: boolean
}

const control = async (emulator: EmulatorProcess, route: string, body?: unknown) => {
  const res = await fetch(`${emulator.control}${route}`, {
    method: body === undefined ? "GET" : "POST",
    ...(body === undefined ? {} : { headers: { "content-type": "application/json" }, body: JSON.stringify(body) })
  })
  if (res.status !== 200) throw new Error(`emulator ${route}: ${res.status} ${await res.text()}`)
  return await res.json() as Record<string, unknown>
}

interface Usage {
  readonly account: string
  readonly method: string
  readonly allowed: number
  readonly flood_waits: number
  readonly longest_flood_wait: number
  readonly used: number
}

export const coldSyncLimitsBenchmark = async (options: LimitsOptions): Promise<Array<Row>> => {
  const { count, runs } = options
  const latency = parseLatency(options.latency)
  if (typeof latency === "string") throw new Error(`--latency: ${latency}`)
  const limits = options.rate.map((text) => {
    const limit = parseRateLimit(text)
    if (typeof limit === "string") throw new Error(`--rate: ${limit}`)
    return limit
  })
  if (limits.length === 0) throw new Error("--rate: at least one limit")
  // A second channel as big as the first, for two syncs at once.
  const emulator = await startEmulatorProcess(benchScenario(count, 2))
  const template = await tempDir("tgsc-bench-limits-")
  const env = serverEnvFor(emulator)
  const dirs: Array<string> = [template]
  const bare = await bareClient(emulator)
  try {
    const login = await startServer({ dataDir: template, env })
    try {
      await qrLogin(login.url, emulator, SESSION, ACCOUNT)
    } finally {
      await login.stop()
    }

    const peaks: Array<number> = []
    /** One cold sync in a fresh data directory: ms from request to the stream's end (the server's peak RSS kept). */
    const ours = async () => {
      const run = await timedColdSync({ template, env, dirs, settings: `download_media: false\nuse_takeout: ${options.takeout}\n`, count })
      if (run.peakRss !== null) peaks.push(run.peakRss)
      return run.ms
    }

    const rate = (ms: number) => count / (ms / 1000)
    const suffix = options.takeout ? ", use_takeout on" : ""

    // Latency: the bare loop and ours, one after the other, under the same delay on every answer.
    await control(emulator, "/latency", { latency: options.latency })
    const base: Array<number> = []
    const withLatency: Array<number> = []
    for (let i = 0; i < runs; i++) {
      if (options.bare) {
        const b = await bareLoop(bare.client, bare.peer)
        if (b.messages !== count) throw new Error(`the baseline saw ${b.messages} messages, expected ${count}`)
        base.push(b.ms)
      }
      withLatency.push(await ours())
    }
    const latencyPeak = peaks.length === 0 ? Number.NaN : Math.max(...peaks) / (1024 * 1024)
    const bound = PAGE / (latency.ms / 1000)
    const latencyRate = rate(median(withLatency))
    const latencySection = `Cold sync at ${options.latency} per round trip (${count / 1000}k messages, media off${suffix})`

    // Rate budget: ours alone (the bare client is the same account and would spend the same budget).
    await control(emulator, "/latency", { latency: 0 })
    let bucket = ""
    const used: Array<number> = []
    const waits: Array<number> = []
    const longest: Array<number> = []
    const budgetMs: Array<number> = []
    for (let i = 0; i < runs; i++) {
      await control(emulator, "/rate", { limits: options.rate })
      budgetMs.push(await ours())
      // The bucket the sync spent most of (the plain one, or with --takeout its takeout: one when given).
      const usage = ((await control(emulator, "/rate")).usage as ReadonlyArray<Usage>)
        .filter((u) => u.account === String(ACCOUNT))
        .sort((a, b) => b.allowed - a.allowed)[0]
      if (usage === undefined) throw new Error("the emulator counted no call of the bench account against the budget")
      bucket = usage.method
      used.push(usage.used)
      waits.push(usage.flood_waits)
      longest.push(usage.longest_flood_wait)
    }
    // Two big syncs of one account at once (both channels), in one server: the budget is the account's, shared.
    const both: Array<{ ms: number; usage: Usage }> = []
    for (let i = 0; i < runs; i++) {
      await control(emulator, "/rate", { limits: options.rate })
      const { ms } = await timedColdSync({
        template,
        env,
        dirs,
        settings: `download_media: false\nuse_takeout: ${options.takeout}\n`,
        count,
        dialogs: [DIALOG, DIALOG - 1]
      })
      const usage = ((await control(emulator, "/rate")).usage as ReadonlyArray<Usage>)
        .filter((u) => u.account === String(ACCOUNT) && u.method === bucket)[0]
      if (usage === undefined) throw new Error("the emulator counted no call of the two syncs against the budget")
      both.push({ ms, usage })
    }
    await control(emulator, "/rate", { limits: [] })
    const bothSection = `Two cold syncs of one account at once under ${options.rate.join(" ")} (2 x ${count / 1000}k messages, media off${suffix})`
    const bothLongest = Math.max(...both.map((b) => b.usage.longest_flood_wait))
    const budgetSection = `Cold sync under a budget of ${options.rate.join(" ")} (${count / 1000}k messages, media off${suffix})`
    const spent = limits.find((l) => l.method === bucket) ?? limits[0]!
    return [
      {
        benchmark: latencySection,
        metric: "messages per second (baseline: the single-walker bound, 100 messages per round trip)",
        unit: "msg/s",
        value: latencyRate,
        baseline: bound,
        target: ">= 4x baseline",
        met: latencyRate >= 4 * bound,
        runs
      },
      ...(options.bare
        ? [{
          benchmark: latencySection,
          metric: "messages per second (baseline: a bare GramJS getHistory loop under the same latency)",
          unit: "msg/s",
          value: latencyRate,
          baseline: rate(median(base)),
          target: "informational",
          met: null,
          runs
        } satisfies Row]
        : []),
      {
        benchmark: latencySection,
        metric: "server peak RSS (VmHWM) over the parallel sync, the highest of the runs",
        unit: "MB",
        value: latencyPeak,
        baseline: null,
        target: "< 200 MB",
        met: latencyPeak < 200,
        runs
      },
      {
        benchmark: budgetSection,
        metric: "share of the budget used (allowed calls / (burst + rate x the sync's span of calls))",
        unit: "x",
        value: median(used),
        baseline: null,
        target: ">= 0.9",
        met: median(used) >= 0.9,
        runs
      },
      {
        benchmark: budgetSection,
        metric: `FLOOD_WAITs answered in the run (median), the longest over all runs as target`,
        unit: "x",
        value: median(waits),
        baseline: null,
        target: `longest <= 5 s (was ${Math.max(...longest)} s)`,
        met: Math.max(...longest) <= 5,
        runs
      },
      {
        benchmark: budgetSection,
        metric: `messages per second (baseline: the budget's bound, 100 messages per ${spent.method} call allowed)`,
        unit: "msg/s",
        value: rate(median(budgetMs)),
        baseline: spent.perSecond * PAGE,
        target: "informational",
        met: null,
        runs
      },
      {
        benchmark: bothSection,
        metric: "share of the account's budget used by both together",
        unit: "x",
        value: median(both.map((b) => b.usage.used)),
        baseline: null,
        target: ">= 0.9",
        met: median(both.map((b) => b.usage.used)) >= 0.9,
        runs
      },
      {
        benchmark: bothSection,
        metric: "FLOOD_WAITs answered in the run (median), the longest over all runs as target",
        unit: "x",
        value: median(both.map((b) => b.usage.flood_waits)),
        baseline: null,
        target: `longest <= 5 s (was ${bothLongest} s)`,
        met: bothLongest <= 5,
        runs
      },
      {
        benchmark: bothSection,
        metric: `messages per second of both together (baseline: the budget's bound)`,
        unit: "msg/s",
        value: (2 * count) / (median(both.map((b) => b.ms)) / 1000),
        baseline: spent.perSecond * PAGE,
        target: "informational",
        met: null,
        runs
      }
    ]
  } finally {
    await destroyTestClient(bare.client)
    await emulator.stop()
    await Promise.all(dirs.map((d) => fs.rm(d, { recursive: true, force: true })))
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { values } = parseArgs({
    options: {
      count: { type: "string", default: "100000" },
      runs: { type: "string", default: "3" },
      latency: { type: "string", default: "150ms" },
      rate: { type: "string", multiple: true, default: ["messages.GetHistory=30/s,burst=60"] },
      takeout: { type: "boolean", default: false },
      "no-bare": { type: "boolean", default: false }
    }
  })
  coldSyncLimitsBenchmark({
    count: Number(values.count),
    runs: Number(values.runs),
    latency: values.latency!,
    rate: values.rate ?? [],
    takeout: values.takeout === true,
    bare: values["no-bare"] !== true
  }).then(
    (rows) => {
      for (const row of rows.map(formatRow)) process.stdout.write(`${Object.values(row).join(" | ")}\n`)
    },
    (error: unknown) => {
      process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`)
      process.exit(1)
    }
  )
}
