import { FastCheck as fc } from "effect"
import { describe, expect, it } from "vitest"
import * as Intervals from "../../src/domain/Intervals.js"
import type { HistoryPageRequest } from "../../src/domain/HistoryWalk.js"
import {
  type FollowMark,
  followStep,
  gapPageRequest,
  gapStep,
  ptsVerdict,
  resumePoint,
  retentionCut
} from "../../src/domain/LiveUpdates.js"
import type { MessageRecord } from "../../src/domain/Message.js"

describe("ptsVerdict", () => {
  it("applies the next update, skips one already applied, and sees a hole in anything else", () => {
    expect(ptsVerdict(10, 11, 1)).toBe("apply")
    expect(ptsVerdict(10, 13, 3)).toBe("apply")
    expect(ptsVerdict(10, 10, 1)).toBe("skip")
    expect(ptsVerdict(10, 9, 0)).toBe("skip")
    expect(ptsVerdict(10, 12, 1)).toBe("gap")
    expect(ptsVerdict(10, 20, 3)).toBe("gap")
  })
})

describe("resumePoint", () => {
  it("resumes after an id kept, from now without one, and tells what is gone or unknown", () => {
    expect(resumePoint(null, 1, 7)).toEqual({ _tag: "From", after: 7 })
    expect(resumePoint(0, 1, 7)).toEqual({ _tag: "From", after: 0 })
    expect(resumePoint(4, 5, 7)).toEqual({ _tag: "From", after: 4 })
    expect(resumePoint(3, 5, 7)).toEqual({ _tag: "Gone", oldest: 5 })
    expect(resumePoint(8, 5, 7)).toEqual({ _tag: "Unknown", newest: 7 })
    // An empty log that had events: only its newest id resumes.
    expect(resumePoint(7, 8, 7)).toEqual({ _tag: "From", after: 7 })
    expect(resumePoint(6, 8, 7)).toEqual({ _tag: "Gone", oldest: 8 })
  })
})

describe("retentionCut", () => {
  it("drops what is beyond the count or too old, whichever drops more", () => {
    const r = { maxAgeSeconds: 60, maxEvents: 10 }
    expect(retentionCut(r, 5, null)).toBe(0)
    expect(retentionCut(r, 25, null)).toBe(15)
    expect(retentionCut(r, 25, 20)).toBe(20)
    expect(retentionCut(r, 25, 3)).toBe(15)
  })
})

describe("followStep", () => {
  it("starts a mark after the first message, then extends the covered history up to each message's second", () => {
    const first = followStep([Intervals.interval(0, 100)], null, "c", 150)
    expect(first).toEqual({ covers: null, mark: { since: 151, chain: "c" } })
    // The covered history ends before the mark: the cache may lack messages between.
    expect(followStep([Intervals.interval(0, 100)], first.mark, "c", 200).covers).toBeNull()
    // It reaches the mark (a history request covered up to there): from its end to this message's second.
    expect(followStep([Intervals.interval(0, 160)], first.mark, "c", 200).covers).toEqual(Intervals.interval(160, 200))
    // A mark of another chain (a too-long gap since) counts for nothing.
    expect(followStep([Intervals.interval(0, 160)], first.mark, "d", 200)).toEqual({ covers: null, mark: { since: 201, chain: "d" } })
  })

  it("never records as covered a second holding a message the cache lacks", () => {
    // A dialog's messages, one per step, in date order; each either reaches the cache (the loop wrote it) or not
    // (the cache did not exist yet, the chain broke); history requests cover what they fetched, up to some time.
    const step = fc.record({
      gap: fc.integer({ min: 0, max: 5 }),
      written: fc.boolean(),
      chainBreak: fc.boolean(),
      historyUpTo: fc.option(fc.integer({ min: 0, max: 10 }), { nil: null })
    })
    fc.assert(fc.property(fc.array(step, { minLength: 1, maxLength: 40 }), (steps) => {
      let date = 1000
      let chain = 0
      let covered: Intervals.IntervalSet = []
      let mark: FollowMark | null = null
      const cached = new Set<number>()
      const missed = new Set<number>()
      for (const s of steps) {
        date += s.gap
        if (s.chainBreak) chain++
        if (s.historyUpTo !== null && s.historyUpTo <= s.gap) {
          // A history request fetches everything so far (into the cache) and covers up to a settled time.
          for (const d of missed) cached.add(d)
          missed.clear()
          covered = Intervals.add(covered, Intervals.interval(0, date - s.historyUpTo))
        }
        if (!s.written) {
          // Not written, and the cache loses its mark with it (a new cache has none; a broken chain voids it).
          missed.add(date)
          mark = null
          continue
        }
        const result = followStep(covered, mark, String(chain), date)
        cached.add(date)
        mark = result.mark
        if (result.covers !== null) covered = Intervals.add(covered, result.covers)
      }
      for (const d of missed) if (!cached.has(d)) expect(Intervals.contains(covered, d)).toBe(false)
    }))
  })
})

/** messages.getHistory as Telegram pages (newest first; offset_id exclusive, add_offset shifting toward newer). */
const historyPage = (entries: ReadonlyArray<{ id: number; empty: boolean }>, r: HistoryPageRequest) => {
  const desc = entries.filter((e) => e.id > r.minId && (r.maxId <= 0 || e.id < r.maxId)).sort((a, b) => b.id - a.id)
  const p = r.offsetId === 0 ? 0 : (() => {
    const i = desc.findIndex((e) => e.id < r.offsetId)
    return i < 0 ? desc.length : i
  })()
  const start = Math.max(0, p + r.addOffset)
  const page = desc.slice(start, start + r.limit)
  return {
    ids: page.map((e) => e.id),
    messages: page.filter((e) => !e.empty).map((e) => ({ id: e.id, date: e.id }) as unknown as MessageRecord)
  }
}

describe("gapPageRequest and gapStep", () => {
  it("read every message after the newest one told up to the newest one now, oldest first, once", () => {
    fc.assert(fc.property(
      fc.uniqueArray(fc.integer({ min: 1, max: 400 }), { maxLength: 300 }),
      fc.array(fc.boolean(), { maxLength: 300 }),
      fc.integer({ min: 0, max: 420 }),
      fc.integer({ min: 0, max: 420 }),
      fc.integer({ min: 1, max: 100 }),
      (ids, empties, a, b, limit) => {
        const entries = ids.map((id, k) => ({ id, empty: empties[k] ?? false }))
        const [after, upTo] = a <= b ? [a, b] : [b, a]
        const told: Array<number> = []
        let position = after
        for (let pages = 0; ; pages++) {
          expect(pages).toBeLessThan(500)
          const step = gapStep(position, upTo, historyPage(entries, gapPageRequest(position, upTo, limit)))
          told.push(...step.messages.map((m) => m.id))
          expect(step.after).toBeGreaterThanOrEqual(position)
          position = step.after
          if (step.done) break
        }
        const expected = entries.filter((e) => !e.empty && e.id > after && e.id <= upTo).map((e) => e.id).sort((x, y) => x - y)
        expect(told).toEqual(expected)
      }
    ))
  })
})
