/**
 * Local full-text search (issue 16): 1M cached messages across 100 dialogs
 * (100k across 10 with --quick), generated with multilingual text (English,
 * Russian, German and French with their diacritics, Chinese, links now and
 * then), written through the server's own store adapter with the index off,
 * as caches from before the index would be. Then:
 *
 * - Backfill: the same adapter with the index on, indexing every cached
 *   message (what the first start with the feature does in the background).
 *   Baseline: better-sqlite3 inserting the same texts into a bare FTS5
 *   table (default tokenizer, no folding, no filter columns), same batches.
 * - Index size: search.db (after a checkpoint) against the bytes of message
 *   text the caches hold (target <= 0.6x).
 * - Query latency over HTTP, `source=cache` over every dialog, single words
 *   (frequent and rare, several scripts) and phrases, one at a time. Baseline:
 *   the same FTS5 query (count and the first page by date) run in process on
 *   the same search.db with better-sqlite3.
 *
 * The cold-sync cost of indexing is measured by bench/sync.ts (the same sync
 * with --no-search-index).
 */
import * as fs from "node:fs/promises"
import * as path from "node:path"
import Database from "better-sqlite3"
import { Effect, Either, Layer } from "effect"
import { MessageStoreLive } from "../src/adapters/sqlite/MessageStoreLive.js"
import { searchIndexPath } from "../src/adapters/sqlite/DialogLayout.js"
import { backfillSearchIndex } from "../src/app/SearchBackfill.js"
import * as Intervals from "../src/domain/Intervals.js"
import type { MessageRecord } from "../src/domain/Message.js"
import { markPeerId } from "../src/domain/PeerId.js"
import { parseSearchQuery, toFts5 } from "../src/domain/TextSearch.js"
import { AccountId, DialogId, MessageId } from "../src/domain/Ids.js"
import { MessageStore } from "../src/ports/MessageStore.js"
import { MB, median, percentile, type Row } from "./lib/Measure.js"
import { startServer, tempDir } from "./lib/Processes.js"
import { qrLogin, serverEnvFor, startEmulatorProcess } from "./lib/Telegram.js"
import { EMPTY_DETAILS } from "../src/domain/MessageDetails.js"

const ACCOUNT = 1001
const SESSION = "bench"
const START = Date.UTC(2015, 0, 1) / 1000
const END = Date.UTC(2025, 0, 1) / 1000
const FILL_PAGE = 5_000

/** A small deterministic generator (mulberry32), so every run indexes the same text. */
const random = (seed: number) => () => {
  seed = (seed + 0x6D2B79F5) | 0
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed)
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296
}

/**
 * Words people search for, per language; each vocabulary puts them among
 * thousands of made-up words of the same script, drawn with Zipf's law as
 * words in real text are, so a query word is in a realistic share of the
 * messages (well under one in a hundred), not in half of them.
 */
const REAL: Record<string, ReadonlyArray<string>> = {
  en: "bitcoin meeting tomorrow report project update release weekend photo invoice airport ticket deploy concert birthday".split(" "),
  ru: "криптовалюта биткоин встреча завтра отчёт проект обновление выходные аэропорт билет концерт".split(" "),
  de: "Kryptowährung Besprechung Bericht Straße Flughafen Fahrkarte Größe Brötchen Tschüss".split(" "),
  fr: "café réunion rapport élève garçon hôtel fenêtre château noël".split(" ")
}
const SYLLABLES: Record<string, ReadonlyArray<string>> = {
  en: "ba be bi bo bu ca ce co da de di do en er fa fe ga ha he in ka ke la le li lo ma me mi mo na ne no ra re ri ro sa se si so ta te ti to un ve wa".split(" "),
  ru: "ба бе би бо бу ва ве ви во да де до ка ке ко ла ле ли ло ма ме ми мо на не ни но ра ре ри ро са се си со та те ти то ша ще".split(" "),
  de: "ba be bi ch de ei en er ge ha he ie in ka ke la le ma me ne re sch st te ü ä ö un ve we ze".split(" "),
  fr: "ba be bé ce ci de dé en è fa fe la le lé ma me mé ne ou pa pe ré ri sa se té ti un va vé".split(" ")
}
const VOCABULARY = 3000
/** Where the real words sit in the frequency ranking: common, but far from the commonest. */
const REAL_FROM = 60
const REAL_EVERY = 13

