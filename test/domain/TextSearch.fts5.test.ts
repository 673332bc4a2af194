/**
 * The search module against real SQLite FTS5 (better-sqlite3, in memory):
 * the index's tokenizer keeps exactly the tokens `indexText` separates, and
 * `toFts5(q)` finds exactly the texts `matchesQuery(q, ·)` is true of.
 */
import { afterAll, describe, expect, it } from "@effect/vitest"
import Database from "better-sqlite3"
import { Either, FastCheck as fc } from "effect"
import { foldForSearch } from "../../src/domain/TextFold.js"
import {
  FTS5_TOKENIZER,
  indexText,
  matchesQuery,
  parseSearchQuery,
  type SearchQuery,
  tokenize,
  toFts5
} from "../../src/domain/TextSearch.js"
import { queryArb, textArb } from "./TextSearchArbitraries.js"

const db = new Database(":memory:")
afterAll(() => db.close())

/** A fresh index of `texts` (row i + 1 holds texts[i]), as the adapter creates it. */
const withIndex = <A>(texts: ReadonlyArray<string>, f: (hits: (query: SearchQuery) => Array<number>) => A): A => {
  db.exec("DROP TABLE IF EXISTS fts")
  db.exec(
    `CREATE VIRTUAL TABLE fts USING fts5(body, content='', contentless_delete=1, tokenize="${FTS5_TOKENIZER}")`
  )
  const insert = db.prepare("INSERT INTO fts(rowid, body) VALUES (?, ?)")
  texts.forEach((text, i) => insert.run(i + 1, indexText(text)))
  const select = db.prepare("SELECT rowid FROM fts WHERE fts MATCH ? ORDER BY rowid")
  return f((query) => select.all(toFts5(query)).map((row) => (row as { rowid: number }).rowid))
}

const expected = (query: SearchQuery, texts: ReadonlyArray<string>) =>
  texts.flatMap((text, i) => (matchesQuery(query, text) ? [i + 1] : []))

