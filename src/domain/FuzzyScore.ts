/**
 * How well a dialog title matches a search query, in [0, 1] (behaviour
 * notes, "Dialog search"). Both are folded (see TextFold); a query found
 * inside the title scores `0.8 + 0.2 * len(q) / len(title)`, anything else
 * the Ratcliff-Obershelp ratio of difflib (query as `a`, title as `b`).
 * Lengths count code points, as Python's `len` does.
 */
import { codePoints, sequenceRatio } from "./SequenceMatcher.js"
import { foldForSearch } from "./TextFold.js"

/** The score a substring match starts from. */
export const SUBSTRING_FLOOR = 0.8

const scoreFolded = (query: string, queryPoints: ReadonlyArray<number>, title: string): number => {
  const titlePoints = codePoints(title)
  if (title.includes(query)) {
    if (titlePoints.length === 0) return 1
    return SUBSTRING_FLOOR + (0.2 * queryPoints.length) / titlePoints.length
  }
  return sequenceRatio(queryPoints, titlePoints)
}

/** Scores many titles against one query, folding the query once. */
export const titleScorer = (query: string): (title: string) => number => {
  const folded = foldForSearch(query)
  const points = codePoints(folded)
  return (title) => scoreFolded(folded, points, foldForSearch(title))
}

export const fuzzyScore = (query: string, title: string): number => titleScorer(query)(title)

/** `match=exact`: the folded query occurs in the folded title. */
export const titleContains = (query: string) => {
  const folded = foldForSearch(query)
  return (title: string): boolean => foldForSearch(title).includes(folded)
}