/** Zipf weights' cumulative sums, for drawing ranks 0..n-1. */
const zipf = (n: number, s = 1.07) => {
  const cdf: Array<number> = []
  let sum = 0
  for (let k = 1; k <= n; k++) cdf.push(sum += 1 / Math.pow(k, s))
  return cdf.map((c) => c / sum)
}
const CDF = zipf(VOCABULARY)
const draw = (next: () => number) => {
  const x = next()
  let lo = 0
  let hi = CDF.length - 1
  while (lo < hi) {
    const mid = (lo + hi) >> 1
    if (CDF[mid]! < x) lo = mid + 1
    else hi = mid
  }
  return lo
}

const vocabulary = (lang: string): ReadonlyArray<string> => {
  const next = random(lang.charCodeAt(0) * 31 + lang.charCodeAt(1))
  const syllables = SYLLABLES[lang]!
  const words: Array<string> = []
  for (let i = 0; i < VOCABULARY; i++) {
    const n = 1 + Math.floor(next() * 3)
    words.push(Array.from({ length: n }, () => syllables[Math.floor(next() * syllables.length)]).join(""))
  }
  REAL[lang]!.forEach((w, i) => (words[REAL_FROM + i * REAL_EVERY] = w))
  return words
}
const WORDS: Record<string, ReadonlyArray<string>> = Object.fromEntries(Object.keys(REAL).map((l) => [l, vocabulary(l)]))
/** Chinese: characters from the common block, the searched ones among them. */
const HANZI: ReadonlyArray<string> = (() => {
  const next = random(7)
  const chars = Array.from({ length: VOCABULARY }, () => String.fromCodePoint(0x4E00 + Math.floor(next() * 0x4000)))
  "比特币机场会议报告照片".split("").forEach((c, i) => (chars[REAL_FROM + i * REAL_EVERY] = c))
  return chars
})()

const sentence = (next: () => number): string => {
  const r = next()
  if (r < 0.15) {
    const n = 6 + Math.floor(next() * 25)
    return Array.from({ length: n }, () => HANZI[draw(next)]).join("")
  }
  const lang = r < 0.55 ? "en" : r < 0.8 ? "ru" : r < 0.9 ? "de" : "fr"
  const words = WORDS[lang]!
  const n = 4 + Math.floor(next() * 22)
  const text = Array.from({ length: n }, () => words[draw(next)]).join(" ")
  return next() < 0.05 ? `${text} https://example.com/${Math.floor(next() * 1e6)}` : text
}

const recordOf = (dialog: number, i: number, next: () => number, count: number): MessageRecord => ({
  id: MessageId(i + 1),
  date: START + Math.floor(((END - START) * i) / count),
  editDate: null,
  senderId: dialog,
  senderFirstName: null,
  senderLastName: null,
  senderUsername: null,
  text: sentence(next),
  replyTo: null,
  postAuthor: null,
  isForwarded: false,
  forwardedFromChannelId: null,
  media: null,
  details: EMPTY_DETAILS
})

export const channels = (n: number) => Array.from({ length: n }, (_, i) => 4001 + i)

