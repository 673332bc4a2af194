/**
 * The history walk, example by example: a gap is complete only when a page
 * shows there is nothing more in it, never from a page's length; which gap
 * and which page come next; what a walk carries from page to page. The
 * properties over generated histories are in HistoryWalk.properties.test.ts.
 */
import { describe, expect, it } from "vitest"
import {
  Backward,
  Forward,
  nextStep,
  pageOutcome,
  pageRequest,
  prefetchAnswers,
  prefetchCurrent,
  reached,
  walkStep
} from "../../src/domain/HistoryWalk.js"
import { interval } from "../../src/domain/Intervals.js"
import type { MessageRecord } from "../../src/domain/Message.js"

const m = (id: number, date: number) => ({ id, date }) as MessageRecord
const gap = interval(100, 200)

describe("pageOutcome, forward", () => {
  it("a short page inside the gap is not the end: reach is its newest message, the offset its newest entry", () => {
    const page = pageOutcome(Forward, gap, { messages: [m(12, 130), m(10, 120)], ids: [14, 13, 12, 10] }, 9)
    expect(page).toMatchObject({ complete: false, reach: 130, lastId: 14, newestDate: 130 })
    expect(page.inGap.map((x) => x.id)).toEqual([10, 12])
  })

  it("is complete on a page with no entry past the offset, or with a message past the gap's end", () => {
    expect(pageOutcome(Forward, gap, { messages: [], ids: [] }, 9)).toMatchObject({ complete: true, reach: 200, lastId: 9 })
    expect(pageOutcome(Forward, gap, { messages: [m(9, 120)], ids: [9] }, 9)).toMatchObject({ complete: true, reach: 200 })
    const crossing = pageOutcome(Forward, gap, { messages: [m(21, 250), m(20, 190)], ids: [22, 21, 20] }, 19)
    expect(crossing).toMatchObject({ complete: true, reach: 200, lastId: 20 })
    expect(crossing.inGap.map((x) => x.id)).toEqual([20])
  })

  it("a page of nothing but empty entries moves the offset and proves nothing", () => {
    expect(pageOutcome(Forward, gap, { messages: [], ids: [30, 29, 28] }, 27)).toMatchObject({ complete: false, reach: 100, lastId: 30 })
  })
})

describe("pageOutcome, backward", () => {
  it("a short page is not the end; the oldest message's second stays open", () => {
    const page = pageOutcome(Backward, gap, { messages: [m(50, 180), m(47, 150)], ids: [50, 47, 46] }, 51)
    expect(page).toMatchObject({ complete: false, reach: 151, lastId: 46, newestDate: 180 })
  })

  it("is complete on an empty page or a message before the gap's start", () => {
    expect(pageOutcome(Backward, gap, { messages: [], ids: [] }, 46)).toMatchObject({ complete: true, reach: 100, lastId: 46 })
    expect(pageOutcome(Backward, gap, { messages: [m(40, 99), m(41, 101)], ids: [42, 41, 40, 39] }, 43)).toMatchObject({
      complete: true,
      reach: 100,
      lastId: 41
    })
    expect(pageOutcome(Backward, gap, { messages: [], ids: [45, 44] }, 46)).toMatchObject({ complete: false, reach: 200, lastId: 44 })
  })
})

describe("nextStep", () => {
  const range = interval(0, 1000)
  const covered = [interval(0, 100), interval(300, 400)]

  it("forward: serves what the cache holds up to the next gap, then fetches the gap starting at the position", () => {
    expect(nextStep(Forward, range, 0, covered)).toEqual({ _tag: "Cached", reach: 100 })
    expect(nextStep(Forward, range, 100, covered)).toEqual({ _tag: "Fetch", gap: interval(100, 300) })
    expect(nextStep(Forward, range, 300, covered)).toEqual({ _tag: "Cached", reach: 400 })
    expect(nextStep(Forward, range, 400, covered)).toEqual({ _tag: "Fetch", gap: interval(400, 1000) })
    expect(nextStep(Forward, range, 500, [interval(0, 1000)])).toEqual({ _tag: "Cached", reach: 1000 })
  })

  it("backward: the same from the range's end, the nearest gap being the newest", () => {
    expect(nextStep(Backward, range, 1000, covered)).toEqual({ _tag: "Fetch", gap: interval(400, 1000) })
    expect(nextStep(Backward, range, 400, covered)).toEqual({ _tag: "Cached", reach: 300 })
    expect(nextStep(Backward, range, 300, covered)).toEqual({ _tag: "Fetch", gap: interval(100, 300) })
    expect(nextStep(Backward, range, 100, covered)).toEqual({ _tag: "Cached", reach: 0 })
  })

  it("a walk has reached its range's far bound at the end going forward, at the start going back", () => {
    expect([reached(Forward, range, 999), reached(Forward, range, 1000)]).toEqual([false, true])
    expect([reached(Backward, range, 1), reached(Backward, range, 0)]).toEqual([false, true])
  })
})

