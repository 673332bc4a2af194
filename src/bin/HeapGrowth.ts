/**
 * How far V8 lets the old generation grow past what the last full
 * collection left alive before it collects again: by default up to four
 * times (on a machine with memory to spare). A sync's live heap is small
 * (some 40 MB, the same at a million messages as at a thousand), but it
 * makes garbage that outlives the young generation (the pages in flight,
 * the index queue, the frames being streamed), so the old generation filled
 * up to four times that before each collection: a peak of 250 to 310 MB
 * resident for a server that needs a fraction of it. Growing by half the
 * live heap keeps a cold sync's peak near 160 MB at 100k messages and 185 MB
 * at 1M; with less of that garbage reaching the old generation
 * (adapters/telegram/RequestAnswers.ts, app/HistoryFill.ts) the extra
 * collections cost no measurable throughput (bench/sync.ts).
 *
 * Applied by tgsc-mcp as it starts, and by tgsc-server once it listens:
 * while the server starts, its heap grows from nothing, and at half the
 * live heap V8 collected it fully several times over, some 15 ms of a
 * 0.4 s start-up for nothing (bench/RESULTS.md). A `--heap-growing-percent`
 * of the user's own (NODE_OPTIONS or the node command line) is left as given.
 */
import * as v8 from "node:v8"

/** The old generation grows to (100 + this) percent of the live heap between full collections. */
export const HEAP_GROWING_PERCENT = 50

const given = [...process.execArgv, ...(process.env["NODE_OPTIONS"] ?? "").split(/\s+/)]
  .some((arg) => /^--heap[-_]growing[-_]percent\b/.test(arg))

/** Sets the growth above unless the user gave one; V8 reads it at each collection. */
export const limitHeapGrowth = (): void => {
  if (!given) v8.setFlagsFromString(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`)
}
