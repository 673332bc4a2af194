/**
 * The cut of a missing range into pieces walked side by side
 * (domain/HistorySplit.ts), over generated cuts and histories: the pieces
 * partition the range whatever the probes said, each piece walked by the
 * single-gap walk (domain/HistoryWalk.ts) against a model of getHistory,
 * in any interleaving, brings every message of the range exactly once,
 * and the joined prefix never runs past a piece that is not complete.
 * And the window of requests in flight stays between one and the maximum.
 */
import { describe, expect, it } from "@effect/vitest"
import { FastCheck as fc } from "effect"
import {
  aimdFlood,
  aimdPermits,
  aimdStart,
  aimdSuccess,
  completePrefix,
  cutIds,
  joinedReach,
  MAX_PIECES,
  PIECE_PAGES,
  type PieceState,
  pieces,
  worthSplitting
} from "../../src/domain/HistorySplit.js"
import {
  Backward,
  type Direction,
  Forward,
  type HistoryPageRequest,
  type PageEntries,
  pageRequest,
  walkStep,
  type WalkPosition
} from "../../src/domain/HistoryWalk.js"
import * as Intervals from "../../src/domain/Intervals.js"
import type { Interval } from "../../src/domain/Intervals.js"
import { MessageId } from "../../src/domain/Ids.js"
import { EMPTY_DETAILS } from "../../src/domain/MessageDetails.js"
import type { MessageRecord } from "../../src/domain/Message.js"

const rangeArb = fc.tuple(fc.integer({ min: 0, max: 1000 }), fc.integer({ min: 1, max: 1000 }))
  .map(([start, n]) => Intervals.interval(start, start + n))

describe("pieces", () => {
  for (const d of [Forward, Backward]) {
    const name = d.forward ? "forward" : "backward"
    it.prop(`${name}: partition the range in walk order, whatever the cut dates`, [
      rangeArb,
      fc.array(fc.oneof(fc.integer({ min: -50, max: 2100 }), fc.constant(Number.NaN)), { maxLength: 20 })
    ], ([range, dates]) => {
      const parts = pieces(d, range, dates)
      const ordered = d.forward ? parts : [...parts].reverse()
      expect(ordered[0]!.start).toBe(range.start)
      expect(ordered.at(-1)!.end).toBe(range.end)
      for (let k = 0; k < ordered.length; k++) {
        expect(Intervals.isEmpty(ordered[k]!)).toBe(false)
        if (k > 0) expect(ordered[k]!.start).toBe(ordered[k - 1]!.end)
      }
      const inside = new Set(dates.filter((t) => t > range.start && t < range.end))
      expect(parts.length).toBe(inside.size + 1)
    })
  }

  it.prop("cut ids lie strictly inside the span, ascending, at most MAX_PIECES - 1, none under two pieces", [
    fc.integer({ min: 0, max: 1_000_000 }),
    fc.integer({ min: 0, max: 2_000_000 }),
    fc.integer({ min: 1, max: 100 })
  ], ([low, n, limit]) => {
    const ids = cutIds(low, low + n, limit)
    expect(ids.length).toBeLessThan(MAX_PIECES)
    if (n - 1 < 2 * PIECE_PAGES * limit) expect(ids).toEqual([])
    else expect(ids.length).toBeGreaterThan(0)
    for (let k = 0; k < ids.length; k++) {
      expect(ids[k]).toBeGreaterThan(k === 0 ? low : ids[k - 1]!)
      expect(ids[k]).toBeLessThan(low + n)
    }
  })

  it("a history is worth cutting from two pieces' worth of messages", () => {
    expect(worthSplitting(2 * PIECE_PAGES * 100 - 1, 100)).toBe(false)
    expect(worthSplitting(2 * PIECE_PAGES * 100, 100)).toBe(true)
  })
})

interface Entry {
  readonly id: number
  readonly date: number
  readonly kind: "message" | "empty" | "hidden"
}

