import { describe, expect, it } from "@effect/vitest"
import { Either } from "effect"
import {
  FTS5_TOKENIZER,
  hasLink,
  indexText,
  InvalidSearchQuery,
  matchesQuery,
  MAX_QUERY_LENGTH,
  MAX_TERMS,
  parseSearchQuery,
  type SearchQuery,
  snippetOf,
  telegramQueryOf,
  tokenize,
  toFts5
} from "../../src/domain/TextSearch.js"

const q = (input: string): SearchQuery => Either.getOrThrow(parseSearchQuery(input))
const matches = (query: string, text: string) => matchesQuery(q(query), text)
const reason = (input: string): string => {
  const r = parseSearchQuery(input)
  if (Either.isRight(r)) throw new Error(`${JSON.stringify(input)} parsed: ${JSON.stringify(r.right)}`)
  expect(r.left).toBeInstanceOf(InvalidSearchQuery)
  expect(r.left._tag).toBe("InvalidSearchQuery")
  expect(r.left.message).toBe(`invalid search query: ${r.left.reason}`)
  return r.left.reason
}

describe("tokenize and indexText", () => {
  it("folds case and accents and splits on everything but letters and numbers", () => {
    expect(tokenize("Café, STRASSE! straße… Криптовалюта 2024")).toEqual([
      "cafe",
      "strasse",
      "strasse",
      "криптовалюта",
      "2024"
    ])
    expect(tokenize("e-mail don't a_b x@y.z #tag")).toEqual(["e", "mail", "don", "t", "a", "b", "x", "y", "z", "tag"])
    expect(tokenize("🙂 -- ... !!")).toEqual([])
    expect(tokenize("")).toEqual([])
  })

  it("makes each Chinese, Japanese and Korean character a token of its own", () => {
    expect(tokenize("今天比特币涨了")).toEqual(["今", "天", "比", "特", "币", "涨", "了"])
    expect(tokenize("コーヒーを飲む")).toEqual(["コ", "ー", "ヒ", "ー", "を", "飲", "む"])
    // Hangul syllables are decomposed by the folding, and stay one token each.
    expect(tokenize("한국어").map((t) => t.normalize("NFC"))).toEqual(["한", "국", "어"])
    expect(tokenize("bitcoin比特币2")).toEqual(["bitcoin", "比", "特", "币", "2"])
  })

  it("indexText is the tokens separated by single spaces", () => {
    expect(indexText("  Hello,   World!  ")).toBe("hello world")
    expect(indexText("比特 币")).toBe("比 特 币")
    expect(indexText("...")).toBe("")
  })

  it("exports the tokenizer of the index's table", () => {
    expect(FTS5_TOKENIZER).toBe("unicode61 remove_diacritics 0 categories 'L* N* Co M* S* P* C*'")
  })
})

