import { describe, expect, it } from "@effect/vitest"
import { FastCheck as fc } from "effect"
import * as Intervals from "../../src/domain/Intervals.js"
import type { Interval, IntervalSet } from "../../src/domain/Intervals.js"

const i = Intervals.interval

const intervalArb = fc.tuple(fc.integer({ min: 0, max: 60 }), fc.integer({ min: 0, max: 20 })).map(([s, n]) => i(s, s + n))
const setArb = fc.array(intervalArb, { maxLength: 8 }).map(Intervals.normalize)
const requestArb = fc.tuple(fc.integer({ min: 0, max: 70 }), fc.integer({ min: 1, max: 40 })).map(([s, n]) => i(s, s + n))

/** Every second of a set, for brute-force comparisons. */
const seconds = (set: ReadonlyArray<Interval>): Set<number> => {
  const out = new Set<number>()
  for (const x of set) for (let t = x.start; t < x.end; t++) out.add(t)
  return out
}

const isNormal = (set: IntervalSet) =>
  set.every((x, k) => x.start < x.end && (k === 0 || set[k - 1]!.end < x.start))

describe("Intervals", () => {
  it("merges overlapping and adjacent intervals, drops empty ones", () => {
    expect(Intervals.normalize([i(5, 7), i(0, 2), i(2, 4), i(6, 9), i(12, 12), i(20, 21)])).toEqual([
      i(0, 4),
      i(5, 9),
      i(20, 21)
    ])
  })

  it("January, June, then January-June: only February-May is missing", () => {
    const covered = Intervals.normalize([i(1, 2), i(6, 7)])
    expect(Intervals.missing(i(1, 7), covered)).toEqual([i(2, 6)])
    expect(Intervals.intersect([i(1, 7)], covered)).toEqual([i(1, 2), i(6, 7)])
  })

  it("subtract cuts holes and trims ends", () => {
    expect(Intervals.subtract([i(0, 10)], [i(2, 3), i(5, 7), i(9, 20)])).toEqual([i(0, 2), i(3, 5), i(7, 9)])
    expect(Intervals.subtract([i(0, 10)], [])).toEqual([i(0, 10)])
    expect(Intervals.subtract([i(0, 10)], [i(-5, 50)])).toEqual([])
  })

  it("covers and contains", () => {
    const set = Intervals.normalize([i(0, 5), i(5, 8)])
    expect(Intervals.covers(set, i(1, 8))).toBe(true)
    expect(Intervals.covers(set, i(1, 9))).toBe(false)
    expect(Intervals.contains(set, 7)).toBe(true)
    expect(Intervals.contains(set, 8)).toBe(false)
  })

  it.prop("normalize gives a normal set holding exactly the same seconds", [fc.array(intervalArb)], ([xs]) => {
    const n = Intervals.normalize(xs)
    expect(isNormal(n)).toBe(true)
    expect(seconds(n)).toEqual(seconds(xs))
  })

  it.prop("missing and covered never overlap and together are the request", [requestArb, setArb], ([request, covered]) => {
    const missing = Intervals.missing(request, covered)
    const held = Intervals.intersect([request], covered)
    expect(isNormal(missing)).toBe(true)
    expect(Intervals.intersect(missing, held)).toEqual([])
    expect(Intervals.union(missing, held)).toEqual([request])
    expect(seconds(missing)).toEqual(new Set([...seconds([request])].filter((t) => !seconds(covered).has(t))))
  })

  it.prop("marking the missing ranges covered leaves nothing missing", [requestArb, setArb], ([request, covered]) => {
    const after = Intervals.union(covered, Intervals.missing(request, covered))
    expect(Intervals.missing(request, after)).toEqual([])
    expect(Intervals.covers(after, request)).toBe(true)
  })

  it.prop("union is idempotent, commutative and associative", [setArb, setArb, setArb], ([a, b, c]) => {
    expect(Intervals.union(a, a)).toEqual(a)
    expect(Intervals.union(a, b)).toEqual(Intervals.union(b, a))
    expect(Intervals.union(Intervals.union(a, b), c)).toEqual(Intervals.union(a, Intervals.union(b, c)))
  })

  it.prop("adjacent intervals merge into one", [fc.integer({ min: 0, max: 100 }), fc.integer({ min: 1, max: 10 }), fc.integer({ min: 1, max: 10 })], ([s, n, m]) => {
    expect(Intervals.union([i(s, s + n)], [i(s + n, s + n + m)])).toEqual([i(s, s + n + m)])
  })

  it.prop("subtract removes exactly the seconds of the second set", [setArb, setArb], ([a, b]) => {
    const d = Intervals.subtract(a, b)
    expect(isNormal(d)).toBe(true)
    expect(seconds(d)).toEqual(new Set([...seconds(a)].filter((t) => !seconds(b).has(t))))
  })
})
