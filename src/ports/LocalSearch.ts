/**
 * The cache search as the ways in call it (its driving port): the request,
 * the answer, and the refusal of its own. The use case
 * (src/app/CacheSearch.ts) answers it; the contract (src/contract/LocalSearch.ts)
 * maps request and answer to the wire.
 */
import { Data } from "effect"
import type { DialogId } from "../domain/Ids.js"
import type { Interval, IntervalSet } from "../domain/Intervals.js"
import type { MediaCategory } from "../domain/MediaCategory.js"
import type { SearchQuery } from "../domain/TextSearch.js"
import type { StoredMessage } from "./MessageStore.js"

/** `ensure=true` fills the gaps of at most this many dialogs in one request. */
export const ENSURE_MAX_DIALOGS = 20
export type LocalSource = "cache" | "auto"
export type LocalSort = "relevance" | "date"

export interface LocalSearchRequest {
  readonly query: string
  /** Only these dialogs; null for no such filter. */
  readonly dialogIds: ReadonlyArray<DialogId> | null
  /** Only the members of this folder (id or title, as in dialog search); null for no such filter. */
  readonly folder: string | null
  /** Only messages dated before (epoch seconds, exclusive; the contract's `start_date`); null for now. */
  readonly before: number | null
  /** Only messages dated at or after (epoch seconds; the contract's `end_date`); null for the beginning. */
  readonly after: number | null
  readonly senderId: number | null
  readonly hasMedia: boolean | null
  readonly mediaType: MediaCategory | null
  readonly hasLink: boolean | null
  readonly sort: LocalSort
  readonly limit: number
  readonly offset: number
  readonly source: LocalSource
  readonly ensure: boolean
}

export interface LocalSearchHit {
  readonly dialogId: DialogId
  readonly dialogTitle: string | null
  readonly stored: StoredMessage
  /** The text around the first match, matches marked. */
  readonly snippet: string
  /** Where the hit came from: the index, or Telegram's search of a gap (`auto`). */
  readonly origin: "cache" | "telegram"
}

export interface DialogCoverage {
  readonly dialogId: DialogId
  readonly dialogTitle: string | null
  /** The parts of the requested range the cache holds completely. */
  readonly covered: IntervalSet
  /** The parts it does not: a message there is not in the cache's answer. */
  readonly gaps: IntervalSet
  /** The index holds every message the dialog's cache holds. */
  readonly indexComplete: boolean
}

export interface LocalSearchAnswer {
  readonly query: SearchQuery
  /** Every match (cache, plus Telegram's gap hits found under `auto`), not only this page. */
  readonly total: number
  readonly hits: ReadonlyArray<LocalSearchHit>
  readonly coverage: ReadonlyArray<DialogCoverage>
  /** Every searched dialog's index is complete. */
  readonly indexComplete: boolean
  /** The requested range, [after, before). */
  readonly range: Interval
}

export class EnsureTooBroad extends Data.TaggedError("EnsureTooBroad")<{ readonly dialogs: number }> {
  override get message() {
    return `ensure=true fills at most ${ENSURE_MAX_DIALOGS} dialogs at once; this search covers ${this.dialogs}: ` +
      "name them with dialog_id or a folder"
  }
}
