/**
 * The history walk over generated histories, in both directions: walking a
 * gap page by page, as HistorySync does, against a model of Telegram's
 * messages.getHistory (windows counted in entries, MessageEmpty entries
 * returned as ids only, hidden messages taking a place but not returned,
 * gaps in the ids, many messages in one second, min_id/max_id applied after
 * the window). The one thing assumed of Telegram is the one the walk rests
 * on: a page has no entry only when nothing is left past its offset, so no
 * window is ever all hidden (the realistic emulator keeps to it too).
 */
import { describe, expect, it } from "@effect/vitest"
import { FastCheck as fc } from "effect"
import {
  Backward,
  type Direction,
  Forward,
  type HistoryPageRequest,
  nextStep,
  type PageEntries,
  pageRequest,
  reached,
  walkStep,
  type WalkPosition
} from "../../src/domain/HistoryWalk.js"
import * as Intervals from "../../src/domain/Intervals.js"
import type { Interval, IntervalSet } from "../../src/domain/Intervals.js"
import type { MessageRecord } from "../../src/domain/Message.js"
import { MessageId } from "../../src/domain/Ids.js"
import { EMPTY_DETAILS } from "../../src/domain/MessageDetails.js"

type Kind = "message" | "empty" | "hidden"

interface Entry {
  readonly id: number
  readonly date: number
  readonly kind: Kind
}

