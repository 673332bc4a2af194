import { describe, expect, it } from "@effect/vitest"
import { FastCheck as fc } from "effect"
import { readFileSync } from "node:fs"
import { SUBSTRING_FLOOR, titleContains } from "../../src/domain/FuzzyScore.js"
import { fuzzyScore, titleMatcher } from "../support/TitleScores.js"
import { codePoints, matcherFor } from "../../src/domain/SequenceMatcher.js"
import { caseFold, foldForSearch } from "../../src/domain/TextFold.js"
import { referenceBlocks } from "./DifflibReference.js"

/** `SequenceMatcher(None, a, b, autojunk=False).ratio()`. */
const ratio = (a: ReadonlyArray<number>, b: ReadonlyArray<number>) => matcherFor(a).ratio(b)
/** difflib's `get_matching_blocks`, without the final sentinel. */
const blocks = (a: ReadonlyArray<number>, b: ReadonlyArray<number>) => matcherFor(a).matchingBlocks(b)

interface Row {
  readonly query: string
  readonly title: string
  readonly folded_query: string
  readonly folded_title: string
  readonly ratio: number
  readonly score: number
  readonly exact: boolean
}

// Made by fixtures/make-fuzzy-table.py with Python's unicodedata and difflib.
const table: ReadonlyArray<Row> = JSON.parse(
  readFileSync(new URL("./fixtures/fuzzy-table.json", import.meta.url), "utf8")
)

describe("against Python (fixtures/fuzzy-table.json)", () => {
  it("has enough varied rows", () => {
    expect(table.length).toBeGreaterThanOrEqual(200)
    expect(table.some((r) => r.exact)).toBe(true)
    expect(table.some((r) => codePoints(r.title).length >= 200)).toBe(true)
  })
  it("folds like NFKD + dropped marks + str.casefold", () => {
    const wrong = table.flatMap((r) => [
      ...(foldForSearch(r.query) === r.folded_query ? [] : [[r.query, foldForSearch(r.query), r.folded_query]]),
      ...(foldForSearch(r.title) === r.folded_title ? [] : [[r.title, foldForSearch(r.title), r.folded_title]])
    ])
    expect(wrong).toEqual([])
  })
  it("difflib ratio of the folded strings, to 1e-12", () => {
    const wrong = table.filter((r) =>
      Math.abs(ratio(codePoints(r.folded_query), codePoints(r.folded_title)) - r.ratio) > 1e-12
    )
    expect(wrong).toEqual([])
  })
  it("score of the behaviour notes, to 1e-12", () => {
    const wrong = table
      .map((r) => ({ query: r.query, title: r.title, expected: r.score, actual: fuzzyScore(r.query, r.title) }))
      .filter((r) => Math.abs(r.actual - r.expected) > 1e-12)
    expect(wrong).toEqual([])
  })
  it("match=exact verdicts", () => {
    expect(table.filter((r) => titleContains(r.query)(r.title) !== r.exact)).toEqual([])
  })
})

describe("folding", () => {
  it.each([
    ["Straße", "strasse"],
    ["STRASSE", "strasse"],
    ["ẞ", "ss"],
    ["ΟΔΟΣ ΣΟΦΟΣ", "οδοσ σοφοσ"],
    ["Café", "cafe"],
    ["ﬁnance", "finance"],
    ["İstanbul", "istanbul"],
    ["Ꭰ ꭰ ᏸ", "Ꭰ Ꭰ Ᏸ"],
    ["ᲀ", "в"],
    ["𝐁𝐨𝐥𝐝", "bold"],
    ["Weekend ☀️", "weekend ☀"]
  ])("%j -> %j", (input, folded) => {
    expect(foldForSearch(input)).toBe(folded)
  })
  it("caseFold keeps accents (it only folds case)", () => {
    expect(caseFold("CAFÉ")).toBe("café")
  })
  it.prop("folding is idempotent", [fc.string({ unit: "binary", maxLength: 30 })], ([s]) => {
    const once = foldForSearch(s)
    expect(foldForSearch(once)).toBe(once)
  })
})

describe("difflib tie-breaking", () => {
  it("takes the earliest longest match in a, then in b", () => {
    // difflib: SequenceMatcher(None, "abab", "baba").get_matching_blocks() -> (0,1,3)
    expect(blocks(codePoints("abab"), codePoints("baba"))).toEqual([{ a: 0, b: 1, size: 3 }])
    // "ab" in "xabyab": the first "ab" of b is taken.
    expect(blocks(codePoints("ab"), codePoints("xabyab"))).toEqual([{ a: 0, b: 1, size: 2 }])
  })
  it("recurses on both sides of a match", () => {
    // difflib: [(0,0,1),(2,1,1),(4,3,1)] for "axbxc" / "abyc"
    expect(blocks(codePoints("axbxc"), codePoints("abyc"))).toEqual([
      { a: 0, b: 0, size: 1 },
      { a: 2, b: 1, size: 1 },
      { a: 4, b: 3, size: 1 }
    ])
  })
  it("two empty sequences are identical", () => {
    expect(ratio([], [])).toBe(1)
    expect(fuzzyScore("", "")).toBe(1)
  })
})

