/**
 * Snippets of search hits: a window of the original text around the first
 * place a query's terms match, each match wrapped in markers.
 */
import { type SearchQuery, termMatchesAt, tokenSpans } from "./TextSearchTokens.js"

export interface SnippetOptions {
  /** Characters (code points) of text shown, ellipses included, markers not: 160 by default. */
  readonly maxChars?: number
  /** Put before each match: `**` by default. */
  readonly open?: string
  /** Put after each match: `**` by default. */
  readonly close?: string
}

const ELLIPSIS = "\u2026"
/** How far a window's ends may move back to fall between words. */
const SNAP = 20
const SPACE = /\s/u

/** Where the query's positive terms match in `text`: sorted, disjoint UTF-16 spans, touching ones merged. */
const matchedSpans = (query: SearchQuery, text: string): Array<[number, number]> => {
  const spans = tokenSpans(text)
  const tokens = spans.map((s) => s.token)
  const found: Array<[number, number]> = []
  for (const group of query.groups) {
    for (const term of group) {
      const n = term.tokens.length
      for (let i = 0; i + n <= tokens.length; i++) {
        if (termMatchesAt(term, tokens, i)) found.push([spans[i]!.start, spans[i + n - 1]!.end])
      }
    }
  }
  found.sort((a, b) => a[0] - b[0] || a[1] - b[1])
  const merged: Array<[number, number]> = []
  for (const [start, end] of found) {
    const last = merged[merged.length - 1]
    if (last !== undefined && start <= last[1]) last[1] = Math.max(last[1], end)
    else merged.push([start, end])
  }
  return merged
}

/** The UTF-16 offset of every code point of `text`, then `text.length`. */
const codePointBounds = (text: string): Array<number> => {
  const bounds: Array<number> = []
  for (let i = 0; i < text.length; i += text.codePointAt(i)! > 0xFFFF ? 2 : 1) bounds.push(i)
  bounds.push(text.length)
  return bounds
}

/** The index in `bounds` of a UTF-16 offset that is a code point boundary (else the next one). */
const indexOfOffset = (bounds: ReadonlyArray<number>, offset: number): number => {
  let lo = 0
  let hi = bounds.length - 1
  while (lo < hi) {
    const mid = (lo + hi) >> 1
    if (bounds[mid]! < offset) lo = mid + 1
    else hi = mid
  }
  return lo
}

/**
 * A window of at most `maxChars` characters of the original text around the
 * first match of the query's positive terms (the whole text when it is that
 * short; else from a little before the match, moved to fall between words
 * when a space is near, with "…" where it cuts), each match (a whole token,
 * a whole phrase) wrapped in `open` and `close`. Without a match: the start
 * of the text. Never cuts a character in two.
 */
export const snippetOf = (query: SearchQuery, text: string, options?: SnippetOptions): string => {
  const maxChars = Math.max(1, Math.floor(options?.maxChars ?? 160))
  const open = options?.open ?? "**"
  const close = options?.close ?? "**"
  const spans = matchedSpans(query, text)
  const bounds = codePointBounds(text)
  const length = bounds.length - 1
  let from = 0
  let to = length
  if (length > maxChars) {
    const budget = Math.max(1, maxChars - 2)
    const first = spans[0]
    const anchor = first === undefined ? 0 : indexOfOffset(bounds, first[0])
    const anchorEnd = first === undefined ? 0 : indexOfOffset(bounds, first[1])
    from = Math.max(0, anchor - Math.floor(budget / 4))
    to = Math.min(length, from + budget)
    from = Math.max(0, to - budget)
    const charAt = (k: number) => text.slice(bounds[k], bounds[k + 1])
    if (from > 0) {
      for (let k = from; k < Math.min(anchor, from + SNAP); k++) {
        if (SPACE.test(charAt(k))) {
          from = k + 1
          while (from < anchor && SPACE.test(charAt(from))) from++
          break
        }
      }
    }
    if (to < length) {
      for (let k = to - 1; k >= Math.max(anchor + 1, anchorEnd, to - SNAP); k--) {
        if (SPACE.test(charAt(k))) {
          to = k
          break
        }
      }
    }
  }
  const start = bounds[from]!
  const end = bounds[to]!
  let out = from > 0 ? ELLIPSIS : ""
  let at = start
  for (const [s, e] of spans) {
    const a = Math.max(s, start)
    const b = Math.min(e, end)
    if (a >= b) continue
    out += text.slice(at, a) + open + text.slice(a, b) + close
    at = b
  }
  out += text.slice(at, end)
  return to < length ? out + ELLIPSIS : out
}
