/**
 * Properties of the search module over generated queries and texts (its
 * agreement with real FTS5 is in TextSearch.fts5.test.ts): parsing never
 * throws, the tokens snippets find are the index's, a text's own words find
 * it, and snippets are pieces of the text with every match marked.
 */
import { describe, expect, it } from "@effect/vitest"
import { Either, FastCheck as fc } from "effect"
import { foldForSearch } from "../../src/domain/TextFold.js"
import {
  indexText,
  matchesQuery,
  MAX_TERMS,
  parseSearchQuery,
  type SearchQuery,
  snippetOf,
  tokenize,
  toFts5
} from "../../src/domain/TextSearch.js"
import { termMatches, tokenSpans } from "../../src/domain/TextSearchTokens.js"
import { PIECES, queryArb, textArb } from "./TextSearchArbitraries.js"

const anyQuery = fc.oneof(
  fc.string(),
  fc.fullUnicodeString({ maxLength: 300 }),
  fc.string({ unit: fc.constantFrom("\"", "“", "-", "OR", "or", " ", "a", "é", "比", "한", "🙂", "*", "(", "\n"), maxLength: 40 }),
  queryArb
)

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/

describe("parseSearchQuery (properties)", () => {
  it("never throws; what it accepts has something to find, in tokens as the index has them", () => {
    fc.assert(
      fc.property(anyQuery, (input) => {
        const parsed = parseSearchQuery(input)
        if (Either.isLeft(parsed)) {
          expect(parsed.left.reason.length).toBeGreaterThan(0)
          return
        }
        const query = parsed.right
        expect(query.groups.length).toBeGreaterThan(0)
        const terms = [...query.groups.flat(), ...query.excluded]
        expect(terms.length).toBeLessThanOrEqual(MAX_TERMS)
        for (const term of terms) {
          expect(term.tokens.length).toBeGreaterThan(0)
          for (const token of term.tokens) expect(tokenize(token)).toEqual([token])
        }
        expect(typeof toFts5(query)).toBe("string")
        expect(typeof matchesQuery(query, input)).toBe("boolean")
      }),
      { numRuns: 500 }
    )
  })

  it("finds a text by any of its own words, and by all of it quoted", () => {
    fc.assert(
      fc.property(textArb, fc.nat(), fc.integer({ min: 1, max: 5 }), (text, k, cut) => {
        const words = text.split(/\s+/u).filter((w) => tokenize(w).length > 0 && !/["“”„]/u.test(w))
        if (words.length > 0) {
          const word = words[k % words.length]!
          const prefix = Array.from(word).slice(0, Math.max(1, Array.from(word).length - cut)).join("")
          const parsed = parseSearchQuery(word.startsWith("-") ? word.slice(1) : word)
          if (Either.isRight(parsed)) expect(matchesQuery(parsed.right, text), word).toBe(true)
          const byPrefix = parseSearchQuery(prefix.startsWith("-") ? prefix.slice(1) : prefix)
          // A cut word is still a prefix of the text's tokens, unless the cut fell on a CJK character (a whole token).
          if (Either.isRight(byPrefix) && byPrefix.right.groups.every((g) => g.every((t) => t.prefix))) {
            expect(matchesQuery(byPrefix.right, text), prefix).toBe(true)
          }
        }
        const quoted = parseSearchQuery(`"${text.replace(/["“”„]/gu, " ")}"`)
        if (Either.isRight(quoted)) {
          expect(matchesQuery(quoted.right, text)).toBe(true)
          const excluding: SearchQuery = { groups: quoted.right.groups, excluded: quoted.right.groups[0]! }
          expect(matchesQuery(excluding, text)).toBe(false)
        }
      }),
      { numRuns: 300 }
    )
  })
})

describe("tokens (properties)", () => {
  const texts = fc.oneof(textArb, fc.fullUnicodeString({ maxLength: 60 }), fc.string({ maxLength: 60 }))

  // Every character JavaScript's \s matches, and pieces whose folding or tokens depend on a neighbour.
  const WHITESPACE = ["\t", "\n", "\v", "\f", "\r", " ", "\u00A0", "\u1680", "\u2000", "\u2005", "\u200A", "\u2028", "\u2029", "\u202F", "\u205F", "\u3000", "\uFEFF"]
  const NEIGHBOURLY = ["\u0301", "\u0327\u0301", "Σ", "ΑΣ", "\u1100", "\u1161", "\u11A8", "가", "ﷺ", "İ", "½", "\u0085", "\u180E", "比"]
  const spaced = fc.array(
    fc.tuple(fc.oneof(fc.constantFrom(...PIECES, ...NEIGHBOURLY), fc.fullUnicodeString({ maxLength: 4 })), fc.constantFrom(...WHITESPACE, "")),
    { maxLength: 10 }
  ).map((parts) => parts.map(([piece, sep]) => piece + sep).join(""))

  it("indexText is exactly the tokens joined by single spaces, the same when its pieces are remembered", () => {
    for (let pass = 0; pass < 2; pass++) {
      fc.assert(
        fc.property(fc.oneof(spaced, texts), (text) => {
          expect(indexText(text)).toBe(tokenize(text).join(" "))
        }),
        // The same texts twice: the second pass finds their pieces remembered.
        { numRuns: 500, seed: 1234 }
      )
    }
    const long = `${"Ж".repeat(100)} ${"é".repeat(45)}`
    expect(indexText(long)).toBe(tokenize(long).join(" "))
  })

  it("indexText holds the tokens, spaced; tokenSpans finds the same ones, each in what it was folded from", () => {
    fc.assert(
      fc.property(texts, (text) => {
        const tokens = tokenize(text)
        expect(indexText(text).split(" ").filter((t) => t !== "")).toEqual(tokens)
        for (const token of tokens) expect(token).not.toMatch(/\s/u)
        const spans = tokenSpans(text)
        expect(spans.map((s) => s.token)).toEqual(tokens)
        let last = 0
        for (const span of spans) {
          expect(span.start).toBeGreaterThanOrEqual(last)
          expect(span.end).toBeGreaterThan(span.start)
          expect(foldForSearch(text.slice(span.start, span.end))).toContain(span.token)
          expect(text.slice(span.start, span.end)).not.toMatch(LONE_SURROGATE)
          last = span.start
        }
      }),
      { numRuns: 400 }
    )
  })
})

describe("snippetOf (properties)", () => {
  const OPEN = "⟦"
  const CLOSE = "⟧"
  const caseArb = fc.tuple(
    fc.oneof(textArb, fc.array(textArb, { minLength: 2, maxLength: 8 }).map((parts) => parts.join(" "))),
    queryArb,
    fc.integer({ min: 3, max: 80 })
  )

  it("shows a piece of the text, at most maxChars long, with every match it shows marked", () => {
    let marked = 0
    fc.assert(
      fc.property(caseArb, ([text, input, maxChars]) => {
        fc.pre(!/[⟦⟧…]/u.test(text))
        const parsed = parseSearchQuery(input)
        if (Either.isLeft(parsed)) return
        const query = parsed.right
        const snippet = snippetOf(query, text, { maxChars, open: OPEN, close: CLOSE })
        // Markers alternate, each pair around something.
        expect(snippet.replace(/[^⟦⟧]/gu, "")).toMatch(/^(⟦⟧)*$/u)
        expect(snippet).not.toMatch(/⟦⟧/u)
        const plain = snippet.replace(/[⟦⟧]/gu, "")
        expect(Array.from(plain).length).toBeLessThanOrEqual(maxChars)
        expect(plain).not.toMatch(LONE_SURROGATE)
        const cutBefore = plain.startsWith("…")
        const cutAfter = plain.endsWith("…") && plain.length > 1
        const body = plain.slice(cutBefore ? 1 : 0, cutAfter ? -1 : undefined)
        if (!cutBefore && !cutAfter) expect(body).toBe(text)
        else expect(text.includes(body)).toBe(true)
        if (!cutBefore) expect(text.startsWith(body)).toBe(true)
        if (!cutAfter) expect(text.endsWith(body)).toBe(true)
        // Every marked piece holds a match of a term to find.
        for (const m of snippet.matchAll(/⟦([^⟧]*)⟧/gu)) {
          const tokens = tokenize(m[1]!)
          expect(tokens.length).toBeGreaterThan(0)
        }
        const positive = query.groups.flat().some((t) => termMatches(t, tokenize(text)))
        if (positive || matchesQuery(query, text)) {
          expect(snippet, `${JSON.stringify(input)} in ${JSON.stringify(text)}`).toContain(OPEN)
          marked++
        } else {
          expect(snippet).not.toContain(OPEN)
        }
      }),
      { numRuns: 400 }
    )
    expect(marked).toBeGreaterThan(50)
  })
})
