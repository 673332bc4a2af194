/**
 * Cached history streaming: a channel with 200k and one with 1M cached
 * messages, streamed over SSE (GET /api/v3/history/{id} with a past
 * start_date and end_date the cache covers, so Telegram is never asked for
 * messages) to a client in its own process (bench/clients/sse-count.mjs),
 * which counts the messages. Reported: messages per second, and the
 * server's peak RSS (VmHWM), one fresh server per size, so the two peaks
 * show whether memory grows with the history's size.
 *
 * The cache is written once per invocation through the server's own store
 * adapter (MessageStoreLive), so the database is exactly what the server
 * reads; the server logs in to the emulator (a child process) by QR only to
 * know its account.
 *
 * Baseline: bench/clients/sqlite-sse-baseline.mjs, a minimal node:http
 * program reading the same rows with better-sqlite3, serialising each chunk
 * of 100 with JSON.stringify, read by the same client. Runs alternate
 * between the two so a busy moment of the machine hits both alike.
 */
import * as fs from "node:fs/promises"
import * as path from "node:path"
import { Effect } from "effect"
import { MessageStoreLive } from "../src/adapters/sqlite/MessageStoreLive.js"
import { dialogDatabasePath } from "../src/adapters/sqlite/DialogLayout.js"
import * as Intervals from "../src/domain/Intervals.js"
import type { MessageRecord } from "../src/domain/Message.js"
import { markPeerId } from "../src/domain/PeerId.js"
import { MessageStore } from "../src/ports/MessageStore.js"
import { generatedDate, generatedMessage } from "../test/emulator/Generate.js"
import type { GenerateSpec } from "../test/emulator/Scenario.js"
import { MB, median, peakRssBytes, type Row } from "./lib/Measure.js"
import { freePort, projectRoot, run, startServer, tempDir, waitFor } from "./lib/Processes.js"
import { qrLogin, serverEnvFor, startEmulatorProcess, streamInClient, type StreamResult } from "./lib/Telegram.js"
import { AccountId, DialogId, MessageId } from "../src/domain/Ids.js"
import { EMPTY_DETAILS } from "../src/domain/MessageDetails.js"

export const ACCOUNT = 1001
const SESSION = "bench"
export const START = Date.UTC(2015, 0, 1) / 1000
export const END = Date.UTC(2025, 0, 1) / 1000
const CHUNK = 100
/** Messages per committed page while filling: the adapter splits them into statements of 500 rows. */
const FILL_PAGE = 5_000

export const dateParam = (seconds: number) => new Date(seconds * 1000).toISOString().slice(0, 19).replace("T", " ")

/** The channel's messages, as the emulator would generate them (no media: this measures messages). */
export const spec = (channel: number, count: number): GenerateSpec => ({
  peer: { kind: "channel", id: channel },
  owner: null,
  count,
  start: START,
  end: END,
  mediaEvery: 0,
  seed: channel,
  senders: [{ kind: "channel", id: channel }]
})

const recordOf = (g: GenerateSpec, i: number): MessageRecord => {
  const m = generatedMessage(g, i, 1)
  return {
    id: MessageId(m.id),
    date: m.date,
    editDate: null,
    senderId: markPeerId("channel", g.peer.id),
    senderFirstName: null,
    senderLastName: null,
    senderUsername: null,
    text: m.text,
    replyTo: m.replyTo,
    postAuthor: i % 7 === 0 ? "Editor" : null,
    isForwarded: false,
    forwardedFromChannelId: null,
    media: null,
    // A broadcast post always has views and forwards (its details are read back from the cache's JSON).
    details: { ...EMPTY_DETAILS, views: 100 + (i % 900), forwards: i % 7 }
  }
}

/** Writes `count` messages through MessageStoreLive, the last page proving [START, END) complete. */
export const fill = (accountsDir: string, dialogId: number, g: GenerateSpec) =>
  Effect.gen(function*() {
    const store = yield* MessageStore
    const key = { accountId: AccountId(ACCOUNT), dialogId: DialogId(dialogId) }
    for (let from = 0; from < g.count; from += FILL_PAGE) {
      const messages: Array<MessageRecord> = []
      for (let i = from; i < Math.min(g.count, from + FILL_PAGE); i++) messages.push(recordOf(g, i))
      const last = from + FILL_PAGE >= g.count
      yield* store.commitPage(key, { messages, covers: last ? Intervals.interval(START, END) : null, replace: null })
    }
  }).pipe(Effect.provide(MessageStoreLive({ accountsDir })), Effect.runPromise)

