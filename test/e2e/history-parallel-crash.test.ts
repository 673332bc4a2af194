/**
 * The server killed (SIGKILL) at random moments of a sync by pieces side by
 * side (app/HistoryFill.ts), ten times over (TGSC_E2E_KILLS), on the real server process
 * and its real cache files: cold syncs and forced refreshes, each killed
 * a random while after it started (a seeded sequence, so a failure
 * repeats). Whatever was in flight, the next start's history is exactly
 * the scenario's: no gap (nothing marked covered that was not all there),
 * no duplicate, in order.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { type E2e, startE2e } from "../support/E2e.js"
import { ExpectedHistory, expectNoError, history, HISTORY_FIXTURE, loadFixture, marked, messagesOf } from "./HistoryExpect.js"

const ALICE = "alice"
const FIREHOSE = marked("channel:3003")
/** Each kill costs a restart (a few seconds): 10 in `npm test`; 20 (TGSC_E2E_KILLS=20, 84 s here) in `npm run test:realistic`, which CI runs too. */
const KILLS = Number(process.env.TGSC_E2E_KILLS ?? 10)
const oracle = new ExpectedHistory(loadFixture(HISTORY_FIXTURE))
let e2e: E2e

beforeAll(async () => {
  e2e = await startE2e({ scenario: HISTORY_FIXTURE })
  await e2e.login(ALICE, 1001)
})

afterAll(async () => {
  await e2e?.stop()
})

/** A small seeded generator (mulberry32). */
const seeded = (seed: number) => () => {
  seed = (seed + 0x6d2b79f5) | 0
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed)
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296
}

const ids = (messages: ReadonlyArray<object>) => messages.map((m) => (m as { readonly message_id: number }).message_id)

describe("a sync by pieces side by side killed at random moments", () => {
  it(`${KILLS} times: afterwards the history is exactly the scenario's, no gap and no duplicate`, async () => {
    const random = seeded(19)
    for (let kill = 0; kill < KILLS; kill++) {
      const forced = kill % 4 === 3
      const res = await e2e.api(`/api/v3/history/${FIREHOSE}?chunk_size=500${forced ? "&force_refresh=true" : ""}`, { session: ALICE })
      expect(res.status).toBe(200)
      const reader = res.body!.getReader()
      const draining = (async () => {
        for (;;) {
          const { done } = await reader.read().catch(() => ({ done: true }))
          if (done) return
        }
      })()
      await new Promise((resolve) => setTimeout(resolve, 50 + Math.floor(random() * 1500)))
      await e2e.restart("SIGKILL")
      await draining
    }
    const body = await history(e2e, ALICE, FIREHOSE, "chunk_size=1000")
    expectNoError(body)
    const got = ids(messagesOf(body))
    expect(new Set(got).size).toBe(got.length)
    expect(got).toEqual(ids(oracle.views("channel:3003", { owner: 1001 })))
  }, 300_000)
})