describe("the matcher against difflib's own algorithm (DifflibReference.ts)", () => {
  // Few distinct elements: many equally long matches, so tie-breaking decides the blocks.
  const sequence = (maxLength: number) => fc.array(fc.integer({ min: 0, max: 3 }), { maxLength })
  it.prop("the same blocks, in the same places", [sequence(40), sequence(40)], ([a, b]) => {
    expect(blocks(a, b)).toEqual(referenceBlocks(a, b))
  }, { fastCheck: { numRuns: 3000 } })
  it.prop("one matcher reused over many titles gives each title's blocks", [sequence(300), fc.array(sequence(30), { maxLength: 20 })], ([a, titles]) => {
    const matcher = matcherFor(a)
    for (const b of titles) expect(matcher.matchingBlocks(b)).toEqual(referenceBlocks(a, b))
  }, { fastCheck: { numRuns: 300 } })
  it("long queries: repeated letters and runs", () => {
    const points = (s: string) => codePoints(s)
    const cases: Array<[string, string]> = [
      ["e".repeat(256), "coffee tree"],
      ["ab".repeat(128), "abba baab abab"],
      [" ".repeat(255) + "a", "a b c d e"],
      ["news club ".repeat(25), "Book club News"]
    ]
    for (const [q, t] of cases) expect(blocks(points(q), points(t))).toEqual(referenceBlocks(points(q), points(t)))
  })
})

describe("properties", () => {
  const text = fc.string({ unit: "grapheme", maxLength: 40 })
  it.prop("score is in [0, 1]", [text, text], ([q, t]) => {
    const s = fuzzyScore(q, t)
    expect(s).toBeGreaterThanOrEqual(0)
    expect(s).toBeLessThanOrEqual(1)
  })
  it.prop("a query inside the title scores at least 0.8", [text, text, text], ([before, q, after]) => {
    expect(fuzzyScore(q, before + q + after)).toBeGreaterThanOrEqual(SUBSTRING_FLOOR)
    expect(titleContains(q)(before + q + after)).toBe(true)
  })
  it.prop("a title matches itself with 1", [text], ([t]) => {
    expect(fuzzyScore(t, t)).toBe(1)
  })
  const cased = fc.string({ unit: fc.constantFrom(..."aBcDéÉßẞσΣςжЖ 1🚀"), maxLength: 30 })
  it.prop("case and accents do not matter", [cased], ([t]) => {
    expect(fuzzyScore(t.toUpperCase(), t.toLowerCase())).toBe(1)
    expect(fuzzyScore(t.normalize("NFD"), t.normalize("NFC"))).toBe(1)
  })
  it.prop("a non-substring scores below 0.8 only by the ratio", [text, text], ([q, t]) => {
    const s = fuzzyScore(q, t)
    if (!foldForSearch(t).includes(foldForSearch(q))) {
      expect(s).toBe(ratio(codePoints(foldForSearch(q)), codePoints(foldForSearch(t))))
    }
  })
  // Titles close to the query, so that the bounds are near the minimum as often as far from it.
  const near = fc.string({ unit: fc.constantFrom(..."abcdeé ßΣς日本🚀"), maxLength: 14 })
  const minScore = fc.oneof(fc.constantFrom(0, 0.5, 0.8, 0.9, 1), fc.double({ min: 0, max: 1, noNaN: true }))
  it.prop("titleMatcher gives the score, or null only when the score is below the minimum", [near, near, minScore], ([q, t, min]) => {
    const matched = titleMatcher(q, min)(t)
    if (matched === null) expect(fuzzyScore(q, t)).toBeLessThan(min)
    else expect(matched).toBe(fuzzyScore(q, t))
  }, { fastCheck: { numRuns: 2000 } })
  it("titleMatcher agrees with the Python table at every minimum", () => {
    const wrong = [0, 0.3, 0.6, 0.8, 0.95].flatMap((min) =>
      table.filter((r) => {
        const matched = titleMatcher(r.query, min)(r.title)
        return matched === null ? !(r.score < min) : Math.abs(matched - r.score) > 1e-12
      })
    )
    expect(wrong).toEqual([])
  })
})
