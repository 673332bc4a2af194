/**
 * Message search over the local cache (`source=cache|auto`), as the HTTP API
 * answers it and the MCP tool search_messages returns it: the Schemas
 * /openapi.json shows, the mapping from the CacheSearch use case's answer,
 * and what a failure of it says (src/contract/FailureDetails.ts wording).
 *
 * A result is the contract's MessageSearchResult plus what only a cache
 * search has: the snippet, where the hit came from, and the media fields
 * history messages carry. Coverage says, per dialog searched, which parts of
 * the requested range the cache holds (`covered`) and which it does not
 * (`gaps`): ranges [start_date, end_date) written as message dates; an open
 * range's end is "now".
 */
import { Schema } from "effect"
import type { FolderNotFound } from "../domain/FolderMembership.js"
import type { MediaCategory } from "../domain/MediaCategory.js"
import type { InvalidSearchQuery } from "../domain/TextSearch.js"
import type {
  EnsureTooBroad,
  LocalSearchAnswer,
  LocalSearchHit,
  LocalSearchRequest,
  LocalSort,
  LocalSource
} from "../ports/LocalSearch.js"
import type { MediaIndexError } from "../ports/MediaIndex.js"
import type { MessageStoreError } from "../ports/MessageStore.js"
import type { SearchIndexError } from "../ports/SearchIndex.js"
import type { NoThreads, PeerNotFound, TakeoutDelayed, TelegramError, ThreadNotFound, UserNotFound } from "../ports/TelegramGateway.js"
import type { DialogId } from "../domain/Ids.js"
import { formatMessageDate } from "../domain/Dates.js"
import type { Interval, IntervalSet } from "../domain/Intervals.js"
import { CoveredRange } from "./CacheStatus.js"
import { type FailureDetail, folderNotFoundDetail, historyRangeDetail, telegramFailure, type WayIn } from "./FailureDetails.js"
import { detailsView } from "./MessageDetails.js"
import { messageCoreView, MessageSearchResult } from "./Messages.js"

const Nullable = Schema.NullOr

export const LocalSearchResult = Schema.Struct({
  ...MessageSearchResult.fields,
  /** The same value as dialog_name. */
  dialog_title: Nullable(Schema.String),
  snippet: Schema.String.annotations({ description: "the text around the first match" }),
  origin: Schema.Literal("cache", "telegram").annotations({
    description: "cache: found in the local index; telegram: found by Telegram's search in a gap (source=auto)"
  }),
  media_type: Nullable(Schema.String),
  media_uuid: Nullable(Schema.String),
  media_category: Nullable(Schema.String)
}).annotations({ identifier: "LocalSearchResult" })

export type LocalSearchResultView = typeof LocalSearchResult.Type

export const SearchCoverage = Schema.Struct({
  dialog_id: Schema.Number,
  dialog_title: Nullable(Schema.String),
  index_complete: Schema.Boolean.annotations({ description: "the index holds every message this dialog's cache holds" }),
  covered: Schema.Array(CoveredRange).annotations({ description: "parts of the range the cache holds completely" }),
  gaps: Schema.Array(CoveredRange).annotations({
    description: "parts it does not: matches there are not in a cache answer; the last one may end \"now\""
  })
}).annotations({ identifier: "SearchCoverage" })

export const LocalSearchResponse = Schema.Struct({
  query: Schema.String,
  total: Schema.Number,
  limit: Schema.Number,
  offset: Schema.Number,
  source: Schema.Literal("cache", "auto"),
  sort: Schema.Literal("relevance", "date"),
  index_complete: Schema.Boolean,
  results: Schema.Array(LocalSearchResult),
  coverage: Schema.Array(SearchCoverage)
}).annotations({ identifier: "LocalSearchResponse" })

export type LocalSearchView = typeof LocalSearchResponse.Type

export const localSearchResultView = (hit: LocalSearchHit): LocalSearchResultView => {
  const m = hit.stored.message
  const media = hit.stored.media
  return {
    ...messageCoreView(m),
    dialog_id: hit.dialogId,
    dialog_name: hit.dialogTitle,
    dialog_title: hit.dialogTitle,
    snippet: hit.snippet,
    origin: hit.origin,
    media_type: m.media?.type ?? null,
    media_uuid: media?.uuid ?? null,
    media_category: media?.category ?? m.media?.file?.category ?? null,
    ...detailsView(m.details)
  }
}

