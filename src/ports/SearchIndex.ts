/**
 * An account's full-text index over every message its caches hold (one per
 * account: another account's messages are never in it). The index is kept
 * by the MessageStore adapter in the same logical commit as the cache: a page
 * written to a dialog's cache is written here before the commit returns, and
 * a write lost to a crash in between is repaired from the cache's own record
 * of what is not yet indexed. This port is the read side: a query already
 * translated to the index's language (domain/TextSearch.ts), with filters,
 * and how complete the index is for each dialog.
 */
import { Context, Data, type Effect } from "effect"
import type { MediaCategory } from "../domain/MediaCategory.js"
import type { AccountId, DialogId, MessageId } from "../domain/Ids.js"

export class SearchIndexError extends Data.TaggedError("SearchIndexError")<{
  readonly operation: string
  readonly cause: unknown
}> {
  override get message() {
    return `search index: ${this.operation} failed: ${this.cause instanceof Error ? this.cause.message : String(this.cause)}`
  }
}

export interface IndexQuery {
  /** An FTS5 MATCH expression (domain/TextSearch.ts `toFts5`). */
  readonly match: string
  /** Only these dialogs; null for every dialog of the account. */
  readonly dialogIds: ReadonlyArray<DialogId> | null
  /** Only messages dated at or after (epoch seconds). */
  readonly from: number | null
  /** Only messages dated before (epoch seconds, exclusive). */
  readonly until: number | null
  readonly senderId: number | null
  /** True: with media (a web page preview is not media); false: without. */
  readonly hasMedia: boolean | null
  readonly mediaCategory: MediaCategory | null
  readonly hasLink: boolean | null
  /** `relevance`: best first (BM25), ties newest first; `date`: newest first. */
  readonly sort: "relevance" | "date"
  readonly limit: number
  readonly offset: number
}

export interface IndexHit {
  readonly dialogId: DialogId
  readonly messageId: MessageId
  readonly date: number
}

export interface IndexAnswer {
  /** Every match of the query and filters, not just this page. */
  readonly total: number
  readonly hits: ReadonlyArray<IndexHit>
}

/** How far the index is for one dialog with a cache. */
export interface DialogIndexState {
  readonly dialogId: DialogId
  /**
   * Every message the dialog's cache holds is in the index: its backfill
   * has finished, and no write since this process started is left to
   * repair. False while the dialog waits for its backfill or its check.
   */
  readonly complete: boolean
}

export interface SearchIndexService {
  readonly search: (accountId: AccountId, query: IndexQuery) => Effect.Effect<IndexAnswer, SearchIndexError>
  /** Every dialog of the account with a cache, and whether the index holds all of it yet. */
  readonly states: (accountId: AccountId) => Effect.Effect<ReadonlyArray<DialogIndexState>, SearchIndexError>
}

export class SearchIndex extends Context.Tag("ports/SearchIndex")<SearchIndex, SearchIndexService>() {}
