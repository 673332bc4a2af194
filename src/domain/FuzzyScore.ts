/**
 * How well a dialog title matches a search query, in [0, 1] (behaviour
 * notes, "Dialog search"). Both are folded (see TextFold); a query found
 * inside the title scores `0.8 + 0.2 * len(q) / len(title)`, anything else
 * the Ratcliff-Obershelp ratio of difflib (query as `a`, title as `b`).
 * Lengths count code points, as Python's `len` does.
 *
 * A search scores every title of the account (10k and more), so titles are
 * folded once and remembered, and `titleMatcher` skips the ratio where
 * difflib's own upper bounds (`real_quick_ratio`, `quick_ratio`) already
 * put it below the minimum score (bench/RESULTS.md, dialog search).
 */
import { codePoints, matcherFor } from "./SequenceMatcher.js"
import { foldForSearch } from "./TextFold.js"

/** The score a substring match starts from. */
export const SUBSTRING_FLOOR = 0.8

/** A title (or query) folded for search, with what the scoring needs of it. */
export interface FoldedText {
  readonly folded: string
  readonly points: ReadonlyArray<number>
  /** How often each code point occurs; computed when first needed. */
  counts: ReadonlyMap<number, number> | null
}

/**
 * Folded titles by title: folding is a pure function of the text, and the
 * same titles are searched again and again. Bounded; emptied when full.
 */
const foldedTitles = new Map<string, FoldedText>()
const FOLDED_TITLES_MAX = 200_000

const foldedText = (text: string): FoldedText => {
  const folded = foldForSearch(text)
  return { folded, points: codePoints(folded), counts: null }
}

/** A title folded for search (remembered: the same titles come back search after search). */
export const foldedTitle = (title: string): FoldedText => {
  let known = foldedTitles.get(title)
  if (known === undefined) {
    if (foldedTitles.size >= FOLDED_TITLES_MAX) foldedTitles.clear()
    known = foldedText(title)
    foldedTitles.set(title, known)
  }
  return known
}

const countsOf = (points: ReadonlyArray<number>): ReadonlyMap<number, number> => {
  const counts = new Map<number, number>()
  for (const p of points) counts.set(p, (counts.get(p) ?? 0) + 1)
  return counts
}

/** The substring score, or null when the folded query is not in the folded title. */
const substringScore = (query: FoldedText, title: FoldedText): number | null => {
  // A title shorter than the query cannot hold it (most titles, for a longer query): no search needed.
  if (title.folded.length < query.folded.length || !title.folded.includes(query.folded)) return null
  if (title.points.length === 0) return 1
  return SUBSTRING_FLOOR + (0.2 * query.points.length) / title.points.length
}

/** Scores many titles against one query, folding the query once. */
export const titleScorer = (query: string): (title: string) => number => {
  const q = foldedText(query)
  const ratio = matcherFor(q.points).ratio
  return (title) => {
    const t = foldedTitle(title)
    return substringScore(q, t) ?? ratio(t.points)
  }
}

/**
 * The score of each title (folded: see `foldedTitle`), like `titleScorer`,
 * or null when it is surely below `minScore`: the ratio is
 * `2 * matches / (len(q) + len(t))`, and neither the shorter length nor the
 * code points the two have in common (as multisets) can be fewer than the
 * matches.
 */
export const foldedTitleMatcher = (query: string, minScore: number): (title: FoldedText) => number | null => {
  const q = foldedText(query)
  const queryPoints = [...countsOf(q.points).keys()]
  const queryCounts = queryPoints.map((p) => countsOf(q.points).get(p)!)
  const queryLength = q.points.length
  const ratio = matcherFor(q.points).ratio
  return (t) => {
    const substring = substringScore(q, t)
    if (substring !== null) return substring
    const titleLength = t.points.length
    const length = queryLength + titleLength
    if ((2 * Math.min(queryLength, titleLength)) / length < minScore) return null
    const titleCounts = t.counts ??= countsOf(t.points)
    let common = 0
    for (let i = 0; i < queryPoints.length; i++) common += Math.min(queryCounts[i]!, titleCounts.get(queryPoints[i]!) ?? 0)
    if ((2 * common) / length < minScore) return null
    return ratio(t.points)
  }
}

/** `match=exact`: the folded query occurs in the folded title. */
export const titleContains = (query: string) => {
  const folded = foldForSearch(query)
  return (title: string): boolean => foldedTitle(title).folded.includes(folded)
}