/** Every dialog's messages written with the index off (caches from before it); the message text's bytes. */
export const fill = async (accountsDir: string, dialogs: ReadonlyArray<number>, perDialog: number): Promise<{ textBytes: number; texts: Array<string> }> => {
  let textBytes = 0
  const texts: Array<string> = []
  await Effect.gen(function*() {
    const store = yield* MessageStore
    for (const channel of dialogs) {
      const dialogId = markPeerId("channel", channel)
      const next = random(channel)
      const key = { accountId: AccountId(ACCOUNT), dialogId: DialogId(dialogId) }
      for (let from = 0; from < perDialog; from += FILL_PAGE) {
        const messages: Array<MessageRecord> = []
        for (let i = from; i < Math.min(perDialog, from + FILL_PAGE); i++) {
          const m = recordOf(dialogId, i, next, perDialog)
          textBytes += Buffer.byteLength(m.text)
          texts.push(m.text)
          messages.push(m)
        }
        const last = from + FILL_PAGE >= perDialog
        yield* store.commitPage(key, { messages, covers: last ? Intervals.interval(START, END) : null, replace: null })
      }
    }
  }).pipe(Effect.provide(MessageStoreLive({ accountsDir, searchIndex: false })), Effect.runPromise)
  return { textBytes, texts }
}

/** The store's own backfill over every cache; ms. */
export const backfill = async (accountsDir: string): Promise<number> => {
  const started = performance.now()
  await Effect.runPromise(
    Effect.scoped(Effect.flatMap(Layer.build(MessageStoreLive({ accountsDir })), (ctx) => Effect.provide(backfillSearchIndex, ctx)))
  )
  return performance.now() - started
}

/** Baseline: the same texts into a bare FTS5 table, batches of 2000 per transaction; ms. */
export const bareFts = async (dir: string, texts: ReadonlyArray<string>): Promise<number> => {
  const file = path.join(dir, "bare-fts.db")
  await fs.rm(file, { force: true })
  const db = new Database(file)
  db.pragma("journal_mode = WAL")
  db.pragma("synchronous = NORMAL")
  db.exec("CREATE VIRTUAL TABLE fts USING fts5(body, content='', contentless_delete=1)")
  const insert = db.prepare("INSERT INTO fts (rowid, body) VALUES (?, ?)")
  const started = performance.now()
  for (let from = 0; from < texts.length; from += 2000) {
    db.transaction(() => {
      for (let i = from; i < Math.min(texts.length, from + 2000); i++) insert.run(i + 1, texts[i])
    })()
  }
  const ms = performance.now() - started
  db.close()
  return ms
}

const fileSize = (file: string) => fs.stat(file).then((s) => s.size, () => 0)

const QUERIES = ["bitcoin", "meeting tomorrow", "\"project update\"", "крипт", "встреча", "strasse", "cafe", "比特币", "机场", "concert -weekend", "invoice OR ticket", "hotel"]