export const scenario = (channels: ReadonlyArray<number>) => ({
  users: [{ id: ACCOUNT, first_name: "Bench" }],
  channels: channels.map((id) => ({ id, title: `Archive ${id}`, participants_count: 1000 })),
  accounts: [{ user: ACCOUNT, dialogs: channels.map((id) => ({ peer: `channel:${id}` })) }],
  generate: channels.map((id) => ({ peer: `channel:${id}`, count: 10, start: "2015-01-01 00:00:00", end: "2025-01-01 00:00:00" }))
})

/** The baseline program on a database; resolves once it listens. */
const startBaseline = async (dbFile: string) => {
  const port = await freePort()
  const proc = run(process.execPath, [path.join(projectRoot, "bench/clients/sqlite-sse-baseline.mjs"), dbFile, String(port)])
  await waitFor("the baseline to listen", async () => (proc.output().includes("ready") ? true : undefined))
  return { ...proc, url: `http://127.0.0.1:${port}` }
}

interface Size {
  readonly label: string
  readonly channel: number
  readonly count: number
}

export const historyBenchmark = async (runs: number, quick: boolean): Promise<Array<Row>> => {
  const sizes: ReadonlyArray<Size> = quick
    ? [{ label: "20k", channel: 3002, count: 20_000 }, { label: "100k", channel: 3001, count: 100_000 }]
    : [{ label: "200k", channel: 3002, count: 200_000 }, { label: "1M", channel: 3001, count: 1_000_000 }]
  const dataDir = await tempDir("tgsc-bench-history-")
  const accountsDir = path.join(dataDir, "accounts")
  const emulator = await startEmulatorProcess(scenario(sizes.map((s) => s.channel)))
  const rows: Array<Row> = []
  try {
    const filling = performance.now()
    for (const size of sizes) await fill(accountsDir, markPeerId("channel", size.channel), spec(size.channel, size.count))
    process.stderr.write(`  cache written in ${((performance.now() - filling) / 1000).toFixed(1)} s\n`)

    const env = serverEnvFor(emulator)
    {
      const server = await startServer({ dataDir, env })
      try {
        await qrLogin(server.url, emulator, SESSION, ACCOUNT)
      } finally {
        await server.stop()
      }
    }

    for (const size of sizes) {
      const dialogId = markPeerId("channel", size.channel)
      const g = spec(size.channel, size.count)
      // One fresh server per size: its VmHWM is then this size's peak alone.
      const server = await startServer({ dataDir, env })
      const baseline = await startBaseline(dialogDatabasePath(accountsDir, ACCOUNT, dialogId))
      try {
        const ours = (end: number) =>
          `${server.url}/api/v3/history/${dialogId}?start_date=${encodeURIComponent(dateParam(START))}` +
          `&end_date=${encodeURIComponent(dateParam(end))}&chunk_size=${CHUNK}`
        const base = (end: number) => `${baseline.url}/?start=${START}&end=${end}&chunk=${CHUNK}`
        // Warm-up (the server's first request also connects to Telegram for the account): a tenth of the history.
        const tenth = generatedDate(g, Math.floor(size.count / 10))
        await streamInClient(ours(tenth), SESSION, undefined)
        await streamInClient(base(tenth), undefined, undefined)
        const oursRuns: Array<StreamResult> = []
        const baseRuns: Array<StreamResult> = []
        for (let i = 0; i < runs; i++) {
          oursRuns.push(await streamInClient(ours(END), SESSION, size.count))
          baseRuns.push(await streamInClient(base(END), undefined, size.count))
        }
        const rate = median(oursRuns.map((r) => r.messages / (r.ms / 1000)))
        const baseRate = median(baseRuns.map((r) => r.messages / (r.ms / 1000)))
        const rss = (peakRssBytes(server.pid) ?? Number.NaN) / MB
        const baseRss = (peakRssBytes(baseline.pid) ?? Number.NaN) / MB
        const benchmark = `Cached history streaming (${size.label})`
        rows.push(
          {
            benchmark,
            metric: "messages per second over SSE to a client process",
            unit: "msg/s",
            value: rate,
            baseline: baseRate,
            target: ">= 0.8x baseline",
            met: rate >= 0.8 * baseRate,
            runs
          },
          {
            benchmark,
            metric: "server peak RSS (VmHWM)",
            unit: "MB",
            value: rss,
            baseline: baseRss,
            target: size.count >= 1_000_000 ? "< 150 MB" : "informational",
            met: size.count >= 1_000_000 ? rss < 150 : null,
            runs
          }
        )
      } finally {
        await baseline.stop()
        await server.stop()
      }
    }
  } finally {
    await emulator.stop()
    await fs.rm(dataDir, { recursive: true, force: true })
  }
  return rows
}
