/**
 * Message search on Telegram's own index (no cache needed): one dialog via
 * messages.search, every dialog via messages.searchGlobal, paging Telegram
 * (at most 100 a request) until the requested limit is reached or a page
 * shows there is nothing more; a short page is not the end (Telegram's
 * pages come back short mid-way: hidden or empty entries).
 *
 * Telegram's service chat (777000, login codes) is never exposed: searching
 * it is a 404 like any dialog the API does not show, and a global search
 * drops its hits, from the results and from the total.
 */
import { Effect } from "effect"
import { SERVICE_CHAT_ID } from "../domain/DialogFilters.js"
import { type AccessScope, everything } from "../domain/AccessScope.js"
import type { SessionName } from "../domain/SessionName.js"
import {
  type GlobalSearchCursor,
  type GlobalSearchPage,
  type NoThreads,
  PeerNotFound,
  TelegramGateway,
  type TelegramError,
  type ThreadNotFound,
  type UserNotFound
} from "../ports/TelegramGateway.js"
import { AccountCache } from "./AccountCache.js"
import { dialogAdmitter } from "./ScopeFilter.js"
import { messageSearchResultView, type MessageSearchResponse, type MessageSearchResult } from "../contract/Messages.js"
import type { DialogId } from "../domain/Ids.js"

/**
 * Telegram's per-request maximum, asked for every time (not just what the
 * limit still lacks): entries hidden from the account take places in a
 * page, so a small window could come back empty long before the end.
 */
const SEARCH_PAGE = 100

const sameCursor = (a: GlobalSearchCursor, b: GlobalSearchCursor | null) =>
  b !== null && a.offsetRate === b.offsetRate && a.offsetPeer === b.offsetPeer && a.offsetId === b.offsetId

/** Results when the caller asks for no particular number (the contract's `limit` default). */
export const MESSAGE_SEARCH_DEFAULT_LIMIT = 50

export interface MessageSearchQuery {
  readonly query: string
  /** Only messages sent before this instant (the contract's `start_date`). */
  readonly before: number | null
  /** Only messages sent after this instant (the contract's `end_date`). */
  readonly after: number | null
  readonly fromUserId: number | null
  readonly limit: number
  /** Only this forum topic's messages (one dialog's search only); null or absent for all. */
  readonly topicId?: number | null
}

const makeMessageSearch = Effect.gen(function*() {
  const gateway = yield* TelegramGateway
  const cache = yield* AccountCache

  const inDialog = (
    session: SessionName,
    dialogId: DialogId,
    q: MessageSearchQuery,
    scope: AccessScope
  ): Effect.Effect<MessageSearchResponse, TelegramError | PeerNotFound | UserNotFound | NoThreads | ThreadNotFound> =>
    Effect.gen(function*() {
      if (dialogId === SERVICE_CHAT_ID) return yield* new PeerNotFound({ dialogId })
      const dialogs = yield* cache.dialogs(session)
      if (!(yield* dialogAdmitter(cache, session, scope))(dialogId)) return yield* new PeerNotFound({ dialogId })
      const topicId = q.topicId ?? null
      // Telegram would search a topic that is not there, or a dialog that is no forum, and find nothing: said instead.
      if (topicId !== null) yield* gateway.thread(session, dialogId, { _tag: "Topic", topicId })
      const title = dialogs.find((d) => d.id === dialogId)?.title ?? null
      const results: Array<MessageSearchResult> = []
      let total = 0
      let offsetId = 0
      while (results.length < q.limit) {
        const page = yield* gateway.search(session, dialogId, {
          query: q.query,
          minDate: q.after,
          maxDate: q.before,
          fromUserId: q.fromUserId,
          limit: SEARCH_PAGE,
          offsetId,
          topicId
        })
        total = page.count
        for (const m of page.messages) results.push(messageSearchResultView(m, dialogId, title))
        // Telegram pages newest first, and a page can come back short long before the end (hidden or empty
        // entries): only a page with no entry older than the offset is the end, or Telegram's total reached.
        const older = offsetId === 0 ? page.ids : page.ids.filter((id) => id < offsetId)
        if (older.length === 0 || results.length >= page.count) break
        offsetId = Math.min(...older)
      }
      return { query: q.query, total: Math.max(total, results.length), limit: q.limit, results: results.slice(0, q.limit) }
    })

  const everywhere = (
    session: SessionName,
    q: MessageSearchQuery,
    scope: AccessScope
  ): Effect.Effect<MessageSearchResponse, TelegramError> =>
    Effect.gen(function*() {
      const admits = yield* dialogAdmitter(cache, session, scope)
      const results: Array<MessageSearchResult> = []
      let total = 0
      // Hits in the service chat seen so far: Telegram counted them in `total`.
      let hidden = 0
      let cursor: GlobalSearchCursor | null = null
      while (results.length < q.limit) {
        const page: GlobalSearchPage = yield* gateway.searchGlobal(session, {
          query: q.query,
          minDate: q.after,
          maxDate: q.before,
          limit: SEARCH_PAGE,
          cursor
        })
        total = page.count
        for (const r of page.results) {
          if (r.dialogId === SERVICE_CHAT_ID || !admits(r.dialogId)) {
            hidden++
            continue
          }
          results.push(messageSearchResultView(r.message, r.dialogId, r.dialogTitle))
        }
        // A page with no hit left is not the end while Telegram names where the next one starts.
        if (page.next === null || sameCursor(page.next, cursor)) break
        cursor = page.next
      }
      // Exact once every page was read; otherwise Telegram's count less the hidden hits met on the way. Under a
      // limited scope Telegram's count includes what the scope hides: only what was found is told.
      const shown = scope._tag === "Everything" ? Math.max(total - hidden, results.length) : results.length
      return { query: q.query, total: shown, limit: q.limit, results: results.slice(0, q.limit) }
    })

  // Each entry point a span of its own (Effect's tracer: a no-op unless the program installs one).
  // A scope (default: everything) hides what it does not admit: a dialog outside it is PeerNotFound, and its
  // hits are left out of a global search, from the results and the total.
  return {
    inDialog: (session: SessionName, dialogId: DialogId, q: MessageSearchQuery, scope: AccessScope = everything) =>
      Effect.withSpan(inDialog(session, dialogId, q, scope), "MessageSearch.inDialog"),
    everywhere: (session: SessionName, q: MessageSearchQuery, scope: AccessScope = everything) =>
      Effect.withSpan(everywhere(session, q, scope), "MessageSearch.everywhere")
  } as const
})

/** Message search with Telegram's own index; needs AccountCache. */
export class MessageSearch extends Effect.Service<MessageSearch>()("app/MessageSearch", { effect: makeMessageSearch }) {}

/** The use case's layer (the name earlier releases exported). */
export const MessageSearchLive = MessageSearch.Default