describe("pageRequest", () => {
  const around = { before: 40, after: 90 }

  it("forward: from the second before the gap (or the first message), then just newer than the offset, under max_id", () => {
    expect(pageRequest(Forward, gap, undefined, 50, around)).toEqual({
      offsetId: 0,
      offsetDate: 99,
      addOffset: -50,
      limit: 50,
      minId: 0,
      maxId: 90
    })
    expect(pageRequest(Forward, interval(0, 200), undefined, 50, { before: null, after: null })).toMatchObject({
      offsetId: 1,
      offsetDate: 0,
      addOffset: -50,
      maxId: 0
    })
    expect(pageRequest(Forward, gap, 60, 50, around)).toMatchObject({ offsetId: 61, offsetDate: 0, addOffset: -50 })
  })

  it("backward: from the gap's end, then just older than the offset, above min_id", () => {
    expect(pageRequest(Backward, gap, undefined, 50, around)).toEqual({
      offsetId: 0,
      offsetDate: 200,
      addOffset: 0,
      limit: 50,
      minId: 40,
      maxId: 0
    })
    expect(pageRequest(Backward, gap, 60, 50, around)).toMatchObject({ offsetId: 60, offsetDate: 0, addOffset: 0, minId: 40 })
  })
})

describe("walkStep", () => {
  it("forward: proves up to the newest message's second and carries that second's messages to the next page", () => {
    const first = walkStep(Forward, gap, { messages: [m(11, 130), m(10, 120), m(12, 130)], ids: [13, 12, 11, 10] }, null)
    expect(first).toMatchObject({ proves: interval(100, 130), reach: 130, complete: false, newestSeen: 130, fetched: 3 })
    expect(first.position).toMatchObject({ from: 130, lastId: 13 })
    expect(first.position!.carry.map((x) => x.id)).toEqual([11, 12])
    // The next page crosses the gap's end: the carried messages are stored again with the rest of their second.
    const next = walkStep(Forward, interval(130, 200), { messages: [m(14, 130), m(15, 260)], ids: [15, 14] }, first.position)
    expect(next).toMatchObject({ proves: interval(130, 200), reach: 200, complete: true, fetched: 1 })
    expect(next.messages.map((x) => x.id)).toEqual([11, 12, 14])
    expect(next.position).toMatchObject({ from: 200, lastId: 14, carry: [] })
  })

  it("backward: the oldest message's second stays open; the walk's tail bound is the page's newest message only", () => {
    const first = walkStep(Backward, gap, { messages: [m(50, 180), m(47, 150), m(46, 150)], ids: [50, 47, 46] }, null)
    expect(first).toMatchObject({ proves: interval(151, 200), reach: 151, newestSeen: 180 })
    expect(first.position!.carry.map((x) => x.id)).toEqual([47, 46])
    const empty = walkStep(Backward, interval(100, 151), { messages: [], ids: [45] }, first.position)
    expect(empty).toMatchObject({ proves: null, reach: 151, newestSeen: undefined, fetched: 0 })
    expect(empty.position).toMatchObject({ from: 151, lastId: 45 })
    expect(empty.messages.map((x) => x.id)).toEqual([47, 46])
  })

  it("forward: a last page without messages is bounded near now by the walk's frontier", () => {
    const last = walkStep(Forward, interval(130, 200), { messages: [], ids: [] }, { from: 130, lastId: 13, carry: [] })
    expect(last).toMatchObject({ complete: true, proves: interval(130, 200), newestSeen: 130, position: { lastId: 13 } })
  })

  it("a first page without any entry proves the whole gap and leaves no offset to continue from", () => {
    expect(walkStep(Forward, gap, { messages: [], ids: [] }, null)).toMatchObject({ complete: true, proves: gap, position: null })
    expect(walkStep(Backward, gap, { messages: [], ids: [] }, null)).toMatchObject({ complete: true, proves: gap, position: null })
  })
})

describe("pages asked for ahead", () => {
  const asked = { offsetId: 61, offsetDate: 0, addOffset: -50, limit: 50, minId: 0, maxId: 90 }

  it("answer the same request, or one whose id bounds only tightened, keeping the messages inside the bounds", () => {
    expect(prefetchAnswers(asked, asked)?.(m(89, 0))).toBe(true)
    const tighter = prefetchAnswers(asked, { ...asked, maxId: 70 })
    expect([tighter?.(m(69, 0)), tighter?.(m(70, 0))]).toEqual([true, false])
    expect(prefetchAnswers({ ...asked, maxId: 0 }, { ...asked, maxId: 70 })?.(m(71, 0))).toBe(false)
    expect(prefetchAnswers(asked, { ...asked, minId: 65 })?.(m(65, 0))).toBe(false)
  })

  it("do not answer another page, or looser bounds", () => {
    expect(prefetchAnswers(asked, { ...asked, offsetId: 62 })).toBeNull()
    expect(prefetchAnswers(asked, { ...asked, limit: 40 })).toBeNull()
    expect(prefetchAnswers(asked, { ...asked, maxId: 0 })).toBeNull()
    expect(prefetchAnswers(asked, { ...asked, maxId: 95 })).toBeNull()
    expect(prefetchAnswers({ ...asked, minId: 10 }, { ...asked, minId: 5 })).toBeNull()
  })

  it("an empty page newer than the frontier asked before the request started is asked again", () => {
    const empty = { messages: [], ids: [] }
    expect(prefetchCurrent(Forward, 1000, 2000, empty)).toBe(false)
    expect(prefetchCurrent(Forward, 2000, 2000, empty)).toBe(true)
    expect(prefetchCurrent(Forward, 1000, 2000, { messages: [], ids: [5] })).toBe(true)
    expect(prefetchCurrent(Backward, 1000, 2000, empty)).toBe(true)
  })
})
