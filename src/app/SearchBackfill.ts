/**
 * The search index catching up with the caches, in the background at every
 * start: each cached dialog of each account is opened once (which repairs
 * what a crash left between a cache write and its index write) and, when it
 * was cached before the index existed, indexed a batch at a time, with
 * progress in the log. Until a dialog's turn has come, searches report its
 * index incomplete (ports/SearchIndex.ts). A dialog whose cache was deleted
 * by hand leaves the index first. Failures are logged, never fatal:
 * the caches stay as they are, and the next start tries again.
 */
import { Duration, Effect } from "effect"
import type { AccountId, DialogId } from "../domain/Ids.js"
import { MessageStore } from "../ports/MessageStore.js"

/** A progress line at most this often while a large backfill runs. */
const PROGRESS_EVERY = Duration.seconds(10)

const backfillAccount = (accountId: AccountId) =>
  Effect.gen(function*() {
    const store = yield* MessageStore
    const pruned = yield* store.pruneIndex(accountId)
    if (pruned > 0) yield* Effect.logInfo(`search index of account ${accountId}: ${pruned} dialogs whose cache is gone forgotten`)
    const dialogs: ReadonlyArray<DialogId> = yield* store.dialogs(accountId)
    const started = Date.now()
    let lastReport = started
    let indexed = 0
    let checked = 0
    for (const dialogId of dialogs) {
      const key = { accountId, dialogId }
      for (;;) {
        const step = yield* store.indexStep(key)
        indexed += step.indexed
        if (Date.now() - lastReport >= Duration.toMillis(PROGRESS_EVERY)) {
          lastReport = Date.now()
          yield* Effect.logInfo(
            `search index of account ${accountId}: ${indexed} messages indexed, ${checked} of ${dialogs.length} dialogs done`
          )
        }
        if (step.done) break
        // Requests go first: a backfill step is one synchronous batch, then the event loop gets its turn.
        yield* Effect.sleep(Duration.millis(1))
      }
      checked++
    }
    if (indexed > 0) {
      const seconds = (Date.now() - started) / 1000
      yield* Effect.logInfo(
        `search index of account ${accountId}: ${dialogs.length} dialogs ready, ${indexed} messages indexed in ` +
          `${seconds.toFixed(1)} s (${Math.round(indexed / Math.max(seconds, 0.001))} messages/s)`
      )
    }
  }).pipe(
    Effect.catchAll((e) => Effect.logWarning(`search index of account ${accountId}: backfill stopped: ${e.message}`))
  )

/** Every account's caches, one account after another. */
export const backfillSearchIndex: Effect.Effect<void, never, MessageStore> = Effect.gen(function*() {
  const store = yield* MessageStore
  const accounts = yield* Effect.orElseSucceed(store.accounts(), () => [])
  for (const accountId of accounts) yield* backfillAccount(accountId)
}).pipe(Effect.withSpan("SearchBackfill"))
