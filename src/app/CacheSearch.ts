/**
 * Message search over the account's own cache (`source=cache`), or the cache
 * first and Telegram for the rest (`source=auto`), honest about what it did
 * not search: every answer says, for each dialog searched, which parts of
 * the requested time range the cache holds and which it does not (`gaps`),
 * and whether the index holds every cached message yet.
 *
 * The query language and its matching are the domain's (domain/TextSearch.ts);
 * the index is the SearchIndex port, kept with the caches by the store.
 *
 * Which dialogs are searched: the ones named (each must be one the account
 * can see and the scope admits, or PeerNotFound), the members of a folder,
 * both (the named ones in the folder), or, with neither, every dialog with a
 * cache that the scope admits. Telegram's service chat never is.
 *
 * `auto` asks Telegram's own search only for the gaps: per named dialog, one
 * search per gap (bounded to it); with no dialog named, one global search over
 * the range whose hits inside a cached interval are dropped (the index
 * answered for those). Telegram's hits pass the same query and filters
 * locally, are merged with the index's and de-duplicated.
 *
 * `ensure` first fills the gaps of each searched dialog through HistorySync,
 * as a history request over the range would (rate limits and all), so the
 * answer is complete for the range; at most ENSURE_MAX_DIALOGS dialogs.
 */
import { Clock, Effect, Either, Stream } from "effect"
import type { AccessScope } from "../domain/AccessScope.js"
import type { DialogRecord } from "../domain/Dialog.js"
import { SERVICE_CHAT_ID } from "../domain/DialogFilters.js"
import { type FolderNotFound, resolveFolder, selectionContains } from "../domain/FolderMembership.js"
import { AccountId, DialogId, MessageId } from "../domain/Ids.js"
import * as Intervals from "../domain/Intervals.js"
import type { Interval } from "../domain/Intervals.js"
import type { SessionName } from "../domain/SessionName.js"
import { type InvalidSearchQuery, messageFacets, matchesQuery, parseSearchQuery, snippetOf, type SearchQuery, telegramQueryOf, toFts5 } from "../domain/TextSearch.js"
import { MessageStore, type MessageStoreError, type StoredMessage } from "../ports/MessageStore.js"
import { SearchIndex, type SearchIndexError } from "../ports/SearchIndex.js"
import {
  type GlobalSearchCursor,
  type GlobalSearchPage,
  PeerNotFound,
  TelegramGateway,
  type TelegramError,
  type UserNotFound
} from "../ports/TelegramGateway.js"
import {
  type DialogCoverage,
  ENSURE_MAX_DIALOGS,
  EnsureTooBroad,
  type LocalSearchAnswer,
  type LocalSearchHit,
  type LocalSearchRequest
} from "../ports/LocalSearch.js"
import { AccountCache } from "./AccountCache.js"
import type { HistoryError } from "./HistoryRequest.js"
import { HistorySync } from "./HistorySync.js"
import { dialogAdmitter } from "./ScopeFilter.js"
import type { MessageRecord } from "../domain/Message.js"

/** Telegram requests one `auto` search may make for the gaps. */
export const AUTO_MAX_TELEGRAM_REQUESTS = 20
/** Telegram's per-request maximum. */
const TELEGRAM_PAGE = 100

export type LocalSearchError =
  | InvalidSearchQuery
  | EnsureTooBroad
  | FolderNotFound
  | PeerNotFound
  | UserNotFound
  | TelegramError
  | HistoryError
  | MessageStoreError
  | SearchIndexError

interface SearchedDialog {
  readonly id: DialogId
  readonly title: string | null
  /** It has a cache on disk (when the search started). */
  readonly cached: boolean
}
type SearchedDialogs = { readonly dialogs: ReadonlyArray<SearchedDialog>; readonly admits: (dialogId: DialogId) => boolean }

const byDateDesc = (a: LocalSearchHit, b: LocalSearchHit) =>
  b.stored.message.date - a.stored.message.date || b.stored.message.id - a.stored.message.id

