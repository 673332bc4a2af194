/**
 * The use cases seen through an access scope (domain/AccessScope.ts):
 * what the scope does not admit behaves as if it did not exist. A dialog
 * outside it is PeerNotFound, exactly as a dialog the account cannot see; a
 * media file of such a dialog is MediaNotFound, as an unknown uuid. Folder
 * membership is decided on each call, from the account's folder list and
 * dialog list as the account cache holds them (refreshed every
 * dialogCacheTtlSeconds), so a chat added to a folder comes into a scope
 * naming that folder without a restart.
 *
 * Dialog search and message search take the scope themselves (it must act
 * before their paging); the history, files and cache status are checked
 * here before the use case runs.
 */
import { Effect, Option, type Stream } from "effect"
import { type AccessScope, scopeAdmitsId, scopeNamesFolders } from "../domain/AccessScope.js"
import type { DialogRecord } from "../domain/Dialog.js"
import { SERVICE_CHAT_ID } from "../domain/DialogFilters.js"
import type { SessionName } from "../domain/SessionName.js"
import { type CacheSummary, MessageStore, type MessageStoreError } from "../ports/MessageStore.js"
import { PeerNotFound, TelegramGateway, type TelegramError } from "../ports/TelegramGateway.js"
import type { IntervalSet } from "../domain/Intervals.js"
import { AccountCache } from "./AccountCache.js"
import { dialogAdmitter } from "./ScopeFilter.js"
import { type HistoryError, type HistoryEvent, type HistoryRequest, HistorySync } from "./HistorySync.js"
import { type MediaFileInfo, MediaLookup, type MediaLookupError, MediaNotFound } from "./MediaLookup.js"
import { DialogId } from "../domain/Ids.js"

/** What the cache holds for a dialog: its covered intervals and the messages in them. */
export interface CacheStatusRecord {
  readonly dialogId: DialogId
  readonly covered: IntervalSet
  readonly summary: CacheSummary
}

export const makeScopedAccess = Effect.gen(function*() {
  const cache = yield* AccountCache
  const history = yield* HistorySync
  const media = yield* MediaLookup
  const store = yield* MessageStore
  const gateway = yield* TelegramGateway

  /**
   * The dialog as the account lists it (none for one it no longer lists:
   * a channel left, whose cache may remain), or PeerNotFound when the scope
   * does not admit it.
   */
  const dialog = (
    session: SessionName,
    scope: AccessScope,
    dialogId: DialogId
  ): Effect.Effect<Option.Option<DialogRecord>, PeerNotFound | TelegramError> =>
    Effect.gen(function*() {
      if (dialogId === SERVICE_CHAT_ID) return yield* new PeerNotFound({ dialogId })
      const dialogs = yield* cache.dialogs(session)
      const record = dialogs.find((d) => d.id === dialogId)
      if (scope._tag !== "Everything") {
        const folders = scopeNamesFolders(scope) ? yield* cache.folders(session) : []
        if (!scopeAdmitsId(scope, folders, dialogId, record)) return yield* new PeerNotFound({ dialogId })
      }
      return Option.fromNullable(record)
    })

  /** HistorySync's stream once the scope admits the dialog, with the dialog as the account lists it. */
  const historyOf = (
    request: HistoryRequest,
    scope: AccessScope
  ): Effect.Effect<{ readonly dialog: Option.Option<DialogRecord>; readonly events: Stream.Stream<HistoryEvent, HistoryError> }, PeerNotFound | TelegramError> =>
    Effect.map(dialog(request.session, scope, DialogId(request.dialogId)), (record) => ({ dialog: record, events: history.stream(request) }))

  /** A media file, unless it belongs to a dialog outside the scope (then: MediaNotFound, as an unknown uuid). */
  const file = (session: SessionName, scope: AccessScope, uuid: string): Effect.Effect<MediaFileInfo, MediaLookupError> =>
    Effect.gen(function*() {
      const found = yield* media.find(session, uuid)
      if (scope._tag === "Everything") return found
      const admits = yield* dialogAdmitter(cache, session, scope)
      if (!admits(found.dialogId)) return yield* new MediaNotFound({ uuid })
      return found
    })

  /** What the dialog's cache holds; nothing for a dialog never fetched (no cache is created for asking). */
  const cacheStatus = (
    session: SessionName,
    scope: AccessScope,
    dialogId: DialogId
  ): Effect.Effect<CacheStatusRecord, PeerNotFound | TelegramError | MessageStoreError> =>
    Effect.gen(function*() {
      yield* dialog(session, scope, dialogId)
      const account = yield* gateway.account(session)
      const key = { accountId: account.userId, dialogId: DialogId(dialogId) }
      if (!(yield* store.exists(key))) {
        return { dialogId, covered: [], summary: { messages: 0, oldestDate: null, newestDate: null } }
      }
      const [covered, summary] = yield* Effect.all([store.covered(key), store.summary(key)])
      return { dialogId, covered, summary }
    })

  return {
    dialog: (session: SessionName, scope: AccessScope, dialogId: DialogId) =>
      Effect.withSpan(dialog(session, scope, dialogId), "ScopedAccess.dialog"),
    history: (request: HistoryRequest, scope: AccessScope) => Effect.withSpan(historyOf(request, scope), "ScopedAccess.history"),
    file: (session: SessionName, scope: AccessScope, uuid: string) => Effect.withSpan(file(session, scope, uuid), "ScopedAccess.file"),
    cacheStatus: (session: SessionName, scope: AccessScope, dialogId: DialogId) =>
      Effect.withSpan(cacheStatus(session, scope, dialogId), "ScopedAccess.cacheStatus")
  } as const
})

export class ScopedAccess extends Effect.Service<ScopedAccess>()("app/ScopedAccess", { effect: makeScopedAccess }) {}

/** Over the use cases and ports TgscLive provides. */
export const ScopedAccessLive = ScopedAccess.Default
