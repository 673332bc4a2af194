/**
 * The tokens of local full-text search (see TextSearch.ts for the whole
 * design): text is folded with `foldForSearch`, then every character that is
 * not a letter, number or mark is a separator; a Chinese, Japanese or
 * Korean character (Han, Hiragana, Katakana by script extension, and a Hangul
 * syllable, which folding decomposes into its jamo) is a token of its own;
 * runs of any other letters and numbers are words.
 *
 * `tokenSpans` finds the same tokens with the span of the original text each
 * came from, for snippets: it folds character by character (a fold can change
 * the length, as ß -> ss or ﷺ -> 18 letters), which gives the same folded text
 * as folding the whole (decomposition and case folding work per character;
 * only the order of combining marks depends on neighbours, and marks are
 * dropped), as the tests check.
 */
import { foldForSearch } from "./TextFold.js"

/** Folded tokens; a phrase when more than one. `prefix`: the last token matches any token it begins. */
export interface SearchTerm {
  readonly tokens: ReadonlyArray<string>
  readonly prefix: boolean
}

/** An AND of groups, each an OR of terms, less the texts any excluded term matches. */
export interface SearchQuery {
  readonly groups: ReadonlyArray<ReadonlyArray<SearchTerm>>
  readonly excluded: ReadonlyArray<SearchTerm>
}

// Conjoining jamo: leading consonants, vowels, trailing consonants (with their extended blocks).
const JAMO_L = "\\u1100-\\u115F\\uA960-\\uA97F"
const JAMO_V = "\\u1160-\\u11A7\\uD7B0-\\uD7C6"
const JAMO_T = "\\u11A8-\\u11FF\\uD7CB-\\uD7FB"
/** One decomposed Hangul syllable (L V T?), or a lone jamo as compatibility jamo (ㅋ) fold to. */
const HANGUL_UNIT = `[${JAMO_L}][${JAMO_V}]?[${JAMO_T}]?|[${JAMO_V}][${JAMO_T}]?|[${JAMO_T}]`
const CJK_SCRIPTS = "\\p{scx=Han}\\p{scx=Hiragana}\\p{scx=Katakana}\\p{scx=Hangul}"
const CJK_CHAR = `(?=[\\p{L}\\p{N}])[${CJK_SCRIPTS}]`
const WORD_CHAR = `(?![${CJK_SCRIPTS}])[\\p{L}\\p{N}\\p{M}]`

const TOKEN = new RegExp(`${HANGUL_UNIT}|${CJK_CHAR}|(?:${WORD_CHAR})+`, "gu")
const STARTS_WITH_WORD_CHAR = new RegExp(`^${WORD_CHAR}`, "u")

/** Whether a token is a word (matched by prefix as a query's last token) rather than one CJK character or syllable. */
export const isWordToken = (token: string): boolean => STARTS_WITH_WORD_CHAR.test(token)

/** Any character of a script matched one character (or syllable) at a time. */
const ANY_CJK = new RegExp(`[${CJK_SCRIPTS}${JAMO_L}${JAMO_V}${JAMO_T}]`, "u")
/** Without such characters TOKEN is only this, and this is several times faster (every cached message passes here). */
const PLAIN_WORD = /[\p{L}\p{N}\p{M}]+/gu

/** The tokens of already folded text. */
const tokensOfFolded = (folded: string): Array<string> =>
  (ANY_CJK.test(folded) ? folded.match(TOKEN) : folded.match(PLAIN_WORD)) ?? []

/** The folded tokens of text, in order. */
export const tokenize = (text: string): ReadonlyArray<string> => tokensOfFolded(foldForSearch(text))

const ASCII_ONLY = /^[\x00-\x7F]*$/
const WHITESPACE = /\s+/u
/** Pieces longer than this are folded without being remembered. */
const PIECE_CACHE_MAX_LENGTH = 40
const PIECE_CACHE_LIMIT = 50_000
const pieceCache = new Map<string, string>()