describe("parseSearchQuery", () => {
  it("makes every word a prefix term, AND-ed", () => {
    expect(q("Крипт Café")).toEqual({
      groups: [[{ tokens: ["крипт"], prefix: true }], [{ tokens: ["cafe"], prefix: true }]],
      excluded: []
    })
  })

  it("makes a word with separators a phrase, its last token a prefix", () => {
    expect(q("e-mail")).toEqual({ groups: [[{ tokens: ["e", "mail"], prefix: true }]], excluded: [] })
    expect(q("don't")).toEqual({ groups: [[{ tokens: ["don", "t"], prefix: true }]], excluded: [] })
  })

  it("makes a CJK run a phrase of characters, none a prefix", () => {
    expect(q("比特")).toEqual({ groups: [[{ tokens: ["比", "特"], prefix: false }]], excluded: [] })
    expect(q("比特coin").groups[0]![0]).toEqual({ tokens: ["比", "特", "coin"], prefix: true })
  })

  it("makes a quoted phrase exact, an unterminated quote taking the rest", () => {
    expect(q("\"Hello World\" x")).toEqual({
      groups: [[{ tokens: ["hello", "world"], prefix: false }], [{ tokens: ["x"], prefix: true }]],
      excluded: []
    })
    expect(q("a \"hello world")).toEqual({
      groups: [[{ tokens: ["a"], prefix: true }], [{ tokens: ["hello", "world"], prefix: false }]],
      excluded: []
    })
    expect(q("“smart quotes”").groups).toEqual([[{ tokens: ["smart", "quotes"], prefix: false }]])
    expect(q("a\"b c\"d").groups.map((g) => g[0]!.tokens)).toEqual([["a"], ["b", "c"], ["d"]])
  })

  it("excludes -word and -\"phrase\"; a lone - is nothing", () => {
    expect(q("a -b -\"c d\" - e")).toEqual({
      groups: [[{ tokens: ["a"], prefix: true }], [{ tokens: ["e"], prefix: true }]],
      excluded: [{ tokens: ["b"], prefix: true }, { tokens: ["c", "d"], prefix: false }]
    })
    expect(q("a-b").excluded).toEqual([])
  })

  it("groups terms around an upper-case OR; lower-case or is a word; stray ORs are ignored", () => {
    const abcd = q("a b OR c d")
    expect(abcd.groups.map((g) => g.map((t) => t.tokens[0]))).toEqual([["a"], ["b", "c"], ["d"]])
    expect(q("a OR b OR c").groups.map((g) => g.map((t) => t.tokens[0]))).toEqual([["a", "b", "c"]])
    expect(q("a or b").groups.length).toBe(3)
    expect(q("OR a OR OR b OR")).toEqual(q("a OR b"))
    expect(q("a OR -x b")).toEqual({ groups: q("a OR b").groups, excluded: q("a -x").excluded })
    expect(q("a OR 🙂 b")).toEqual(q("a OR b"))
  })

  it("drops words that fold to nothing", () => {
    expect(q("🙂 hello !!! …")).toEqual(q("hello"))
  })

  it("refuses what cannot be searched for", () => {
    expect(reason("")).toBe("empty query")
    expect(reason("  \n\t ")).toBe("empty query")
    expect(reason("-spam")).toMatch(/needs at least one word to find/)
    expect(reason("-spam -\"ham eggs\"")).toMatch(/needs at least one word to find/)
    expect(reason("🙂🙂")).toMatch(/^nothing to search for in "🙂🙂"/)
    expect(reason("!!! -- \"\"")).toMatch(/^nothing to search for/)
    expect(reason("x".repeat(MAX_QUERY_LENGTH + 1))).toMatch(/longer than 256 characters/)
    expect(reason(Array.from({ length: MAX_TERMS + 1 }, (_, i) => `w${i}`).join(" "))).toMatch(/too many terms.*32/)
    expect(reason("OR")).toMatch(/^nothing to search for/)
  })

  it("counts the length in code points", () => {
    expect(Either.isRight(parseSearchQuery("😀".repeat(MAX_QUERY_LENGTH - 1) + "a"))).toBe(true)
    expect(Either.isRight(parseSearchQuery("a".repeat(MAX_QUERY_LENGTH)))).toBe(true)
    expect(Either.isLeft(parseSearchQuery("😀".repeat(MAX_QUERY_LENGTH) + "a"))).toBe(true)
  })
})

describe("toFts5", () => {
  it("quotes every token: prefix words, phrases, groups and exclusions", () => {
    expect(toFts5(q("a b OR c -x"))).toBe("(\"a\"*) AND (\"b\"* OR \"c\"*) NOT (\"x\"*)")
    expect(toFts5(q("e-mail \"big deal\" -\"no way\" -y"))).toBe(
      "(\"e\" + \"mail\"*) AND (\"big\" + \"deal\") NOT (\"no\" + \"way\" OR \"y\"*)"
    )
    expect(toFts5(q("比特"))).toBe("(\"比\" + \"特\")")
    expect(toFts5(q("NOT AND NEAR body:x"))).toBe("(\"not\"*) AND (\"and\"*) AND (\"near\"*) AND (\"body\" + \"x\"*)")
  })

  it("escapes double quotes and drops empty terms of hand-made queries", () => {
    expect(toFts5({ groups: [[{ tokens: ["a\"b"], prefix: false }, { tokens: [], prefix: true }]], excluded: [] }))
      .toBe("(\"a\"\"b\")")
    expect(toFts5({ groups: [], excluded: [] })).toBe("\"\"")
  })
})

