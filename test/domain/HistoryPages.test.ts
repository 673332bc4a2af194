/**
 * The completion rule of a history walk: a gap is complete only when a page
 * shows there is nothing more in it, never from a page's length.
 */
import { describe, expect, it } from "vitest"
import { backwardPage, forwardPage } from "../../src/domain/HistoryPages.js"
import { interval } from "../../src/domain/Intervals.js"
import type { MessageRecord } from "../../src/domain/Message.js"

const m = (id: number, date: number) => ({ id, date }) as MessageRecord
const gap = interval(100, 200)

describe("forwardPage", () => {
  it("a short page inside the gap is not the end: reach is its newest message, the offset its newest entry", () => {
    const page = forwardPage(gap, { messages: [m(12, 130), m(10, 120)], ids: [14, 13, 12, 10] }, 9)
    expect(page).toMatchObject({ complete: false, reach: 130, lastId: 14, newestDate: 130 })
    expect(page.inGap.map((x) => x.id)).toEqual([10, 12])
  })

  it("is complete on a page with no entry past the offset, or with a message past the gap's end", () => {
    expect(forwardPage(gap, { messages: [], ids: [] }, 9)).toMatchObject({ complete: true, reach: 200, lastId: 9 })
    expect(forwardPage(gap, { messages: [m(9, 120)], ids: [9] }, 9)).toMatchObject({ complete: true, reach: 200 })
    const crossing = forwardPage(gap, { messages: [m(21, 250), m(20, 190)], ids: [22, 21, 20] }, 19)
    expect(crossing).toMatchObject({ complete: true, reach: 200, lastId: 20 })
    expect(crossing.inGap.map((x) => x.id)).toEqual([20])
  })

  it("a page of nothing but empty entries moves the offset and proves nothing", () => {
    expect(forwardPage(gap, { messages: [], ids: [30, 29, 28] }, 27)).toMatchObject({ complete: false, reach: 100, lastId: 30 })
  })
})

describe("backwardPage", () => {
  it("a short page is not the end; the oldest message's second stays open", () => {
    const page = backwardPage(gap, { messages: [m(50, 180), m(47, 150)], ids: [50, 47, 46] }, 51)
    expect(page).toMatchObject({ complete: false, reach: 151, lastId: 46, newestDate: 180 })
  })

  it("is complete on an empty page or a message before the gap's start", () => {
    expect(backwardPage(gap, { messages: [], ids: [] }, 46)).toMatchObject({ complete: true, reach: 100, lastId: 46 })
    expect(backwardPage(gap, { messages: [m(40, 99), m(41, 101)], ids: [42, 41, 40, 39] }, 43)).toMatchObject({
      complete: true,
      reach: 100,
      lastId: 41
    })
    expect(backwardPage(gap, { messages: [], ids: [45, 44] }, 46)).toMatchObject({ complete: false, reach: 200, lastId: 44 })
  })
})
