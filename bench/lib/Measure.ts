/**
 * What every benchmark shares: repeated runs summarised by their median,
 * percentiles, peak memory of a child process, and the result rows that
 * bench/run.ts prints and writes to bench/RESULTS.md. Figures are always
 * reported beside a baseline measured in the same invocation, because these
 * machines are noisy: the ratio is what carries meaning.
 */
import * as fs from "node:fs"

export const median = (values: ReadonlyArray<number>): number => percentile(values, 50)

/** Nearest-rank percentile (p in 0..100). */
export const percentile = (values: ReadonlyArray<number>, p: number): number => {
  if (values.length === 0) return Number.NaN
  const sorted = [...values].sort((a, b) => a - b)
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))
  return sorted[rank]!
}

/** Peak resident set size (VmHWM) of a live process, in bytes; Linux only. */
export const peakRssBytes = (pid: number): number | null => {
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, "utf8")
    const m = /^VmHWM:\s+(\d+)\s+kB/m.exec(status)
    return m === null ? null : Number(m[1]) * 1024
  } catch {
    return null
  }
}

/** Current resident set size (VmRSS) of a live process, in bytes; Linux only. */
export const rssBytes = (pid: number): number | null => {
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, "utf8")
    const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(status)
    return m === null ? null : Number(m[1]) * 1024
  } catch {
    return null
  }
}

export type Unit = "msg/s" | "req/s" | "ms" | "MB" | "s" | "x" | "nodes"

/** Whether a bigger figure is better (throughput) or worse (latency, memory, time). */
const higherIsBetter = (unit: Unit) => unit === "msg/s" || unit === "req/s"

export interface Row {
  /** Benchmark section, e.g. "Cached history streaming (200k)". */
  readonly benchmark: string
  readonly metric: string
  readonly unit: Unit
  /** Median of the runs (or the single figure when the metric is itself a percentile). */
  readonly value: number
  /** The same metric for the baseline, measured in the same invocation; null when there is none. */
  readonly baseline: number | null
  /** The target, in words, e.g. ">= 0.8x baseline" or "< 150 MB". */
  readonly target: string
  /** Whether the target is met (null when the target is informational). */
  readonly met: boolean | null
  readonly runs: number
}

export const ratio = (row: Pick<Row, "value" | "baseline">): number | null =>
  row.baseline === null || row.baseline === 0 ? null : row.value / row.baseline

const fmt = (value: number, unit: Unit): string => {
  if (!Number.isFinite(value)) return "n/a"
  if (unit === "MB" || unit === "s" || unit === "x") return value.toFixed(2)
  if (unit === "ms") return value < 10 ? value.toFixed(2) : value.toFixed(1)
  return Math.round(value).toLocaleString("en-US")
}

export const formatRow = (row: Row) => {
  const r = ratio(row)
  return {
    benchmark: row.benchmark,
    metric: row.metric,
    value: `${fmt(row.value, row.unit)} ${row.unit}`,
    baseline: row.baseline === null ? "-" : `${fmt(row.baseline, row.unit)} ${row.unit}`,
    ratio: r === null ? "-" : `${r.toFixed(2)}x${higherIsBetter(row.unit) ? "" : " (lower is better)"}`,
    target: row.target,
    met: row.met === null ? "-" : row.met ? "yes" : "NO",
    runs: String(row.runs)
  }
}

export const MB = 1024 * 1024

/** Runs `once` `runs` times (after `warmup` unrecorded runs) and returns every result. */
export const repeat = async <A>(runs: number, once: (i: number) => Promise<A>, warmup = 0): Promise<Array<A>> => {
  for (let i = 0; i < warmup; i++) await once(-1 - i)
  const results: Array<A> = []
  for (let i = 0; i < runs; i++) results.push(await once(i))
  return results
}