const indexPiece = (piece: string): string => {
  if (piece.length > PIECE_CACHE_MAX_LENGTH) return tokenize(piece).join(" ")
  let tokens = pieceCache.get(piece)
  if (tokens === undefined) {
    tokens = tokenize(piece).join(" ")
    if (pieceCache.size >= PIECE_CACHE_LIMIT) pieceCache.clear()
    pieceCache.set(piece, tokens)
  }
  return tokens
}

/**
 * What the index's FTS5 column holds for a message's text: its tokens
 * separated by single spaces, exactly `tokenize(text).join(" ")`.
 *
 * Every cached message passes here, most of them more than ASCII, where
 * folding (two NFKD passes, case folding, mark removal) and the CJK-aware
 * tokenizing cost some 4 µs a message. Folding works character by character
 * (see `tokenSpans`), whitespace folds only to characters that are not
 * letters, numbers or marks, and no token spans whitespace or is changed by
 * a neighbour across it: so the tokens of the text are those of its
 * whitespace-separated pieces, in order, and a piece's tokens can be
 * remembered. Words repeat (a chat's vocabulary is small next to its
 * messages), so most pieces are found in the memo (property-tested against
 * `tokenize` over arbitrary text).
 */
export const indexText = (text: string): string => {
  if (ASCII_ONLY.test(text)) return tokenize(text).join(" ")
  let out = ""
  for (const piece of text.split(WHITESPACE)) {
    if (piece === "") continue
    const tokens = indexPiece(piece)
    if (tokens !== "") out = out === "" ? tokens : `${out} ${tokens}`
  }
  return out
}

/** A token and the span (UTF-16 offsets, end exclusive) of the original text it was folded from. */
export interface TokenSpan {
  readonly token: string
  readonly start: number
  readonly end: number
}

const FOLD_CACHE_LIMIT = 20_000
const foldCache = new Map<string, string>()

const foldChar = (c: string): string => {
  let folded = foldCache.get(c)
  if (folded === undefined) {
    folded = foldForSearch(c)
    if (foldCache.size >= FOLD_CACHE_LIMIT) foldCache.clear()
    foldCache.set(c, folded)
  }
  return folded
}

/** The tokens of `tokenize(text)` with where each lies in `text`. */
export const tokenSpans = (text: string): ReadonlyArray<TokenSpan> => {
  let folded = ""
  // For each UTF-16 unit of `folded`: the span of the original character it came from.
  const from: Array<number> = []
  const to: Array<number> = []
  for (let i = 0; i < text.length;) {
    const width = text.codePointAt(i)! > 0xFFFF ? 2 : 1
    const f = foldChar(text.slice(i, i + width))
    // A character folding to nothing (a combining mark) belongs with the one before it.
    if (f === "" && to.length > 0 && to[to.length - 1] === i) to[to.length - 1] = i + width
    for (let k = 0; k < f.length; k++) {
      from.push(i)
      to.push(i + width)
    }
    folded += f
    i += width
  }
  const spans: Array<TokenSpan> = []
  for (const m of folded.matchAll(TOKEN)) {
    spans.push({ token: m[0], start: from[m.index]!, end: to[m.index + m[0].length - 1]! })
  }
  return spans
}

/** Whether `term` matches the tokens starting at `i`. An empty term matches nothing. */
export const termMatchesAt = (term: SearchTerm, tokens: ReadonlyArray<string>, i: number): boolean => {
  const n = term.tokens.length
  if (n === 0 || i + n > tokens.length) return false
  for (let k = 0; k < n; k++) {
    const token = tokens[i + k]!
    const wanted = term.tokens[k]!
    if (k === n - 1 && term.prefix ? !token.startsWith(wanted) : token !== wanted) return false
  }
  return true
}

/** Whether `term` matches anywhere in the tokens. */
export const termMatches = (term: SearchTerm, tokens: ReadonlyArray<string>): boolean => {
  for (let i = 0; i + term.tokens.length <= tokens.length; i++) if (termMatchesAt(term, tokens, i)) return true
  return false
}