/** A range as written: message dates, the open end of the requested range as "now". */
const rangesView = (set: IntervalSet, range: Interval, openEnd: boolean) =>
  set.map((i) => ({
    start_date: formatMessageDate(i.start),
    end_date: openEnd && i.end >= range.end ? "now" : formatMessageDate(i.end)
  }))

/** The wire answer of a cache search; `query` as the client gave it (trimmed). */
export const localSearchView = (query: string, request: LocalSearchRequest, answer: LocalSearchAnswer): LocalSearchView => {
  const openEnd = request.before === null
  return {
    query,
    total: answer.total,
    limit: request.limit,
    offset: request.offset,
    source: request.source,
    sort: request.sort,
    index_complete: answer.indexComplete,
    results: answer.hits.map(localSearchResultView),
    coverage: answer.coverage.map((c) => ({
      dialog_id: c.dialogId,
      dialog_title: c.dialogTitle,
      index_complete: c.indexComplete,
      covered: rangesView(c.covered, answer.range, openEnd),
      gaps: rangesView(c.gaps, answer.range, openEnd)
    }))
  }
}

/** A query the search language refuses (empty, too long, malformed), in the parameter's name. */
/** The filters only a cache search has, as both ways in name them (REST parameters, MCP arguments), checked. */
export interface LocalSearchOptions {
  readonly has_media?: boolean | undefined
  readonly media_type?: MediaCategory | undefined
  readonly has_link?: boolean | undefined
  readonly offset?: number | undefined
  readonly sort?: LocalSort | undefined
  readonly ensure?: boolean | undefined
}

/** Message search's shared parameters (q, the two dates, limit) as both ways in read them. */
export interface SharedSearchParams {
  readonly query: string
  readonly before: number | null
  readonly after: number | null
  readonly limit: number
}

/** The use case's request, with the defaults of the wire (sort by date, offset 0, no ensure). */
export const localSearchRequest = (
  shared: SharedSearchParams,
  source: LocalSource,
  options: LocalSearchOptions,
  scope: { readonly dialogIds: ReadonlyArray<DialogId> | null; readonly folder: string | null; readonly senderId: number | null }
): LocalSearchRequest => ({
  query: shared.query,
  dialogIds: scope.dialogIds,
  folder: scope.folder,
  before: shared.before,
  after: shared.after,
  senderId: scope.senderId,
  hasMedia: options.has_media ?? null,
  mediaType: options.media_type ?? null,
  hasLink: options.has_link ?? null,
  sort: options.sort ?? "date",
  limit: shared.limit,
  offset: options.offset ?? 0,
  source,
  ensure: options.ensure ?? false
})

export const invalidQueryDetail = (reason: string) => `Invalid parameter 'q': ${reason}`

/**
 * What the failure mapping reads of a cache search's failure (the use case's
 * LocalSearchError fits): the ports' and the domain's errors, and of the
 * history request's refusal (src/app/HistoryRequest.ts) its field and reason.
 */
export type LocalSearchFailure =
  | InvalidSearchQuery
  | EnsureTooBroad
  | FolderNotFound
  | { readonly _tag: "InvalidHistoryRequest"; readonly field: string; readonly reason: string }
  | PeerNotFound
  | UserNotFound
  | NoThreads
  | ThreadNotFound
  | TelegramError
  | TakeoutDelayed
  | MessageStoreError
  | SearchIndexError
  | MediaIndexError

/** A cache search's failure for the client; null for our own faults (storage: a 500 / internal error). */
export const localSearchFailure = (error: LocalSearchFailure, way: WayIn): FailureDetail | null => {
  switch (error._tag) {
    case "InvalidSearchQuery":
      return { kind: "BadRequest", detail: invalidQueryDetail(error.reason) }
    case "EnsureTooBroad":
      return { kind: "BadRequest", detail: error.message }
    case "FolderNotFound":
      return { kind: "NotFound", detail: folderNotFoundDetail(error, way) }
    case "InvalidHistoryRequest":
      return {
        kind: "BadRequest",
        detail: error.field === "startDate" ? historyRangeDetail(null) : `Invalid request: ${error.reason}`
      }
    case "MessageStoreError":
    case "SearchIndexError":
    case "MediaIndexError":
      return null
    default:
      return telegramFailure(error, way)
  }
}