const hitKey = (dialogId: number, messageId: number) => `${dialogId}:${messageId}`

/** Whether a message passes the filters the index applies (for Telegram's hits, which pass them here). */
const passesFilters = (r: LocalSearchRequest, range: Interval, m: MessageRecord): boolean => {
  if (m.date < range.start || m.date >= range.end) return false
  if (r.senderId !== null && m.senderId !== r.senderId) return false
  const { link, media } = messageFacets(m.text, m.media?.type ?? null)
  if (r.hasMedia !== null && media !== r.hasMedia) return false
  if (r.mediaType !== null && m.media?.file?.category !== r.mediaType) return false
  if (r.hasLink !== null && link !== r.hasLink) return false
  return true
}

const makeCacheSearch = Effect.gen(function*() {
  const accounts = yield* AccountCache
  const gateway = yield* TelegramGateway
  const store = yield* MessageStore
  const index = yield* SearchIndex
  const history = yield* HistorySync

  /** The dialogs searched, with their titles when the account lists them; and which dialog ids the scope admits. */
  const dialogsSearched = (
    session: SessionName,
    scope: AccessScope,
    accountId: AccountId,
    r: LocalSearchRequest
  ): Effect.Effect<SearchedDialogs, LocalSearchError> =>
    Effect.gen(function*() {
      const cached = new Set<DialogId>(yield* store.dialogs(accountId))
      // The dialog list gives titles and folders; a plain search of the whole cache can do without it (offline).
      const needsList = scope._tag !== "Everything" || r.folder !== null
      const listed = needsList ? Either.right(yield* accounts.dialogs(session)) : yield* Effect.either(accounts.dialogs(session))
      const dialogs: ReadonlyArray<DialogRecord> = Either.getOrElse(listed, () => [])
      const byId = new Map(dialogs.map((d) => [d.id, d]))
      const admits = yield* dialogAdmitter(accounts, session, scope)
      let ids: Array<DialogId>
      if (r.dialogIds !== null) {
        ids = []
        for (const id of r.dialogIds) {
          const visible = id !== SERVICE_CHAT_ID && admits(id) && (byId.has(id) || cached.has(id))
          if (!visible) return yield* new PeerNotFound({ dialogId: id })
          if (!ids.includes(id)) ids.push(id)
        }
      } else if (r.folder === null) {
        ids = [...cached].filter((id) => id !== SERVICE_CHAT_ID && admits(id))
      } else {
        ids = dialogs.map((d) => d.id).filter((id) => id !== SERVICE_CHAT_ID && admits(id))
      }
      if (r.folder !== null) {
        const folders = yield* accounts.folders(session)
        const selection = resolveFolder(r.folder, folders)
        if (Either.isLeft(selection)) return yield* selection.left
        ids = ids.filter((id) => {
          const d = byId.get(id)
          return d !== undefined && selectionContains(selection.right, d)
        })
      }
      return {
        dialogs: ids.map((id) => ({ id: DialogId(id), title: byId.get(id)?.title ?? null, cached: cached.has(id) })),
        admits
      }
    })

  const coverageOf = (accountId: AccountId, dialogs: ReadonlyArray<SearchedDialog>, range: Interval, refresh: boolean) =>
    Effect.gen(function*() {
      const states = new Map((yield* index.states(accountId)).map((s) => [s.dialogId as number, s.complete]))
      return yield* Effect.forEach(dialogs, (d) =>
        Effect.gen(function*() {
          const key = { accountId, dialogId: d.id }
          // After `ensure`, a dialog may have a cache it had not before.
          const held = d.cached || (refresh && (yield* store.exists(key))) ? yield* store.covered(key) : Intervals.empty
          const covered = Intervals.intersect(held, [range])
          return {
            dialogId: d.id,
            dialogTitle: d.title,
            covered,
            gaps: Intervals.missing(range, covered),
            // A dialog with no cache has nothing to index.
            indexComplete: states.get(d.id) ?? !states.has(d.id)
          } satisfies DialogCoverage
        }))
    })

  /** Fills the range of each dialog with gaps, as a history request would. */
  const ensureRange = (session: SessionName, coverage: ReadonlyArray<DialogCoverage>, range: Interval, now: number) =>
    Effect.forEach(coverage.filter((c) => c.gaps.length > 0), (c) =>
      Stream.runDrain(history.stream({
        session,
        dialogId: c.dialogId,
        startDate: range.start === 0 ? null : range.start,
        endDate: range.end > now ? null : range.end,
        chunkSize: 1000,
        forceRefresh: false,
        reverse: false
      })), { discard: true })

  /** Telegram's hits in the gaps (`auto`), filtered as the index filters, at most `wanted`. */
  const telegramGapHits = (
    session: SessionName,
    r: LocalSearchRequest,
    q: SearchQuery,
    coverage: ReadonlyArray<DialogCoverage>,
    range: Interval,
    globalSearch: boolean,
    admits: (dialogId: DialogId) => boolean,
    wanted: number
  ): Effect.Effect<Array<LocalSearchHit>, LocalSearchError> =>
    Effect.gen(function*() {
      const found: Array<LocalSearchHit> = []
      let requests = 0
      const take = (dialogId: DialogId, title: string | null, m: MessageRecord) => {
        if (!matchesQuery(q, m.text) || !passesFilters(r, range, m)) return
        found.push({ dialogId, dialogTitle: title, stored: { message: m, media: null }, snippet: snippetOf(q, m.text), origin: "telegram" })
      }
      const text = telegramQueryOf(q)
      if (globalSearch) {
        const coveredOf = new Map(coverage.map((c) => [c.dialogId as number, c.covered]))
        let cursor: GlobalSearchCursor | null = null
        while (found.length < wanted && requests < AUTO_MAX_TELEGRAM_REQUESTS) {
          requests++
          const page: GlobalSearchPage = yield* gateway.searchGlobal(session, {
            query: text,
            minDate: range.start === 0 ? null : range.start - 1,
            maxDate: range.end,
            limit: TELEGRAM_PAGE,
            cursor
          })
          for (const hit of page.results) {
            if (hit.dialogId === SERVICE_CHAT_ID || !admits(hit.dialogId)) continue
            if (Intervals.contains(coveredOf.get(hit.dialogId) ?? [], hit.message.date)) continue
            take(hit.dialogId, hit.dialogTitle, hit.message)
          }
          if (page.next === null) break
          cursor = page.next
        }
        return found
      }
      for (const c of coverage) {
        for (const gap of c.gaps) {
          let offsetId = 0
          while (found.length < wanted && requests < AUTO_MAX_TELEGRAM_REQUESTS) {
            requests++
            const page = yield* gateway.search(session, c.dialogId, {
              query: text,
              minDate: gap.start === 0 ? null : gap.start - 1,
              maxDate: gap.end,
              fromUserId: r.senderId,
              limit: TELEGRAM_PAGE,
              offsetId
            })
            for (const m of page.messages) take(c.dialogId, c.dialogTitle, m)
            const older = offsetId === 0 ? page.ids : page.ids.filter((id) => id < offsetId)
            if (older.length === 0) break
            offsetId = Math.min(...older)
          }
        }
      }
      return found
    })

  const search = (
    session: SessionName,
    scope: AccessScope,
    r: LocalSearchRequest
  ): Effect.Effect<LocalSearchAnswer, LocalSearchError> =>
    Effect.gen(function*() {
      const parsed = parseSearchQuery(r.query)
      if (Either.isLeft(parsed)) return yield* parsed.left
      const q = parsed.right
      const now = Math.floor((yield* Clock.currentTimeMillis) / 1000)
      const range = Intervals.interval(r.after ?? 0, r.before ?? now + 1)
      const account = yield* gateway.account(session)
      const accountId = AccountId(account.userId)
      const { admits, dialogs } = yield* dialogsSearched(session, scope, accountId, r)
      let coverage = yield* coverageOf(accountId, dialogs, range, false)
      if (r.ensure) {
        if (dialogs.length > ENSURE_MAX_DIALOGS) return yield* new EnsureTooBroad({ dialogs: dialogs.length })
        yield* ensureRange(session, coverage, range, now)
        coverage = yield* coverageOf(accountId, dialogs, range, true)
      }
      const titles = new Map(dialogs.map((d) => [d.id as number, d.title]))
      const wanted = r.offset + r.limit
      // With no filter on dialogs and everything admitted, the whole index is searched (no dialog list needed).
      const everyDialog = r.dialogIds === null && r.folder === null && scope._tag === "Everything"
      const answer = dialogs.length === 0 && !everyDialog ? { total: 0, hits: [] } : yield* index.search(accountId, {
        match: toFts5(q),
        dialogIds: everyDialog ? null : dialogs.map((d) => d.id),
        // The requested bounds only: the default range is everything up to now, which needs no filter.
        from: r.after,
        until: r.before,
        senderId: r.senderId,
        hasMedia: r.hasMedia,
        mediaCategory: r.mediaType,
        hasLink: r.hasLink,
        sort: r.sort,
        limit: r.source === "auto" ? wanted : r.limit,
        offset: r.source === "auto" ? 0 : r.offset
      })
      // The index names messages; the caches hold them.
      const byDialog = new Map<number, Array<MessageId>>()
      for (const h of answer.hits) byDialog.set(h.dialogId, [...(byDialog.get(h.dialogId) ?? []), h.messageId])
      const stored = new Map<string, StoredMessage>()
      yield* Effect.forEach(byDialog, ([dialogId, ids]) =>
        Effect.map(store.messagesById({ accountId, dialogId: DialogId(dialogId) }, ids), (found) => {
          for (const s of found) stored.set(hitKey(dialogId, s.message.id), s)
        }), { discard: true })
      const fromCache: Array<LocalSearchHit> = []
      for (const h of answer.hits) {
        const s = stored.get(hitKey(h.dialogId, h.messageId))
        if (s === undefined) continue
        fromCache.push({
          dialogId: h.dialogId,
          dialogTitle: titles.get(h.dialogId) ?? null,
          stored: s,
          snippet: snippetOf(q, s.message.text),
          origin: "cache"
        })
      }
      const indexComplete = coverage.every((c) => c.indexComplete)
      if (r.source === "cache") {
        return { query: q, total: answer.total, hits: fromCache, coverage, indexComplete, range }
      }
      const seen = new Set(fromCache.map((h) => hitKey(h.dialogId, h.stored.message.id)))
      const gapHits = (yield* telegramGapHits(session, r, q, coverage, range, r.dialogIds === null && r.folder === null, admits, wanted))
        .filter((h) => {
          const key = hitKey(h.dialogId, h.stored.message.id)
          if (seen.has(key)) return false
          seen.add(key)
          return true
        })
      // Relevance ranks the index's hits (BM25); Telegram's follow, newest first. By date, all interleave.
      const merged = r.sort === "date" ? [...fromCache, ...gapHits].sort(byDateDesc) : [...fromCache, ...gapHits.sort(byDateDesc)]
      return {
        query: q,
        total: answer.total + gapHits.length,
        hits: merged.slice(r.offset, r.offset + r.limit),
        coverage,
        indexComplete,
        range
      }
    })

  return {
    search: (session: SessionName, scope: AccessScope, request: LocalSearchRequest) =>
      Effect.withSpan(search(session, scope, request), "CacheSearch.search")
  } as const
})

/** Search over the cache (and Telegram for what it lacks); needs AccountCache, HistorySync and the ports. */
export class CacheSearch extends Effect.Service<CacheSearch>()("app/CacheSearch", { effect: makeCacheSearch }) {}

/** The use case's layer. */
export const CacheSearchLive = CacheSearch.Default
