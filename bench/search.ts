/**
 * Dialog search: an account with 10k dialogs (private chats, bots, basic
 * groups, channels, supergroups; titles in several scripts), the server's
 * dialog cache warm (every query asked once, and a cache TTL longer than the
 * run), and fuzzy title searches (`/api/v3/search/dialogs?q=...`) over HTTP
 * from a load generator in its own process (bench/clients/http-load.mjs):
 * latency one request at a time (p50, p99), and throughput with 8 at a time.
 *
 * Baseline: the same domain function (searchDialogs, src/domain) called in
 * this process on the same dialogs, built from the scenario as the server's
 * Telegram adapter builds them, with the same queries: what the search
 * itself costs, without HTTP, the session, the cache or the response.
 */
import { Either } from "effect"
import type { DialogKind, DialogRecord } from "../src/domain/Dialog.js"
import { defaultDialogSearchParams } from "../src/domain/DialogFilters.js"
import { markPeerId } from "../src/domain/PeerId.js"
import { dialogRecord } from "../test/support/DialogRecords.js"
import { noCounts, searchDialogs } from "../test/support/DialogSearchSteps.js"
import { prng } from "../test/emulator/Generate.js"
import { percentile, type Row } from "./lib/Measure.js"
import { projectRoot, run, startServer, tempDir } from "./lib/Processes.js"
import { qrLogin, serverEnvFor, startEmulatorProcess } from "./lib/Telegram.js"
import * as fs from "node:fs/promises"
import * as path from "node:path"

export const ME = 100
export const SESSION = "bench"

const FIRST = ["Anna", "Ben", "Chloé", "Dmitri", "Émile", "Fatima", "Giulia", "Hiro", "Ingrid", "José", "Kasia", "Liam", "Mårten", "Nadia", "Priya", "Søren", "Tomás", "Yara", "Zoë", "Александр", "Мария", "陳", "佐藤", "김", "محمد", "נועה", "Ελένη", "Ünal"]
const LAST = ["Smith", "Müller", "Dubois", "Иванова", "García", "Rossi", "Nguyễn", "田中", "O'Brien", "Łukasiewicz", "Kowalski", "Andersson"]
const WORDS = ["Crypto", "News", "Daily", "Science", "Book", "Club", "Family", "Tokyo", "Friends", "Climbing", "Board", "Games", "Rust", "TypeScript", "Python", "Devs", "Photo", "Startups", "Berlin", "Remote", "Chess", "Cyclists", "Weather", "Alerts", "Music", "Football", "Live", "Recipes", "Garden", "Deals", "Haiku", "Tech", "Radar", "Kunst", "Kultur", "Новости", "дня", "Линукс", "клуб", "中文", "新闻", "東京", "友達", "مجموعة", "Café", "Reunion", "Project", "Ω", "🚀", "🔥", "⚽"]

/** The queries searched: words of the titles, misspelt ones, other scripts, and words no title has. */
export const QUERIES = ["crypto news", "famly", "book club", "новости", "tokyo frends", "anna", "rust devs", "typescript", "weather", "photo", "garden", "chess club", "startups berlin", "cafe", "python", "music live", "science daily", "deals", "football", "haiku", "müller", "kowalsky", "東京", "zzqx"]

interface Generated {
  readonly scenario: unknown
  readonly dialogs: ReadonlyArray<DialogRecord>
}

/** An account with `count` dialogs, every one with a message (a dialog without one is not listed by Telegram). */
export const manyDialogs = (count: number): Generated => {
  const random = prng(7)
  const pick = <A>(list: ReadonlyArray<A>): A => list[Math.floor(random() * list.length)]!
  const words = (n: number) => Array.from({ length: n }, () => pick(WORDS)).join(" ")
  const users: Array<Record<string, unknown>> = [{ id: ME, first_name: "Bench" }]
  const chats: Array<Record<string, unknown>> = []
  const channels: Array<Record<string, unknown>> = []
  const dialogs: Array<Record<string, unknown>> = []
  const messages: Array<Record<string, unknown>> = []
  const records: Array<DialogRecord> = []
  const start = Date.UTC(2020, 0, 1) / 1000
  for (let i = 0; i < count; i++) {
    const date = start + i * 3600
    const dateText = new Date(date * 1000).toISOString().slice(0, 19).replace("T", " ")
    const slot = i % 10
    let peer: string
    let kind: DialogKind
    let title: string
    let id: number
    let username: string | null = null
    if (slot < 4) {
      id = 1000 + i
      const bot = slot === 3 && i % 20 === 3
      const first = bot ? `${pick(WORDS)} Bot` : pick(FIRST)
      const last = bot || i % 5 === 0 ? null : pick(LAST)
      username = bot ? `helper${i}_bot` : i % 3 === 0 ? `user${i}` : null
      users.push({ id, first_name: first, ...(last === null ? {} : { last_name: last }), ...(username === null ? {} : { username }), bot })
      peer = `user:${id}`
      kind = bot ? "bot" : "user"
      title = last === null ? first : `${first} ${last}`
      messages.push({ peer, owner: ME, date: dateText, text: `hello ${i}` })
    } else if (slot < 6) {
      id = 100_000 + i
      title = `${words(1 + (i % 3))} ${i % 7 === 0 ? `#${i}` : ""}`.trim()
      chats.push({ id, title, creator: ME, members: [ME] })
      peer = `chat:${id}`
      kind = "group"
      messages.push({ peer, owner: ME, date: dateText, text: `hello ${i}` })
    } else {
      id = 200_000 + i
      const megagroup = slot >= 8
      title = `${words(1 + (i % 4))}${i % 9 === 0 ? ` ${i}` : ""}`
      username = i % 2 === 0 ? `chan${i}` : null
      channels.push({ id, title, megagroup, participants_count: 10 + (i % 5000), ...(username === null ? {} : { username }) })
      peer = `channel:${id}`
      kind = megagroup ? "supergroup" : "channel"
      messages.push({ peer, id: 1, date: dateText, text: `hello ${i}` })
    }
    dialogs.push({ peer })
    const [peerKind] = peer.split(":") as ["user" | "chat" | "channel"]
    records.push(dialogRecord(markPeerId(peerKind, id), {
      kind,
      title,
      username,
      isCreator: kind === "group",
      participantsCount: peerKind === "channel" ? 10 + (i % 5000) : null,
      lastMessageDate: date,
      lastMessagePreview: `hello ${i}`
    }))
  }
  return {
    scenario: { users, chats, channels, accounts: [{ user: ME, dialogs }], messages },
    dialogs: records
  }
}

