/**
 * The SearchIndex port over each account's `search.db` (SearchIndexDb.ts),
 * built by MessageStoreLive, which writes the same files: queries run on the
 * index as the last commit left it, and a dialog's index counts as complete
 * only once this process has checked it (opened its cache, repaired what a
 * crash left) and its backfill is done.
 */
import { Effect, RcMap } from "effect"
import { DialogId } from "../../domain/Ids.js"
import type { AccountId } from "../../domain/Ids.js"
import type { MessageStoreError } from "../../ports/MessageStore.js"
import { type DialogIndexState, SearchIndex, SearchIndexError, type SearchIndexService } from "../../ports/SearchIndex.js"
import { flushAccount, healthKey, type IndexHealth } from "./CacheIndexing.js"
import { allDialogRows, searchDocs } from "./SearchIndexDb.js"
import type { RawDatabase } from "./SqliteDatabase.js"

export interface SearchIndexParts {
  /** False when the store keeps no index: every dialog is reported incomplete, and nothing is found. */
  readonly enabled: boolean
  readonly indexes: RcMap.RcMap<number, RawDatabase, unknown>
  readonly health: IndexHealth
  readonly dialogsOf: (accountId: AccountId) => Effect.Effect<ReadonlyArray<DialogId>, MessageStoreError>
}

export const makeSearchIndex = ({ dialogsOf, enabled, health, indexes }: SearchIndexParts): SearchIndexService => {
  const withIndex = <A>(accountId: number, operation: string, use: (idx: RawDatabase) => A) =>
    Effect.scoped(
      Effect.flatMap(
        RcMap.get(indexes, accountId),
        // Whatever the account's dialogs have queued is written first: a search sees every commit made.
        (idx) => Effect.try(() => (flushAccount(health, accountId), use(idx)))
      )
    ).pipe(Effect.mapError((cause) => new SearchIndexError({ operation, cause })))

  return SearchIndex.of({
    search: (accountId, query) =>
      enabled ? withIndex(accountId, "search", (idx) => searchDocs(idx, query)) : Effect.succeed({ total: 0, hits: [] }),

    states: (accountId) =>
      Effect.gen(function*() {
        const onDisk = yield* Effect.mapError(dialogsOf(accountId), (cause) => new SearchIndexError({ operation: "list dialogs", cause }))
        if (!enabled) return onDisk.map((dialogId): DialogIndexState => ({ dialogId, complete: false }))
        const rows = yield* withIndex(accountId, "read states", allDialogRows)
        const backfilled = new Set(rows.filter((r) => r.backfilled).map((r) => r.dialogId))
        return onDisk.map((dialogId): DialogIndexState => {
          const key = healthKey(accountId, dialogId)
          return {
            dialogId: DialogId(dialogId),
            complete: backfilled.has(dialogId) && health.checked.has(key) && !health.dirty.has(key)
          }
        })
      })
  })
}
