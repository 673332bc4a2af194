/**
 * Local full-text search over cached messages, pure: the query language,
 * its translation to an SQLite FTS5 MATCH expression, the text the index
 * holds, the same matching in JavaScript, snippets and a link test.
 *
 * The index: one FTS5 column holding `indexText(message.text)`, in a table
 * created with `tokenize="${FTS5_TOKENIZER}"`. That tokenizer splits on
 * spaces and separators only, so FTS5's tokens are exactly the ones
 * `indexText` separated by spaces (its own case folding leaves folded text
 * as it is: checked over every letter and number of Unicode). So
 * `matchesQuery(q, text)` is true exactly when the row holding
 * `indexText(text)` matches `toFts5(q)`; the tests check this against real
 * FTS5 over generated texts and queries.
 *
 * Semantics:
 * - Folding is `foldForSearch`, as dialog search: case- and accent-blind
 *   ("Café" finds "cafe", "STRASSE" finds "straße").
 * - Tokens: after folding, anything that is not a letter, number or mark
 *   separates. Each Chinese, Japanese or Korean character (Han, Hiragana,
 *   Katakana, a Hangul syllable) is a token of its own, so a query in those
 *   scripts matches as a substring ("比特" finds "今天比特币涨了"). Other
 *   scripts make words of their letters; scripts written without spaces but
 *   not listed (Thai, Khmer, ...) are words too, found from their start only.
 * - A word matches any word it begins ("крипт" finds "Криптовалюта"). A word
 *   holding separators ("e-mail", "don't") is a phrase of its tokens, the
 *   last matched as a prefix; CJK characters in it are each a whole token
 *   (a trailing CJK character is matched whole, not as a prefix).
 * - `"quoted words"` are a phrase matched exactly, the last token too (an
 *   unterminated quote takes the rest of the query). “ ” and „ are quotes too.
 * - `-word` and `-"phrase"` exclude the texts they match. A lone `-` is a
 *   separator. A query of exclusions only is refused.
 * - `OR` (upper case, as a word of its own) between two terms makes them
 *   alternatives: `a b OR c d` is a AND (b OR c) AND d. It joins the nearest
 *   terms to be found on either side (exclusions between do not matter); a
 *   leading, trailing or repeated OR is ignored. `or` is a word.
 * - Words that fold to no token (punctuation, emoji) are dropped. Refused
 *   with InvalidSearchQuery: an empty query, one longer than
 *   MAX_QUERY_LENGTH code points, one with nothing left to search for, one of
 *   more than MAX_TERMS terms.
 *
 * Tokens are not truncated here while FTS5 truncates tokens at 32768 bytes;
 * this never shows: a query token comes from at most 256 code points, each
 * folding to at most 33 bytes (ﷺ), so it is far shorter and begins or equals
 * a long token whether that is truncated or not.
 */
import { Data, Either } from "effect"
import { isWordToken, type SearchQuery, type SearchTerm, termMatches, tokenize } from "./TextSearchTokens.js"

export { indexText, type SearchQuery, type SearchTerm, tokenize } from "./TextSearchTokens.js"
export { snippetOf, type SnippetOptions } from "./TextSearchSnippet.js"

/** Characters (code points) of a raw query. */
export const MAX_QUERY_LENGTH = 256

/** Terms of a query, found and excluded together. */
export const MAX_TERMS = 32

/** The `tokenize=` argument of the index's FTS5 table (to be written inside double quotes). */
export const FTS5_TOKENIZER = "unicode61 remove_diacritics 0 categories 'L* N* Co M* S* P* C*'"

export class InvalidSearchQuery extends Data.TaggedError("InvalidSearchQuery")<{ readonly reason: string }> {
  override get message() {
    return `invalid search query: ${this.reason}`
  }
}

const QUOTES = new Set(["\"", "\u201C", "\u201D", "\u201E"])
const SPACE = /^\s$/u

type Item =
  | { readonly _tag: "Term"; readonly term: SearchTerm; readonly excluded: boolean }
  | { readonly _tag: "Or" }

const termOf = (text: string, phrase: boolean): SearchTerm | null => {
  const tokens = tokenize(text)
  if (tokens.length === 0) return null
  return { tokens, prefix: !phrase && isWordToken(tokens[tokens.length - 1]!) }
}

/** The query's words, phrases and ORs, in order; words that fold to nothing left out. */
const itemsOf = (chars: ReadonlyArray<string>): Array<Item> => {
  const items: Array<Item> = []
  const isSpace = (c: string) => SPACE.test(c)
  let i = 0
  while (i < chars.length) {
    if (isSpace(chars[i]!)) {
      i++
      continue
    }
    let excluded = false
    if (chars[i] === "-") {
      i++
      if (i >= chars.length || isSpace(chars[i]!)) continue
      excluded = true
    }
    let term: SearchTerm | null
    if (QUOTES.has(chars[i]!)) {
      let end = i + 1
      while (end < chars.length && !QUOTES.has(chars[end]!)) end++
      term = termOf(chars.slice(i + 1, end).join(""), true)
      i = end + 1
    } else {
      let end = i
      while (end < chars.length && !isSpace(chars[end]!) && !QUOTES.has(chars[end]!)) end++
      const word = chars.slice(i, end).join("")
      i = end
      if (!excluded && word === "OR") {
        items.push({ _tag: "Or" })
        continue
      }
      term = termOf(word, false)
    }
    if (term !== null) items.push({ _tag: "Term", term, excluded })
  }
  return items
}