export const searchPath = (q: string) => `/api/v3/search/dialogs?q=${encodeURIComponent(q)}`

interface Load {
  readonly requestsPerSecond: number
  readonly latencies: Array<number>
}

export const load = async (url: string, concurrency: number, requests: number): Promise<Load> => {
  const proc = run(process.execPath, [
    path.join(projectRoot, "bench/clients/http-load.mjs"),
    url,
    SESSION,
    String(concurrency),
    String(requests),
    ...QUERIES.map(searchPath)
  ])
  const code = await proc.exited
  if (code !== 0) throw new Error(`the load generator failed (${code}):\n${proc.output()}`)
  return JSON.parse(proc.output().trim().split("\n").at(-1)!) as Load
}

/** The domain function on the same dialogs and queries: each call's milliseconds. */
const inProcess = (dialogs: ReadonlyArray<DialogRecord>, calls: number) => {
  const latencies: Array<number> = []
  const started = performance.now()
  for (let i = 0; i < calls; i++) {
    const t = performance.now()
    const page = searchDialogs(dialogs, [], noCounts, { ...defaultDialogSearchParams, query: QUERIES[i % QUERIES.length]! })
    if (Either.isLeft(page)) throw new Error("no folder was asked for")
    latencies.push(performance.now() - t)
  }
  return { requestsPerSecond: calls / ((performance.now() - started) / 1000), latencies }
}

export const searchBenchmark = async (runs: number, quick: boolean): Promise<Array<Row>> => {
  const count = quick ? 2_000 : 10_000
  const requests = quick ? 300 : 1_000
  const { dialogs, scenario } = manyDialogs(count)
  const emulator = await startEmulatorProcess(scenario)
  const dataDir = await tempDir("tgsc-bench-search-")
  try {
    const server = await startServer({ dataDir, env: serverEnvFor(emulator), args: ["--dialog-cache-ttl", "86400"] })
    try {
      await qrLogin(server.url, emulator, SESSION, ME)
      // Warm: the dialog list, and the message counts of every query's first page, into the cache.
      const first = await fetch(`${server.url}${searchPath(QUERIES[0]!)}`, { headers: { "x-telegram-username": SESSION } })
      const body = await first.json() as { total?: number }
      if (first.status !== 200) throw new Error(`search: ${first.status} ${JSON.stringify(body)}`)
      await load(server.url, 1, QUERIES.length)
      inProcess(dialogs, QUERIES.length * 4)

      const latency: Array<Load> = []
      const throughput: Array<Load> = []
      const base: Array<ReturnType<typeof inProcess>> = []
      for (let i = 0; i < runs; i++) {
        latency.push(await load(server.url, 1, requests))
        throughput.push(await load(server.url, 8, requests))
        base.push(inProcess(dialogs, requests))
      }
      const all = (loads: ReadonlyArray<Load>) => loads.flatMap((l) => l.latencies)
      const p50 = percentile(all(latency), 50)
      const p99 = percentile(all(latency), 99)
      const rps = percentile(throughput.map((l) => l.requestsPerSecond), 50)
      const benchmark = `Dialog search (${count / 1000}k dialogs, warm cache)`
      return [
        {
          benchmark,
          metric: "p50 latency of a fuzzy search over HTTP, one at a time",
          unit: "ms",
          value: p50,
          baseline: percentile(all(base), 50),
          target: "< 5 ms",
          met: p50 < 5,
          runs
        },
        {
          benchmark,
          metric: "p99 latency, one at a time",
          unit: "ms",
          value: p99,
          baseline: percentile(all(base), 99),
          target: "informational",
          met: null,
          runs
        },
        {
          benchmark,
          metric: "searches per second, 8 at a time (baseline: one thread, in process)",
          unit: "req/s",
          value: rps,
          baseline: percentile(base.map((b) => b.requestsPerSecond), 50),
          target: "informational",
          met: null,
          runs
        }
      ]
    } finally {
      await server.stop()
    }
  } finally {
    await emulator.stop()
    await fs.rm(dataDir, { recursive: true, force: true })
  }
}