const record = (e: Entry): MessageRecord => ({
  id: MessageId(e.id),
  date: e.date,
  editDate: null,
  senderId: null,
  senderFirstName: null,
  senderLastName: null,
  senderUsername: null,
  text: `m${e.id}`,
  replyTo: null,
  postAuthor: null,
  isForwarded: false,
  forwardedFromChannelId: null,
  media: null,
  details: EMPTY_DETAILS
})

/** messages.getHistory over `entries` (oldest first), as Telegram pages it (HistoryWalk.properties.test.ts's model). */
const getHistory = (entries: ReadonlyArray<Entry>, r: HistoryPageRequest): PageEntries => {
  const list = [...entries].reverse()
  const firstOlder = (test: (e: Entry) => boolean) => {
    const k = list.findIndex(test)
    return k === -1 ? list.length : k
  }
  const position = r.offsetId > 0
    ? firstOlder((e) => e.id < r.offsetId)
    : r.offsetDate > 0
    ? firstOlder((e) => e.date < r.offsetDate)
    : 0
  const start = Math.max(0, position + r.addOffset)
  const end = Math.min(list.length, Math.max(0, position + r.addOffset + r.limit))
  const window = list.slice(start, Math.max(start, end)).filter((e) => e.id > r.minId && (r.maxId <= 0 || e.id < r.maxId))
  return {
    messages: window.filter((e) => e.kind === "message").map(record),
    ids: window.filter((e) => e.kind !== "hidden").map((e) => e.id)
  }
}

const historyArb = fc.array(
  fc.record({
    idStep: fc.oneof(fc.constant(1), fc.integer({ min: 2, max: 5 })),
    dateStep: fc.oneof(fc.constant(0), fc.constant(1), fc.integer({ min: 2, max: 30 })),
    kind: fc.constantFrom<Entry["kind"]>("message", "message", "message", "empty", "hidden")
  }),
  { maxLength: 60 }
).map((steps) => {
  const out: Array<Entry> = []
  let id = 0
  let date = 10
  for (const s of steps) {
    id += s.idStep
    date += out.length === 0 ? 0 : s.dateStep
    out.push({ id, date, kind: s.kind })
  }
  return out
})

/** No window is ever all hidden (the walk's one assumption of Telegram): pages at least one longer than the longest hidden run. */
const shortest = (entries: ReadonlyArray<Entry>) => {
  let longest = 0
  let run = 0
  for (const e of entries) {
    run = e.kind === "hidden" ? run + 1 : 0
    longest = Math.max(longest, run)
  }
  return longest + 1
}

/**
 * Walks every piece of `range` cut at `cuts` page by page, the pieces' pages
 * interleaved in the order `order` picks (as walkers answered in any order
 * would be), joining as HistoryFill does; checks the joined prefix at each
 * page holds every message Telegram has in it.
 */
const walkPieces = (d: Direction, entries: ReadonlyArray<Entry>, range: Interval, cuts: ReadonlyArray<number>, order: ReadonlyArray<number>, extra: number) => {
  const parts = pieces(d, range, cuts)
  const states: Array<PieceState> = parts.map((p) => ({ reach: d.near(p), complete: false }))
  const positions: Array<WalkPosition | null> = parts.map(() => null)
  const stored = new Map<number, MessageRecord>()
  const limit = shortest(entries) + extra
  const visible = entries.filter((e) => e.kind === "message")
  let turn = 0
  let pages = 0
  let lastReach = d.near(range)
  while (completePrefix(states) < parts.length) {
    const open = states.flatMap((s, k) => (s.complete ? [] : [k]))
    const k = open[(order[turn++ % Math.max(1, order.length)] ?? 0) % open.length]!
    const piece = parts[k]!
    const position = positions[k]!
    // What is left of the piece: its walk proves from its frontier on (HistoryFill.ts).
    const rest = position === null ? piece : d.ahead(piece, position.from)
    const page = getHistory(entries, pageRequest(d, rest, position?.lastId, limit, { before: null, after: null }))
    const step = walkStep(d, rest, page, position)
    for (const m of step.messages) {
      expect(m.date >= piece.start && m.date < piece.end).toBe(true)
      stored.set(m.id, m)
    }
    states[k] = { reach: step.reach, complete: step.complete }
    positions[k] = step.position
    if (!step.complete) expect(step.position).not.toBeNull()
    const reach = joinedReach(d, parts, states)
    // The prefix only grows, and everything in it is stored.
    expect(d.forward ? reach >= lastReach : reach <= lastReach).toBe(true)
    lastReach = reach
    const prefix = d.forward ? Intervals.interval(range.start, reach) : Intervals.interval(reach, range.end)
    for (const e of visible) {
      if (e.date >= prefix.start && e.date < prefix.end) expect(stored.has(e.id), `message ${e.id} in the prefix not stored`).toBe(true)
    }
    // Each piece's walk ends: MessageEmpty entries have no date, so a walk may run through a run of them past
    // its piece's bound until a message or the end shows it complete; never more than the history and two more.
    expect(++pages).toBeLessThanOrEqual(parts.length * (entries.length + 2))
  }
  expect(lastReach).toBe(d.far(range))
  return { stored, visible }
}

