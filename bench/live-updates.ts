/**
 * Live updates (issue 18), the server with --follow-updates against the
 * emulator (both processes), 50 channels:
 *
 * - latency from a post (the emulator's control API, 200 posts/s spread over
 *   the 50 channels) to its event on GET /api/v3/updates, p50 and p99.
 *   Baseline: the control API's own answer time for the same posts (what a
 *   post costs before anything reaches the server). Targets: p50 <= 50 ms,
 *   p99 <= 250 ms.
 * - catch-up: changes posted while the server is down (10,000; 2,000 with
 *   --quick), then the server started: changes per second from its start
 *   until the last one's event is on /updates. Target: >= 5,000 changes/s.
 */
import * as fs from "node:fs/promises"
import { percentile, type Row } from "./lib/Measure.js"
import { startServer, tempDir } from "./lib/Processes.js"
import { qrLogin, serverEnvFor, startEmulatorProcess } from "./lib/Telegram.js"

const ACCOUNT = 1001
const SESSION = "bench"
const CHANNELS = Array.from({ length: 50 }, (_, i) => 4000 + i)

const scenario = {
  users: [{ id: ACCOUNT, first_name: "Bench" }],
  channels: CHANNELS.map((id) => ({ id, title: `Live ${id}`, participants_count: 100 })),
  accounts: [{ user: ACCOUNT, dialogs: CHANNELS.map((id) => ({ peer: `channel:${id}` })) }],
  generate: CHANNELS.map((id) => ({ peer: `channel:${id}`, count: 5, start: "2024-01-01 00:00:00", end: "2024-06-01 00:00:00" }))
}

const now = () => new Date().toISOString().slice(0, 19).replace("T", " ")
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** Reads /updates from `since`, calling `onEvent(text of the message, arrival ms)` for each new_message. */
const listen = async (url: string, since: number | null, onEvent: (id: number, text: string, at: number) => void) => {
  const controller = new AbortController()
  const res = await fetch(`${url}/api/v3/updates${since === null ? "" : `?since=${since}`}`, {
    headers: { "x-telegram-username": SESSION },
    signal: controller.signal
  })
  if (res.status !== 200) throw new Error(`/updates answered ${res.status}: ${await res.text()}`)
  const reader = res.body!.getReader()
  const decoder = new TextDecoder()
  let buffer = ""
  const pump = (async () => {
    for (;;) {
      const next = await reader.read().catch(() => ({ done: true, value: undefined }))
      if (next.done) return
      const at = performance.now()
      buffer += decoder.decode(next.value, { stream: true })
      let end: number
      while ((end = buffer.indexOf("\n\n")) >= 0) {
        const block = buffer.slice(0, end)
        buffer = buffer.slice(end + 2)
        const id = /^id: (\d+)$/m.exec(block)?.[1]
        const text = /"message": "([^"]*)"/.exec(block)?.[1]
        if (id !== undefined && text !== undefined) onEvent(Number(id), text, at)
      }
    }
  })()
  return { stop: async () => { controller.abort(); await pump } }
}

const post = async (control: string, messages: Array<unknown>) => {
  const res = await fetch(`${control}/messages`, { method: "POST", body: JSON.stringify({ messages }) })
  if (res.status !== 200) throw new Error(`POST /messages: ${res.status} ${await res.text()}`)
}

export const liveUpdatesBenchmark = async (_runs: number, quick: boolean): Promise<Array<Row>> => {
  const posts = quick ? 400 : 2_000
  const downtime = quick ? 2_000 : 10_000
  const emulator = await startEmulatorProcess(scenario)
  const dataDir = await tempDir("tgsc-bench-live-")
  const args = ["--follow-updates"]
  try {
    let server = await startServer({ dataDir, env: serverEnvFor(emulator), args })
    const rows: Array<Row> = []
    let lastId = 0
    try {
      await qrLogin(server.url, emulator, SESSION, ACCOUNT)
      const sent = new Map<string, number>()
      const latencies: Array<number> = []
      const listener = await listen(server.url, null, (id, text, at) => {
        lastId = id
        const t = sent.get(text)
        if (t !== undefined) latencies.push(at - t)
      })
      await sleep(3000) // the loop's first catch-up (one channel difference per channel)
      const answers: Array<number> = []
      const start = performance.now()
      for (let i = 0; i < posts; i++) {
        // 200 posts per second: post i leaves at start + 5 i ms.
        const due = start + i * 5
        if (due > performance.now()) await sleep(due - performance.now())
        const text = `live-${i}`
        const t = performance.now()
        sent.set(text, t)
        void post(emulator.control, [{ peer: `channel:${CHANNELS[i % CHANNELS.length]}`, date: now(), text }]).then(() =>
          answers.push(performance.now() - t)
        )
      }
      for (let i = 0; i < 200 && latencies.length < posts; i++) await sleep(50)
      await listener.stop()
      if (latencies.length < posts) throw new Error(`only ${latencies.length} of ${posts} posts came as events`)
      rows.push({
        benchmark: "Live updates (50 channels, 200 posts/s)",
        metric: "p50 latency from a post to its event on /api/v3/updates (baseline: the control API's answer)",
        unit: "ms",
        value: percentile(latencies, 50),
        baseline: percentile(answers, 50),
        target: "<= 50 ms",
        met: percentile(latencies, 50) <= 50,
        runs: 1
      }, {
        benchmark: "Live updates (50 channels, 200 posts/s)",
        metric: "p99 latency from a post to its event (baseline: the control API's answer)",
        unit: "ms",
        value: percentile(latencies, 99),
        baseline: percentile(answers, 99),
        target: "<= 250 ms",
        met: percentile(latencies, 99) <= 250,
        runs: 1
      })
    } finally {
      await server.stop()
    }
    // Downtime: changes the server learns of only through the difference when it starts again.
    const batch = 500
    for (let i = 0; i < downtime; i += batch) {
      await post(emulator.control, Array.from({ length: Math.min(batch, downtime - i) }, (_, k) => ({
        peer: `channel:${CHANNELS[(i + k) % CHANNELS.length]}`,
        date: now(),
        text: `down-${i + k}`
      })))
    }
    const started = performance.now()
    server = await startServer({ dataDir, env: serverEnvFor(emulator), args })
    try {
      let seen = 0
      let last = 0
      const listener = await listen(server.url, lastId, (_id, text, at) => {
        if (text.startsWith("down-")) {
          seen++
          last = at
        }
      })
      for (let i = 0; i < 1200 && seen < downtime; i++) await sleep(50)
      await listener.stop()
      if (seen < downtime) throw new Error(`only ${seen} of ${downtime} changes came after the restart`)
      const rate = downtime / ((last - started) / 1000)
      rows.push({
        benchmark: `Live updates catch-up (${downtime / 1000}k changes while down)`,
        metric: "changes per second from the server's start to the last change's event (no baseline)",
        unit: "msg/s",
        value: rate,
        baseline: null,
        target: ">= 5,000 changes/s",
        met: rate >= 5_000,
        runs: 1
      })
    } finally {
      await server.stop()
    }
    return rows
  } finally {
    await emulator.stop()
    await fs.rm(dataDir, { recursive: true, force: true })
  }
}