const invalid = (reason: string) => Either.left(new InvalidSearchQuery({ reason }))

/** The query language described at the top of this module. */
export const parseSearchQuery = (input: string): Either.Either<SearchQuery, InvalidSearchQuery> => {
  const chars = Array.from(input)
  if (chars.length > MAX_QUERY_LENGTH) {
    return invalid(`the query is longer than ${MAX_QUERY_LENGTH} characters`)
  }
  if (input.trim() === "") return invalid("empty query")
  const groups: Array<Array<SearchTerm>> = []
  const excluded: Array<SearchTerm> = []
  let orPending = false
  for (const item of itemsOf(chars)) {
    if (item._tag === "Or") {
      orPending = groups.length > 0
    } else if (item.excluded) {
      excluded.push(item.term)
    } else {
      if (orPending) groups[groups.length - 1]!.push(item.term)
      else groups.push([item.term])
      orPending = false
    }
  }
  const terms = groups.reduce((n, g) => n + g.length, excluded.length)
  if (terms > MAX_TERMS) return invalid(`too many terms (${terms}); at most ${MAX_TERMS}`)
  if (groups.length === 0) {
    return excluded.length > 0
      ? invalid("the query needs at least one word to find, not only words to exclude")
      : invalid(`nothing to search for in ${JSON.stringify(input)}: no letters or digits`)
  }
  return Either.right({ groups, excluded })
}

const quoted = (token: string) => `"${token.replaceAll("\"", "\"\"")}"`

const fts5Term = (term: SearchTerm) => term.tokens.map(quoted).join(" + ") + (term.prefix ? "*" : "")

const fts5Or = (terms: ReadonlyArray<SearchTerm>) =>
  `(${terms.filter((t) => t.tokens.length > 0).map(fts5Term).join(" OR ")})`

/**
 * The FTS5 MATCH expression of a query, e.g. `("a"*) AND ("b"* OR "c"*) NOT ("x"*)`,
 * a phrase as `"e" + "mail"*`. Every token is quoted, so no query is a syntax error.
 * Terms without tokens are left out (parseSearchQuery makes none); a query
 * with nothing to find gives `""`, which matches nothing.
 */
export const toFts5 = (query: SearchQuery): string => {
  const groups = query.groups.filter((g) => g.some((t) => t.tokens.length > 0))
  if (groups.length === 0) return "\"\""
  const found = groups.map(fts5Or).join(" AND ")
  const excluded = query.excluded.filter((t) => t.tokens.length > 0)
  return excluded.length === 0 ? found : `${found} NOT ${fts5Or(excluded)}`
}

/** Whether `toFts5(query)` matches the row holding `indexText(text)`, computed on the text itself. */
export const matchesQuery = (query: SearchQuery, text: string): boolean => {
  const tokens = tokenize(text)
  const groups = query.groups.filter((g) => g.some((t) => t.tokens.length > 0))
  return groups.length > 0 &&
    groups.every((g) => g.some((t) => termMatches(t, tokens))) &&
    !query.excluded.some((t) => termMatches(t, tokens))
}

const LINK =
  /(?<![\p{L}\p{N}_@.\/-])(?:https?:\/\/[^\s/?#.]|www\.[\p{L}\p{N}-]+\.[\p{L}\p{N}]|(?:t|telegram)\.me\/[\p{L}\p{N}_+])/iu

/**
 * Whether text holds a link: an `http://` or `https://` URL, a `www.` host
 * (`www.example.org`), or a `t.me/...` or `telegram.me/...` link, in any case,
 * not glued to a word before it. Bare domains (`example.com`) are not links
 * here: too many ordinary words with dots would be.
 */
export const hasLink = (text: string): boolean => LINK.test(text)

/** Telegram's class name for a link preview: a link, not media. */
const WEB_PAGE = "MessageMediaWebPage"

/**
 * What the cache search's `has_media` and `has_link` filters read of a
 * message, from its text and its media's class name: media is any but a
 * link preview; a link is one in the text, or a preview.
 */
export const messageFacets = (text: string, mediaType: string | null): { readonly media: boolean; readonly link: boolean } => ({
  media: mediaType !== null && mediaType !== WEB_PAGE,
  link: mediaType === WEB_PAGE || hasLink(text)
})

const CJK_TOKEN_JOINS = (before: string, after: string) => !isWordToken(before) && !isWordToken(after)

/**
 * Plain words for Telegram's own server search, whose hits are then filtered
 * with `matchesQuery`: the tokens of one term every hit must contain (the
 * first group of a single term; else, best effort, the first term of the
 * first group, missing hits of its alternatives). The words are folded: case
 * does not matter to Telegram, but accents are gone (a server search for
 * "cafe" may miss "café"); CJK characters are written together, Hangul
 * recomposed into syllables.
 */
export const telegramQueryOf = (query: SearchQuery): string => {
  const groups = query.groups.map((g) => g.filter((t) => t.tokens.length > 0)).filter((g) => g.length > 0)
  const term = groups.find((g) => g.length === 1)?.[0] ?? groups[0]?.[0]
  if (term === undefined) return ""
  let out = ""
  term.tokens.forEach((token, k) => {
    if (k > 0 && !CJK_TOKEN_JOINS(term.tokens[k - 1]!, token)) out += " "
    out += token
  })
  return out.normalize("NFC")
}