describe("pieces walked side by side", () => {
  for (const d of [Forward, Backward]) {
    const name = d.forward ? "forward" : "backward"
    it.prop(`${name}: bring every message of the range once joined, with short pages, in any interleaving`, [
      historyArb,
      fc.tuple(fc.integer({ min: 0, max: 40 }), fc.integer({ min: 1, max: 600 })),
      fc.array(fc.integer({ min: 0, max: 600 }), { maxLength: 8 }),
      fc.array(fc.nat(), { maxLength: 10 }),
      fc.integer({ min: 0, max: 4 })
    ], ([entries, [startOffset, n], cuts, order, extra]) => {
      const range = Intervals.interval(startOffset, startOffset + n)
      const { stored, visible } = walkPieces(d, entries, range, cuts, order, extra)
      const expected = visible.filter((e) => e.date >= range.start && e.date < range.end).map((e) => e.id).sort((a, b) => a - b)
      expect([...stored.values()].filter((m) => m.date >= range.start && m.date < range.end).map((m) => m.id).sort((a, b) => a - b))
        .toEqual(expected)
      // Nothing outside the range is kept.
      expect(stored.size).toBe(expected.length)
    })
  }
})

describe("the window of requests in flight (AIMD)", () => {
  it.prop("stays between one and the maximum, grows while answers come, halves on FLOOD_WAIT", [
    fc.integer({ min: 1, max: 32 }),
    fc.array(fc.boolean(), { maxLength: 200 })
  ], ([max, floods]) => {
    let a = aimdStart
    for (const flood of floods) {
      const before = a
      a = flood ? aimdFlood(a) : aimdSuccess(a, max)
      expect(aimdPermits(a, max)).toBeGreaterThanOrEqual(1)
      expect(aimdPermits(a, max)).toBeLessThanOrEqual(max)
      if (flood) expect(a.window).toBe(Math.max(1, before.window / 2))
      else expect(a.window).toBeGreaterThanOrEqual(Math.min(before.window, max))
    }
  })

  it("reaches the maximum from one in a few answers, then after a FLOOD_WAIT grows back one a window", () => {
    let a = aimdStart
    for (let k = 0; k < 7; k++) a = aimdSuccess(a, 8)
    expect(aimdPermits(a, 8)).toBe(8)
    a = aimdFlood(a)
    expect(aimdPermits(a, 8)).toBe(4)
    for (let k = 0; k < 3; k++) a = aimdSuccess(a, 8)
    expect(aimdPermits(a, 8)).toBe(4)
    for (let k = 0; k < 2; k++) a = aimdSuccess(a, 8)
    expect(aimdPermits(a, 8)).toBe(5)
    // A lower maximum (the setting changed) caps it at once.
    expect(aimdPermits(a, 2)).toBe(2)
  })
})