describe("the FTS5 index", () => {
  it("keeps every letter and number of folded text as it is, as one token", () => {
    // Every character foldForSearch can put in a token, each as a token of its own (behind a "q"): FTS5's own case
    // folding must leave it alone and its tokenizer must not split it, else FTS5 and matchesQuery would disagree.
    const chars: Array<string> = []
    for (let cp = 0; cp <= 0x10FFFF; cp++) {
      if (cp >= 0xD800 && cp <= 0xDFFF) continue
      const c = String.fromCodePoint(cp)
      if (/^[\p{L}\p{N}]$/u.test(c) && foldForSearch(c) === c) chars.push(c)
    }
    expect(chars.length).toBeGreaterThan(100_000)
    db.exec("DROP TABLE IF EXISTS chars")
    db.exec(`CREATE VIRTUAL TABLE chars USING fts5(body, content='', contentless_delete=1, tokenize="${FTS5_TOKENIZER}")`)
    db.exec("CREATE VIRTUAL TABLE temp.chars_vocab USING fts5vocab(main, chars, 'row')")
    const insert = db.prepare("INSERT INTO chars(rowid, body) VALUES (?, ?)")
    db.transaction(() => {
      for (let i = 0; i < chars.length; i += 1000) insert.run(i + 1, chars.slice(i, i + 1000).map((c) => `q${c}`).join(" "))
    })()
    const terms = new Set(db.prepare("SELECT term FROM chars_vocab").all().map((r) => (r as { term: string }).term))
    expect(chars.filter((c) => !terms.has(`q${c}`))).toEqual([])
    expect(terms.size).toBe(chars.length)
    db.exec("DROP TABLE chars_vocab")
    db.exec("DROP TABLE chars")
  })

  it("finds what matchesQuery finds, on examples", () => {
    const texts = [
      "Криптовалюта растёт",
      "Le Café de Flore",
      "Hauptstraße 5",
      "今天比特币涨了",
      "毎朝コーヒーを飲む",
      "저는 한국어를 배워요",
      "send an E-Mail",
      "email me",
      "I don't know",
      "Hello, world!",
      "crypto pump and dump",
      "crypto pump dump",
      "cat or dog",
      "a b d",
      "a c d",
      "a d",
      "🙂🙂",
      ""
    ]
    const cases: Array<[string, Array<number>]> = [
      ["крипт", [1]],
      ["CAFÉ", [2]],
      ["STRASSE", []],
      ["hauptstrasse", [3]],
      ["比特", [4]],
      ["比币", []],
      ["ヒー", [5]],
      ["한국", [6]],
      ["e-mail", [7]],
      ["don't", [9]],
      ["\"hello world\"", [10]],
      ["\"world hello\"", []],
      ["world hello", [10]],
      ["\"hello wor\"", []],
      ["crypto -\"pump dump\"", [11]],
      ["crypto -dump", []],
      ["a b OR c d", [11, 14, 15]],
      ["cat or dog", [13]],
      ["OR e", [7, 8]]
    ]
    withIndex(texts, (hits) => {
      for (const [query, rows] of cases) {
        const parsed = Either.getOrThrow(parseSearchQuery(query))
        expect(hits(parsed), query).toEqual(rows)
        expect(expected(parsed, texts), query).toEqual(rows)
      }
    })
  })

  it("accepts every query parseSearchQuery makes, whatever was typed", () => {
    const input = fc.oneof(
      fc.string(),
      fc.fullUnicodeString({ maxLength: 40 }),
      fc.string({ unit: fc.constantFrom("\"", "-", "OR", " ", "a", "比", "*", "(", ")", ":", "^", "+", "NOT", "'", "🙂"), maxLength: 30 }),
      queryArb
    )
    withIndex(["some text", "比特币", "\"quoted\" - OR"], (hits) => {
      fc.assert(
        fc.property(input, (query) => {
          const parsed = parseSearchQuery(query)
          if (Either.isRight(parsed)) expect(() => hits(parsed.right)).not.toThrow()
        }),
        { numRuns: 300 }
      )
    })
  })

  it("finds exactly the texts matchesQuery is true of", () => {
    const textsArb = fc.array(textArb, { minLength: 1, maxLength: 10 })
    // Queries from the generated vocabulary, and from pieces of the texts themselves (any Unicode).
    const caseArb = textsArb.chain((texts) =>
      fc.tuple(
        fc.constant(texts),
        fc.array(
          fc.oneof(
            queryArb,
            fc.tuple(fc.nat(texts.length - 1), fc.nat(), fc.integer({ min: 1, max: 12 }), fc.constantFrom("", "\"", "-"))
              .map(([k, at, n, mark]) => {
                const chars = Array.from(texts[k]!)
                const start = chars.length === 0 ? 0 : at % chars.length
                return mark + chars.slice(start, start + n).join("") + mark.replace("-", "")
              })
          ),
          { minLength: 1, maxLength: 5 }
        )
      )
    )
    let compared = 0
    let found = 0 // queries finding something
    fc.assert(
      fc.property(caseArb, ([texts, queries]) => {
        withIndex(texts, (hits) => {
          for (const query of queries) {
            const parsed = parseSearchQuery(query)
            if (Either.isLeft(parsed)) continue
            const rows = expected(parsed.right, texts)
            expect(hits(parsed.right), `${JSON.stringify(query)} -> ${toFts5(parsed.right)} over ${JSON.stringify(texts.map(tokenize))}`)
              .toEqual(rows)
            compared++
            if (rows.length > 0) found++
          }
        })
      }),
      { numRuns: 250 }
    )
    // The generators make queries that find something, not only ones that find nothing.
    expect(compared).toBeGreaterThan(300)
    expect(found).toBeGreaterThan(compared / 4)
  })
})
