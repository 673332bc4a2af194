/**
 * Start-up and idle: time from process start to a healthy /health, and the
 * resident memory once idle. Baseline: a minimal node:http server answering
 * /health, started the same way, so the ratio shows what tgsc adds on top of
 * starting Node itself.
 */
import { MB, median, type Row, repeat, rssBytes } from "./lib/Measure.js"
import { benchEnv, freePort, healthy, run, serverEntry, tempDir, waitFor } from "./lib/Processes.js"

const BASELINE = `
const http = require("node:http")
http.createServer((req, res) => {
  res.writeHead(200, { "content-type": "application/json" })
  res.end('{"status":"healthy"}')
}).listen(Number(process.argv[1]), "127.0.0.1")
`

const IDLE_SETTLE_MS = 2_000

const measure = async (args: (port: number) => ReadonlyArray<string>) => {
  const port = await freePort()
  const url = `http://127.0.0.1:${port}`
  const started = performance.now()
  const proc = run(process.execPath, args(port), { env: benchEnv() })
  await waitFor("health", () => healthy(url), 60_000, 2)
  const startupMs = performance.now() - started
  await new Promise((r) => setTimeout(r, IDLE_SETTLE_MS))
  const idle = rssBytes(proc.pid) ?? Number.NaN
  await proc.stop()
  return { startupMs, idleRss: idle }
}

export const startupBenchmark = async (runs: number): Promise<Array<Row>> => {
  const ours = await repeat(runs, async () => {
    const dataDir = await tempDir("tgsc-bench-start-")
    return measure((port) => [serverEntry, "--data-dir", dataDir, "--port", String(port), "--log-level", "warning"])
  }, 1)
  const base = await repeat(runs, () => measure((port) => ["-e", BASELINE, String(port)]), 1)
  const startup = median(ours.map((r) => r.startupMs)) / 1000
  const startupBase = median(base.map((r) => r.startupMs)) / 1000
  const idle = median(ours.map((r) => r.idleRss)) / MB
  const idleBase = median(base.map((r) => r.idleRss)) / MB
  return [
    {
      benchmark: "Start-up and idle",
      metric: "process start to healthy /health",
      unit: "s",
      value: startup,
      baseline: startupBase,
      target: "< 1.5 s",
      met: startup < 1.5,
      runs
    },
    {
      benchmark: "Start-up and idle",
      metric: "idle RSS",
      unit: "MB",
      value: idle,
      baseline: idleBase,
      target: "< 120 MB",
      met: idle < 120,
      runs
    }
  ]
}