describe("matchesQuery", () => {
  it("matches words by prefix, case- and accent-blind", () => {
    expect(matches("крипт", "Криптовалюта растёт")).toBe(true)
    expect(matches("валюта", "Криптовалюта растёт")).toBe(false)
    expect(matches("cafe", "Le Café de Flore")).toBe(true)
    expect(matches("CAFÉ", "cafeteria")).toBe(true)
    expect(matches("STRASSE", "Hauptstraße 5")).toBe(false)
    expect(matches("straße", "STRASSE 5")).toBe(true)
    expect(matches("растет", "Криптовалюта растёт")).toBe(true)
  })

  it("needs every group", () => {
    expect(matches("crypto news", "crypto and more news")).toBe(true)
    expect(matches("crypto news", "crypto only")).toBe(false)
  })

  it("matches CJK as a substring", () => {
    expect(matches("比特", "今天比特币涨了")).toBe(true)
    expect(matches("特币涨", "今天比特币涨了")).toBe(true)
    expect(matches("比币", "今天比特币涨了")).toBe(false)
    expect(matches("コーヒー", "毎朝コーヒーを飲む")).toBe(true)
    expect(matches("ヒー", "毎朝コーヒーを飲む")).toBe(true)
    expect(matches("한국", "저는 한국어를 배워요")).toBe(true)
    expect(matches("국어", "저는 한국어를 배워요")).toBe(true)
    // A syllable is a whole token: 하 is not part of 한.
    expect(matches("하", "한국")).toBe(false)
  })

  it("matches a quoted phrase exactly and in order; words in any order", () => {
    expect(matches("\"hello world\"", "Hello, world!")).toBe(true)
    expect(matches("\"hello wor\"", "Hello, world!")).toBe(false)
    expect(matches("\"world hello\"", "Hello, world!")).toBe(false)
    expect(matches("world hello", "Hello, world!")).toBe(true)
    expect(matches("\"hello world", "hello world")).toBe(true)
  })

  it("matches a word with separators as a phrase", () => {
    expect(matches("e-mail", "send an E-Mail")).toBe(true)
    expect(matches("e-mail", "send an e mailbox")).toBe(true)
    expect(matches("e-mail", "email me")).toBe(false)
    expect(matches("don't", "I don't know")).toBe(true)
    expect(matches("don't", "I dont know")).toBe(false)
  })

  it("excludes", () => {
    expect(matches("crypto -scam", "crypto news")).toBe(true)
    expect(matches("crypto -scam", "crypto scammers")).toBe(false)
    expect(matches("crypto -\"pump dump\"", "crypto pump and dump")).toBe(true)
    expect(matches("crypto -\"pump dump\"", "crypto pump dump")).toBe(false)
  })

  it("ORs", () => {
    const query = "a b OR c d"
    expect(matches(query, "a b d")).toBe(true)
    expect(matches(query, "a c d")).toBe(true)
    expect(matches(query, "a d")).toBe(false)
    expect(matches("cat or dog", "cat dog")).toBe(false)
    expect(matches("cat or dog", "cat or dog")).toBe(true)
  })

  it("matches nothing for a hand-made query with nothing to find", () => {
    expect(matchesQuery({ groups: [], excluded: [] }, "anything")).toBe(false)
    expect(matchesQuery({ groups: [[{ tokens: [], prefix: true }]], excluded: [] }, "anything")).toBe(false)
  })
})

