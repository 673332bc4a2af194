import { describe, expect, it } from "@effect/vitest"
import { CLOCK_ERROR_SECONDS, latestEnd, settledPart, TAIL_MARGIN_SECONDS } from "../../src/domain/HistoryTail.js"
import * as Intervals from "../../src/domain/Intervals.js"

const NOW = 1_700_000_000

describe("settledPart", () => {
  it("records a proof that ends well before now whole, and nothing of nothing", () => {
    const proves = Intervals.interval(0, NOW - 3600)
    expect(settledPart(proves, NOW, NOW, undefined)).toEqual(proves)
    expect(settledPart(null, NOW, NOW, undefined)).toBeNull()
  })

  it("cuts a proof reaching now at the earlier of the request's start and the page's asking, less the margin", () => {
    const proves = Intervals.interval(NOW - 3600, NOW + 1)
    expect(settledPart(proves, NOW, NOW, undefined)).toEqual(Intervals.interval(NOW - 3600, NOW - TAIL_MARGIN_SECONDS))
    expect(settledPart(proves, NOW, NOW - 100, undefined)).toEqual(Intervals.interval(NOW - 3600, NOW - 100 - TAIL_MARGIN_SECONDS))
    expect(settledPart(proves, NOW - 100, NOW, undefined)).toEqual(Intervals.interval(NOW - 3600, NOW - 100 - TAIL_MARGIN_SECONDS))
  })

  it("the newest date Telegram showed settles everything before it, even past the margin", () => {
    const proves = Intervals.interval(NOW - 3600, NOW + 1)
    expect(settledPart(proves, NOW, NOW, NOW - 5)).toEqual(Intervals.interval(NOW - 3600, NOW - 5))
    expect(settledPart(proves, NOW, NOW, NOW + 10)).toEqual(proves)
  })

  it("records nothing of a proof that lies wholly in the unsettled tail", () => {
    expect(settledPart(Intervals.interval(NOW - 30, NOW + 1), NOW, NOW, undefined)).toBeNull()
  })

  it("never records past what was proved, whatever the clocks say", () => {
    for (const [start, end] of [[0, 10], [NOW - 100, NOW - 50], [NOW - 10, NOW + 100]] as const) {
      for (const seen of [undefined, 0, NOW - 70, NOW, NOW + 500]) {
        const got = settledPart(Intervals.interval(start, end), NOW, NOW - 7, seen)
        if (got !== null) {
          expect(got.start).toBe(start)
          expect(got.end).toBeLessThanOrEqual(end)
          expect(got.end).toBeGreaterThan(got.start)
        }
      }
    }
  })
})

describe("latestEnd", () => {
  it("includes the current second and the clock's error", () => {
    expect(latestEnd(NOW)).toBe(NOW + 1 + CLOCK_ERROR_SECONDS)
    expect(CLOCK_ERROR_SECONDS).toBeLessThan(TAIL_MARGIN_SECONDS)
  })
})