export const localSearchBenchmark = async (runs: number, quick: boolean): Promise<Array<Row>> => {
  const dialogCount = quick ? 10 : 100
  const perDialog = 10_000
  const total = dialogCount * perDialog
  const dataDir = await tempDir("tgsc-bench-local-search-")
  const accountsDir = path.join(dataDir, "accounts")
  const dialogs = channels(dialogCount)
  const emulator = await startEmulatorProcess({
    users: [{ id: ACCOUNT, first_name: "Bench" }],
    channels: dialogs.map((id) => ({ id, title: `Archive ${id}`, participants_count: 1000 })),
    accounts: [{ user: ACCOUNT, dialogs: dialogs.map((id) => ({ peer: `channel:${id}` })) }]
  })
  const rows: Array<Row> = []
  try {
    const filling = performance.now()
    const { textBytes, texts } = await fill(accountsDir, dialogs, perDialog)
    process.stderr.write(`  ${total} messages cached in ${((performance.now() - filling) / 1000).toFixed(1)} s\n`)

    // The backfill once (it is the index the queries then use), the baseline as many times as asked.
    const backfillMs = await backfill(accountsDir)
    const bare: Array<number> = []
    for (let i = 0; i < Math.min(runs, 3); i++) bare.push(await bareFts(dataDir, texts))
    const index = searchIndexPath(accountsDir, ACCOUNT)
    {
      const db = new Database(index)
      db.pragma("wal_checkpoint(TRUNCATE)")
      db.close()
    }
    const indexBytes = (await fileSize(index)) + (await fileSize(`${index}-wal`))
    const benchmark = `Local search (${total / 1000}k cached messages in ${dialogCount} dialogs, multilingual)`
    rows.push(
      {
        benchmark,
        metric: "backfill of existing caches into the index (baseline: bare FTS5 inserts of the same texts)",
        unit: "msg/s",
        value: total / (backfillMs / 1000),
        baseline: total / (median(bare) / 1000),
        target: "informational: reported in messages/s",
        met: null,
        runs: 1
      },
      {
        benchmark,
        metric: "index size, search.db (baseline: the message text the caches hold)",
        unit: "MB",
        value: indexBytes / MB,
        baseline: textBytes / MB,
        target: "<= 0.6x baseline",
        met: indexBytes <= 0.6 * textBytes,
        runs: 1
      }
    )

    const env = serverEnvFor(emulator)
    const server = await startServer({ dataDir, env })
    try {
      await qrLogin(server.url, emulator, SESSION, ACCOUNT)
      const ask = async (q: string) => {
        const started = performance.now()
        const response = await fetch(`${server.url}/api/v3/search/messages?source=cache&q=${encodeURIComponent(q)}`, {
          headers: { "x-telegram-username": SESSION }
        })
        const body = await response.text()
        if (response.status !== 200) throw new Error(`${q}: ${response.status} ${body}`)
        return performance.now() - started
      }
      // Warm-up: the account's connection, every dialog's cache opened once, the JIT.
      for (const q of QUERIES) await ask(q)
      const words = QUERIES.filter((q) => !/[" ]/.test(q))
      const phrases = QUERIES.filter((q) => /[" ]/.test(q))
      const rounds = quick ? 5 : 10 * runs
      const timings = { words: [] as Array<number>, phrases: [] as Array<number> }
      for (let i = 0; i < rounds; i++) {
        for (const q of words) timings.words.push(await ask(q))
        for (const q of phrases) timings.phrases.push(await ask(q))
      }
      // Baseline: the same FTS5 queries in process, count and the first 50 by date (what the index adapter runs).
      const db = new Database(index, { readonly: true })
      const direct = (q: string) => {
        const match = toFts5(Either.getOrThrow(parseSearchQuery(q)))
        const started = performance.now()
        db.prepare("SELECT count(*) FROM fts JOIN docs d ON d.doc = fts.rowid WHERE fts MATCH ?").pluck().get(match)
        db.prepare("SELECT d.doc FROM fts JOIN docs d ON d.doc = fts.rowid WHERE fts MATCH ? ORDER BY d.date DESC LIMIT 50").all(match)
        return performance.now() - started
      }
      const base = { words: [] as Array<number>, phrases: [] as Array<number> }
      for (let i = 0; i < rounds; i++) {
        for (const q of words) base.words.push(direct(q))
        for (const q of phrases) base.phrases.push(direct(q))
      }
      db.close()
      for (const kind of ["words", "phrases"] as const) {
        const label = kind === "words" ? "single-word" : "phrase and operator"
        const p50 = percentile(timings[kind], 50)
        const p99 = percentile(timings[kind], 99)
        rows.push(
          {
            benchmark,
            metric: `p50 latency of ${label} queries, source=cache over HTTP (baseline: the FTS5 query in process)`,
            unit: "ms",
            value: p50,
            baseline: percentile(base[kind], 50),
            target: "<= 20 ms",
            met: p50 <= 20,
            runs: timings[kind].length
          },
          {
            benchmark,
            metric: `p99 latency of ${label} queries, source=cache over HTTP`,
            unit: "ms",
            value: p99,
            baseline: percentile(base[kind], 99),
            target: "<= 100 ms",
            met: p99 <= 100,
            runs: timings[kind].length
          }
        )
      }
    } finally {
      await server.stop()
    }
  } finally {
    await emulator.stop()
    await fs.rm(dataDir, { recursive: true, force: true })
  }
  return rows
}
