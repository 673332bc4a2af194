/**
 * Cold sync over a slow link, by `sync_concurrency`: a channel of 50k
 * messages (20k with --quick) synced over SSE with an empty cache while every byte
 * between the server and the emulator goes through a TCP proxy that holds
 * it for half the round trip in each direction (150 ms a round trip, as
 * Telegram answers from far away), so each getHistory costs one round trip
 * whatever the CPU does.
 *
 * Baseline: the same sync with `sync_concurrency: 1` (one walk, a page at a
 * time with the next asked ahead: the single-walker bound, 100 messages a
 * round trip). Each other value is the same sync with that many requests
 * allowed in flight; the target (issue 19) is 4x the baseline.
 */
import * as fs from "node:fs/promises"
import * as net from "node:net"
import { median, type Row } from "./lib/Measure.js"
import { startServer, tempDir } from "./lib/Processes.js"
import { benchScenario } from "./emulator.js"
import { timedColdSync } from "./sync.js"
import { qrLogin, serverEnvFor, startEmulatorProcess } from "./lib/Telegram.js"

const ACCOUNT = 1001
const SESSION = "bench"
const ROUND_TRIP_MS = 150

/** A TCP proxy to `target` (host:port) holding every chunk `oneWayMs` in each direction, order kept. */
const delayProxy = async (target: string, oneWayMs: number) => {
  const colon = target.lastIndexOf(":")
  const host = target.slice(0, colon).replace(/^\[|\]$/g, "")
  const port = Number(target.slice(colon + 1))
  const sockets = new Set<net.Socket>()
  const pipe = (from: net.Socket, to: net.Socket) => {
    from.on("data", (chunk) => void setTimeout(() => to.destroyed || to.write(chunk), oneWayMs))
    from.on("close", () => void setTimeout(() => to.destroy(), oneWayMs))
    from.on("error", () => to.destroy())
  }
  const server = net.createServer((client) => {
    const upstream = net.connect(port, host)
    for (const s of [client, upstream]) {
      sockets.add(s)
      s.on("close", () => sockets.delete(s))
      s.setNoDelay(true)
    }
    pipe(client, upstream)
    pipe(upstream, client)
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  const address = server.address() as net.AddressInfo
  return {
    endpoint: `127.0.0.1:${address.port}`,
    stop: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy()
        server.close(() => resolve())
      })
  }
}

export const syncConcurrencyBenchmark = async (runs: number, quick: boolean): Promise<Array<Row>> => {
  const count = quick ? 20_000 : 50_000
  const levels = quick ? [1, 2, 4, 8, 16] : [1, 4, 8, 16]
  const emulator = await startEmulatorProcess(benchScenario(count))
  const proxy = await delayProxy(emulator.env.TGSC_TELEGRAM_DC!, ROUND_TRIP_MS / 2)
  const env = { ...serverEnvFor(emulator), TGSC_TELEGRAM_DC: proxy.endpoint }
  const template = await tempDir("tgsc-bench-concurrency-")
  const dirs: Array<string> = [template]
  try {
    {
      const server = await startServer({ dataDir: template, env })
      try {
        await qrLogin(server.url, emulator, SESSION, ACCOUNT)
      } finally {
        await server.stop()
      }
    }
    /** One cold sync with `sync_concurrency` as given; ms from request to the stream's end. */
    const sync = async (concurrency: number) =>
      (await timedColdSync({ template, env, dirs, settings: `download_media: false\nsync_concurrency: ${concurrency}\n`, count })).ms
    const times = new Map<number, Array<number>>(levels.map((l) => [l, []]))
    for (let i = 0; i < runs; i++) for (const level of levels) times.get(level)!.push(await sync(level))
    const rate = (ms: number) => count / (ms / 1000)
    const baseline = rate(median(times.get(1)!))
    const benchmark = `Cold sync over a ${ROUND_TRIP_MS} ms round trip (${count / 1000}k messages, media off)`
    return levels.filter((l) => l > 1).map((level): Row => {
      const value = rate(median(times.get(level)!))
      return {
        benchmark,
        metric: `messages per second with sync_concurrency ${level} (baseline: 1, one walk)`,
        unit: "msg/s",
        value,
        baseline,
        target: level >= 8 ? ">= 4x baseline" : "informational",
        met: level >= 8 ? value >= 4 * baseline : null,
        runs
      }
    })
  } finally {
    await proxy.stop()
    await emulator.stop()
    await Promise.all(dirs.map((d) => fs.rm(d, { recursive: true, force: true })))
  }
}
