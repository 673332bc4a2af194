/**
 * Dialog search and the folder list, over the account cache: the filters
 * that need nothing more from Telegram first, then counts only for the
 * survivors a count filter or sort needs (a few at a time), then count
 * filters, order and the page. Every returned dialog carries its real
 * message count, fetched for the page if it is not known yet.
 */
import { Effect, Option } from "effect"
import {
  countsNeeded,
  defaultDialogSearchParams,
  type DialogSearchParams,
  pageOf,
  rankDialogs,
  selectCandidates
} from "../domain/DialogFilters.js"
import { ALL_CHATS_ID, ALL_CHATS_TITLE, type FolderNotFound, isAllChats } from "../domain/FolderMembership.js"
import {
  type AccessScope,
  everything,
  foldersInScope,
  scopeAdmits,
  scopeNamesFolders,
  scopeShowsAllChats
} from "../domain/AccessScope.js"
import type { SessionName } from "../domain/SessionName.js"
import type { PeerNotFound, TelegramError } from "../ports/TelegramGateway.js"
import { dialogView, type DialogSearchView, type FolderView } from "../contract/Dialogs.js"
import { AccountCache, COUNT_CONCURRENCY } from "./AccountCache.js"
import type { DialogId } from "../domain/Ids.js"

const makeDialogSearch = Effect.gen(function*() {
  const cache = yield* AccountCache

  /**
   * Counts for these dialogs, a few lookups at a time. A dialog the account
   * can no longer read (left channel, deleted chat) has no count rather
   * than failing the whole search.
   */
  const countsOf = (
    ids: ReadonlyArray<DialogId>,
    lookup: (dialogId: DialogId) => Effect.Effect<number | null, TelegramError | PeerNotFound>
  ): Effect.Effect<ReadonlyMap<DialogId, number | null>, TelegramError> =>
    Effect.forEach(
      ids,
      (id) =>
        lookup(id).pipe(
          Effect.catchTag("PeerNotFound", () => Effect.succeed(null)),
          Effect.map((count) => [id, count] as const)
        ),
      { concurrency: COUNT_CONCURRENCY }
    ).pipe(Effect.map((entries) => new Map(entries)))

  const search = (
    session: SessionName,
    params: DialogSearchParams,
    scope: AccessScope
  ): Effect.Effect<DialogSearchView, TelegramError | FolderNotFound> =>
    Effect.gen(function*() {
      const dialogs = yield* cache.dialogs(session)
      const needsFolders = (params.folder !== null && !isAllChats(params.folder)) || scopeNamesFolders(scope)
      const folders = needsFolders ? yield* cache.folders(session) : []
      const candidates = yield* selectCandidates(dialogs, folders, params, scopeAdmits(scope, folders))
      const needed = countsNeeded(candidates, params)
      const messages = yield* countsOf(needed.messages, (id) => cache.messageCount(session, id))
      const participants = yield* countsOf(needed.participants, (id) => cache.participantsCount(session, id))
      const page = pageOf(rankDialogs(candidates, { messages, participants }, params), params)
      const pageCounts = yield* countsOf(
        page.results.map((r) => r.dialog.id).filter((id) => !messages.has(id)),
        (id) => cache.messageCount(session, id)
      )
      const results = yield* Effect.forEach(page.results, (r) =>
        Effect.map(
          r.participantsCount === null ? cache.knownParticipantsCount(session, r.dialog.id) : Effect.succeed(Option.none()),
          (known) =>
            dialogView(
              r,
              messages.get(r.dialog.id) ?? pageCounts.get(r.dialog.id) ?? null,
              r.participantsCount ?? Option.getOrNull(known)
            )
        ))
      return { total: page.total, offset: page.offset, limit: page.limit, results }
    })

  /**
   * All Chats first, then the account's folders (chat-list folders too) in
   * Telegram's order. A limited scope shows only the folders it names.
   */
  const folders = (session: SessionName, scope: AccessScope): Effect.Effect<ReadonlyArray<FolderView>, TelegramError> =>
    Effect.map(cache.folders(session), (rules) => [
      ...(scopeShowsAllChats(scope) ? [{ id: ALL_CHATS_ID, title: ALL_CHATS_TITLE, is_default: true }] : []),
      ...foldersInScope(scope, rules).map((f) => ({ id: f.id, title: f.title, is_default: false }))
    ])

  /**
   * The folder list, each folder with its dialogs: what a dialog search with
   * only `folder=<id>` finds (same scope, default order), every page of it.
   */
  const foldersWithDialogs = (
    session: SessionName,
    scope: AccessScope
  ): Effect.Effect<ReadonlyArray<FolderView>, TelegramError> =>
    Effect.flatMap(folders(session, scope), (list) =>
      Effect.forEach(list, (folder) =>
        search(session, { ...defaultDialogSearchParams, folder: String(folder.id), limit: Number.MAX_SAFE_INTEGER }, scope)
          .pipe(
            // The folder was just listed; should it vanish meanwhile, it has no dialogs.
            Effect.map((page) => page.results),
            Effect.catchTag("FolderNotFound", () => Effect.succeed([])),
            Effect.map((dialogs) => ({ ...folder, dialogs }))
          )))

  // Each entry point a span of its own (Effect's tracer: a no-op unless the program installs one).
  return {
    /** `scope` (default: everything) hides what it does not admit, from the results and the total. */
    search: (session: SessionName, params: DialogSearchParams, scope: AccessScope = everything) =>
      Effect.withSpan(search(session, params, scope), "DialogSearch.search"),
    folders: (session: SessionName, scope: AccessScope = everything) =>
      Effect.withSpan(folders(session, scope), "DialogSearch.folders"),
    /** `folders`, each folder with its dialogs (`search` with only `folder` set, unpaged). */
    foldersWithDialogs: (session: SessionName, scope: AccessScope = everything) =>
      Effect.withSpan(foldersWithDialogs(session, scope), "DialogSearch.foldersWithDialogs")
  } as const
})

/** Dialog search and the folder list for a session; needs AccountCache. */
export class DialogSearch extends Effect.Service<DialogSearch>()("app/DialogSearch", { effect: makeDialogSearch }) {}

/** The use case's layer (the name earlier releases exported). */
export const DialogSearchLive = DialogSearch.Default
