/**
 * Worst-case dialog search queries (the longest the API accepts, 256 code
 * points) over the 10k dialogs of bench/search.ts, with the domain function
 * in this process: how long one search can hold the event loop.
 * `npx tsx bench/long-query.ts` prints each query's time (the median of 5
 * runs after 2 to warm up; wall clock and CPU time, which other processes
 * on the machine disturb less) at the default min_score and at
 * min_score=0, where no title can be ruled out by a bound.
 */
import { Either } from "effect"
import { defaultDialogSearchParams } from "../src/domain/DialogFilters.js"
import { searchDialogs } from "../test/support/DialogSearchSteps.js"
import { prng } from "../test/emulator/Generate.js"
import { manyDialogs } from "./search.js"

const LENGTH = 256
const random = prng(13)
const randomText = (alphabet: string) =>
  Array.from({ length: LENGTH }, () => alphabet[Math.floor(random() * alphabet.length)]!).join("")
const titleLetters = "abcdefghijklmnopqrstuvwxyz "

const queries: ReadonlyArray<readonly [string, string]> = [
  ["random letters", randomText("abcdefghijklmnopqrstuvwxyz")],
  ["random letters and spaces", randomText(titleLetters)],
  ["one letter repeated (e)", "e".repeat(LENGTH)],
  ["one letter repeated (a)", "a".repeat(LENGTH)],
  ["space repeated, then a letter", " ".repeat(LENGTH - 1) + "a"],
  ["words of the titles", Array.from({ length: 40 }, () => "news club ").join("").slice(0, LENGTH)],
  ["Cyrillic repeated", "о".repeat(LENGTH)]
]

const { dialogs } = manyDialogs(10_000)
const cpu = () => {
  const usage = process.cpuUsage()
  return (usage.user + usage.system) / 1000
}
const median = (values: Array<number>) => values.sort((x, y) => x - y)[values.length >> 1]!
const time = (query: string, minScore: number) => {
  const wall: Array<number> = []
  const cpus: Array<number> = []
  for (let run = 0; run < 7; run++) {
    const started = performance.now()
    const startedCpu = cpu()
    const page = searchDialogs(dialogs, [], { messages: new Map(), participants: new Map() }, {
      ...defaultDialogSearchParams,
      query,
      minScore
    })
    if (Either.isLeft(page)) throw new Error("no folder was asked for")
    if (run >= 2) {
      wall.push(performance.now() - started)
      cpus.push(cpu() - startedCpu)
    }
  }
  return `${median(wall).toFixed(1).padStart(7)} ms (cpu ${median(cpus).toFixed(1).padStart(7)} ms)`
}
for (const [name, query] of queries) {
  console.log(`${name.padEnd(30)} min_score=0.8: ${time(query, 0.8)}   min_score=0: ${time(query, 0)}`)
}
