/** Texts and queries for the property tests of src/domain/TextSearch.ts: a small vocabulary, so queries find things. */
import { FastCheck as fc } from "effect"

/** Words and pieces of words where folding, prefixes, phrases and CJK matter. */
export const PIECES = [
  "крипт",
  "Криптовалюта",
  "КРИПТА",
  "Café",
  "cafe",
  "CAFÉ",
  "straße",
  "STRASSE",
  "ss",
  "比",
  "特",
  "币",
  "比特币",
  "今天",
  "コーヒー",
  "ー",
  "ヒ",
  "한국",
  "한",
  "하",
  "국어",
  "ㅋㅋ",
  "e-mail",
  "E-Mail",
  "mail",
  "don't",
  "dont",
  "OR",
  "or",
  "a",
  "ab",
  "abc",
  "b",
  "bc",
  "x",
  "1",
  "12",
  "ǅ",
  "ﬁ",
  "fi",
  "ﷺ",
  "½",
  "Σ",
  "σς",
  "İ",
  "i",
  "🙂",
  "💩x",
  "\u0301",
  "e\u0301",
  "Ꭰ",
  "ꭰ",
  "𠀋",
  "x2"
] as const

/** What may come between pieces of a text. */
export const SEPARATORS = [" ", " ", " ", "", "-", ",", "\n", ".", "  ", "\u00A0", "\"", "'", "_", "\u3000", "。", "*"] as const

export const textArb: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.array(fc.tuple(fc.constantFrom(...PIECES), fc.constantFrom(...SEPARATORS)), { maxLength: 12 })
    .map((parts) => parts.map(([piece, sep]) => piece + sep).join("")) },
  { weight: 1, arbitrary: fc.fullUnicodeString({ maxLength: 30 }) }
)

/** One element of a query: a word, an exclusion, a phrase, an OR, a stray quote or dash. */
const queryPartArb: fc.Arbitrary<string> = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(...PIECES) },
  { weight: 2, arbitrary: fc.constantFrom(...PIECES).map((p) => `-${p}`) },
  {
    weight: 2,
    arbitrary: fc.tuple(fc.array(fc.constantFrom(...PIECES), { minLength: 1, maxLength: 3 }), fc.constantFrom(" ", "", "-"), fc.boolean(), fc.boolean())
      .map(([words, sep, excluded, closed]) => `${excluded ? "-" : ""}"${words.join(sep)}${closed ? "\"" : ""}`)
  },
  { weight: 1, arbitrary: fc.constantFrom("OR", "-", "\"", "--", "OR OR") }
)

export const queryArb: fc.Arbitrary<string> = fc.array(fc.tuple(queryPartArb, fc.constantFrom(" ", " ", " ", "")), { minLength: 1, maxLength: 5 })
  .map((parts) => parts.map(([part, sep]) => part + sep).join(""))