interface Case {
  /** Oldest first; ids and dates only ever grow. */
  readonly entries: ReadonlyArray<Entry>
  readonly gap: Interval
  /** The limit of each step's request, in turn (as the batch-size setting may change under a walk). */
  readonly limits: ReadonlyArray<number>
  /** Whether the cache holds the visible messages around the gap, bounding the pages by their ids. */
  readonly bounded: boolean
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

/** messages.getHistory over `entries`, as Telegram pages it (the same model as test/app/HistoryTelegramFake.ts). */
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

const longestHiddenRun = (entries: ReadonlyArray<Entry>) => {
  let longest = 0
  let run = 0
  for (const e of entries) {
    run = e.kind === "hidden" ? run + 1 : 0
    longest = Math.max(longest, run)
  }
  return longest
}

const entriesArb = fc.tuple(
  fc.constantFrom(0, 1, 2, 1000),
  fc.array(
    fc.record({
      idStep: fc.oneof(fc.constant(1), fc.integer({ min: 2, max: 4 })),
      dateStep: fc.oneof(fc.constant(0), fc.constant(0), fc.constant(1), fc.integer({ min: 2, max: 20 })),
      kind: fc.constantFrom<Kind>("message", "message", "message", "empty", "hidden")
    }),
    { maxLength: 40 }
  )
).map(([firstDate, steps]) => {
  const out: Array<Entry> = []
  let id = 0
  let date = firstDate
  for (const s of steps) {
    id += s.idStep
    date += out.length === 0 ? 0 : s.dateStep
    out.push({ id, date, kind: s.kind })
  }
  return out
})

const caseArb: fc.Arbitrary<Case> = entriesArb.chain((entries) => {
  const first = entries[0]?.date ?? 0
  const last = entries.at(-1)?.date ?? 0
  const shortest = longestHiddenRun(entries) + 1
  return fc.record({
    entries: fc.constant(entries),
    gap: fc.tuple(fc.integer({ min: Math.max(0, first - 3), max: last + 3 }), fc.integer({ min: 1, max: last - first + 8 }))
      .map(([start, n]) => Intervals.interval(start, start + n)),
    limits: fc.array(fc.integer({ min: shortest, max: shortest + 5 }), { minLength: 1, maxLength: 4 }),
    bounded: fc.boolean()
  })
})

const visibleIn = (c: Case, within: Interval) =>
  c.entries.filter((e) => e.kind === "message" && e.date >= within.start && e.date < within.end)

interface WalkResult {
  /** The messages served, in order: after each page, the stored ones between the walk's last position and its reach. */
  readonly served: ReadonlyArray<number>
  /** The page messages inside the gap, in the order the pages brought them. */
  readonly fetched: ReadonlyArray<number>
  readonly proven: IntervalSet
  readonly pages: number
}

/** Walks `c.gap` in direction `d` as HistorySync does over an empty cache, checking at every page that nothing unstored is claimed. */
const walk = (d: Direction, c: Case): WalkResult => {
  const range = c.gap
  const visible = c.entries.filter((e) => e.kind === "message")
  const neighbours = c.bounded
    ? {
      before: visible.filter((e) => e.date < range.start).at(-1)?.id ?? null,
      after: visible.find((e) => e.date >= range.end)?.id ?? null
    }
    : { before: null, after: null }
  const walks = new Map<number, WalkPosition>()
  const stored = new Map<number, MessageRecord>()
  const served: Array<number> = []
  const fetched: Array<number> = []
  let proven: IntervalSet = Intervals.empty
  let position = d.near(range)
  let pages = 0
  while (!reached(d, range, position)) {
    const next = nextStep(d, range, position, proven)
    let reach: number
    if (next._tag === "Cached") {
      reach = next.reach
    } else {
      const gap = next.gap
      const continuing = walks.get(d.near(gap)) ?? null
      const limit = c.limits[pages % c.limits.length]!
      const page = getHistory(c.entries, pageRequest(d, gap, continuing?.lastId, limit, neighbours))
      pages++
      const step = walkStep(d, gap, page, continuing)
      // Stored as a forced refresh stores a page: what it proves holds exactly its messages afterwards
      // (MessageStore's `replace`), so the messages carried from the frontier's second must come again.
      const replaced = step.proves
      if (replaced !== null) {
        for (const [id, m] of stored) if (m.date >= replaced.start && m.date < replaced.end) stored.delete(id)
      }
      for (const m of step.messages) {
        expect(m.date >= gap.start && m.date < gap.end, `message ${m.id} stored outside the gap`).toBe(true)
        stored.set(m.id, m)
      }
      fetched.push(...page.messages.filter((m) => m.date >= gap.start && m.date < gap.end).map((m) => m.id))
      expect(step.fetched).toBe(step.messages.length - (continuing?.carry.length ?? 0))
      if (step.proves !== null) {
        expect(Intervals.covers([gap], step.proves)).toBe(true)
        proven = Intervals.add(proven, step.proves)
      }
      // What is claimed holds every message Telegram has in it.
      for (const e of visible) {
        if (Intervals.contains(proven, e.date)) expect(stored.has(e.id), `message ${e.id} claimed but not stored`).toBe(true)
      }
      if (continuing !== null) walks.delete(continuing.from)
      if (step.position !== null) walks.set(step.position.from, step.position)
      reach = step.reach
      expect(pages, "the walk ends").toBeLessThanOrEqual(c.entries.length + 2)
    }
    const between = d.behind(d.ahead(range, position), reach)
    const sign = d.forward ? 1 : -1
    served.push(
      ...[...stored.values()]
        .filter((m) => m.date >= between.start && m.date < between.end)
        .sort((a, b) => sign * (a.date - b.date || a.id - b.id))
        .map((m) => m.id)
    )
    position = reach
  }
  return { served, fetched, proven, pages }
}

const inWalkOrder = (d: Direction, entries: ReadonlyArray<Entry>) => {
  const ids = entries.map((e) => e.id)
  return d.forward ? ids : ids.reverse()
}

describe("the history walk over generated histories", () => {
  for (const d of [Forward, Backward]) {
    const name = d.forward ? "forward" : "backward"

    it.prop(`${name}: serves every message of the gap exactly once, in order, and fetches each once`, [caseArb], ([c]) => {
      const result = walk(d, c)
      const expected = inWalkOrder(d, visibleIn(c, c.gap))
      expect(result.served).toEqual(expected)
      expect([...result.fetched].sort((a, b) => a - b)).toEqual([...expected].sort((a, b) => a - b))
    })

    it.prop(`${name}: claims the whole gap at the end, nothing outside it, and only what pages proved`, [caseArb], ([c]) => {
      // (walk checks at every page that every message in what is claimed is stored)
      expect(walk(d, c).proven).toEqual([c.gap])
    })
  }

  it.prop("both directions agree on the messages of the gap", [caseArb], ([c]) => {
    const forward = walk(Forward, c).served
    const backward = walk(Backward, c).served
    expect(new Set(forward)).toEqual(new Set(backward))
    expect(forward).toEqual([...backward].reverse())
  })

  it("the generator makes what the properties are about: short pages, empty entries, seconds split across pages", () => {
    const seen = { hidden: 0, empty: 0, split: 0, bounded: 0 }
    fc.assert(
      fc.property(caseArb, (c) => {
        const limit = c.limits[0]!
        if (c.entries.some((e) => e.kind === "hidden")) seen.hidden++
        if (c.entries.some((e) => e.kind === "empty")) seen.empty++
        if (c.bounded) seen.bounded++
        const perSecond = new Map<number, number>()
        for (const e of c.entries) perSecond.set(e.date, (perSecond.get(e.date) ?? 0) + 1)
        if ([...perSecond.values()].some((n) => n > limit)) seen.split++
      }),
      { numRuns: 200 }
    )
    expect(Object.values(seen).every((n) => n >= 10)).toBe(true)
  })
})
