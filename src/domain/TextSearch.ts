// TEMPORARY placeholder until branch fts-domain lands (not committed).
import { Data, Either } from "effect"
import { foldForSearch } from "./TextFold.js"
export const MAX_QUERY_LENGTH = 256
export const FTS5_TOKENIZER = "unicode61 remove_diacritics 0 categories 'L* N* Co M* S* P* C*'"
export interface SearchTerm { readonly tokens: ReadonlyArray<string>; readonly prefix: boolean }
export interface SearchQuery { readonly groups: ReadonlyArray<ReadonlyArray<SearchTerm>>; readonly excluded: ReadonlyArray<SearchTerm> }
export class InvalidSearchQuery extends Data.TaggedError("InvalidSearchQuery")<{ readonly reason: string }> {}
export const tokenize = (text: string): ReadonlyArray<string> => foldForSearch(text).split(/[^\p{L}\p{N}\p{M}]+/u).filter((t) => t !== "")
export const indexText = (text: string) => tokenize(text).join(" ")
export const parseSearchQuery = (input: string): Either.Either<SearchQuery, InvalidSearchQuery> => {
  const t = tokenize(input)
  return t.length === 0 ? Either.left(new InvalidSearchQuery({ reason: "empty query" })) : Either.right({ groups: t.map((x) => [{ tokens: [x], prefix: true }]), excluded: [] })
}
export const toFts5 = (q: SearchQuery) => q.groups.map((g) => `(${g.map((t) => `"${t.tokens.join(" ")}"*`).join(" OR ")})`).join(" AND ")
export const matchesQuery = (q: SearchQuery, text: string) => { const t = tokenize(text); return q.groups.every((g) => g.some((s) => t.some((x) => x.startsWith(s.tokens[0]!)))) }
export const snippetOf = (_q: SearchQuery, text: string) => text.slice(0, 160)
export const hasLink = (text: string) => /https?:\/\//.test(text)
export const telegramQueryOf = (q: SearchQuery) => q.groups.map((g) => g[0]!.tokens.join(" ")).join(" ")