describe("snippetOf", () => {
  it("marks every match in a short text, shown whole", () => {
    expect(snippetOf(q("крипт"), "Криптовалюта и крипта")).toBe("**Криптовалюта** и **крипта**")
    expect(snippetOf(q("比特"), "今天比特币涨了")).toBe("今天**比特**币涨了")
    expect(snippetOf(q("e-mail"), "my E-Mail!")).toBe("my **E-Mail**!")
    expect(snippetOf(q("strasse"), "Hauptstraße", { open: "<b>", close: "</b>" })).toBe("Hauptstraße")
    expect(snippetOf(q("haupt"), "Hauptstraße", { open: "<b>", close: "</b>" })).toBe("<b>Hauptstraße</b>")
    expect(snippetOf(q("cafe"), "Le CAFÉ"), "accents kept as written").toBe("Le **CAFÉ**")
  })

  it("maps matches to the original text when folding changes lengths", () => {
    expect(snippetOf(q("ss x"), "ß x")).toBe("**ß** **x**")
    expect(snippetOf(q("\"strasse 5\""), "Straße 5 ﷺ")).toBe("**Straße 5** ﷺ")
    expect(snippetOf(q("e"), "e\u0301 é")).toBe("**e\u0301** **é**")
    expect(snippetOf(q("한국"), "저는 한국어")).toBe("저는 **한국**어")
  })

  it("cuts a window around the first match, with ellipses", () => {
    const text = "word ".repeat(60) + "the Криптовалюта is here " + "more ".repeat(60)
    const s = snippetOf(q("крипт"), text, { maxChars: 60 })
    expect(s.startsWith("…")).toBe(true)
    expect(s.endsWith("…")).toBe(true)
    expect(s).toContain("**Криптовалюта**")
    expect(Array.from(s.replaceAll("**", "")).length).toBeLessThanOrEqual(60)
    // Cut between words.
    expect(s).toMatch(/^…(word |the )/)
    expect(s).toMatch(/ (more|here)…$/)
  })

  it("shows the start of the text when nothing matches", () => {
    const text = "abc ".repeat(100)
    const s = snippetOf(q("zzz -abc"), text, { maxChars: 20 })
    expect(s.startsWith("abc")).toBe(true)
    expect(s.endsWith("…")).toBe(true)
    expect(s).not.toContain("**")
    expect(snippetOf(q("a -abc"), "abc")).toBe("**abc**")
  })

  it("never cuts a surrogate pair", () => {
    const text = "😀".repeat(50) + "x" + "😀".repeat(50)
    for (const maxChars of [5, 10, 11, 20]) {
      const s = snippetOf(q("x"), text, { maxChars })
      expect(s).not.toMatch(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/)
      expect(s).toContain("**x**")
    }
  })
})

describe("hasLink", () => {
  it("finds URLs, www hosts and t.me links", () => {
    for (const text of ["see https://example.org/x", "HTTP://a.b", "go to www.example.com now", "t.me/durov", "(https://t.me/c/1/2)", "telegram.me/joinchat/x", "T.ME/x"]) {
      expect(hasLink(text), text).toBe(true)
    }
  })

  it("leaves plain words and half links alone", () => {
    for (const text of ["no link here", "example.com", "email me at a@www.example.com", "what.me/x", "https://", "www.", "file.txt", "see t.me", "at.me/x"]) {
      expect(hasLink(text), text).toBe(false)
    }
  })
})

describe("telegramQueryOf", () => {
  it("gives the words of a term every hit must contain", () => {
    expect(telegramQueryOf(q("крипт"))).toBe("крипт")
    expect(telegramQueryOf(q("a OR b c"))).toBe("c")
    expect(telegramQueryOf(q("a OR b"))).toBe("a")
    expect(telegramQueryOf(q("\"Hello World\" -x"))).toBe("hello world")
    expect(telegramQueryOf(q("比特"))).toBe("比特")
    expect(telegramQueryOf(q("한국어"))).toBe("한국어")
    expect(telegramQueryOf(q("Café"))).toBe("cafe")
    expect(telegramQueryOf({ groups: [], excluded: [] })).toBe("")
  })
})
