/**
 * One title's score at a time, over the domain's scorers
 * (src/domain/FuzzyScore.ts), which fold the query once for many titles.
 */
import { foldedTitle, foldedTitleMatcher, titleScorer } from "../../src/domain/FuzzyScore.js"

/** The fuzzy score of one title for one query. */
export const fuzzyScore = (query: string, title: string): number => titleScorer(query)(title)

/** `foldedTitleMatcher` over a title not yet folded: its score, or null when surely below `minScore`. */
export const titleMatcher = (query: string, minScore: number): (title: string) => number | null => {
  const match = foldedTitleMatcher(query, minScore)
  return (title) => match(foldedTitle(title))
}
