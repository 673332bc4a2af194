/**
 * Message search routes: parameter rules of the contract (checked first: a
 * wrong request is a 400 even without Telegram credentials), then, by
 * `source`, the MessageSearch use case (Telegram's search, the default) or
 * CacheSearch (the local cache; `auto` adds Telegram for its gaps), under
 * the request's scope (a dialog outside it is a 404; its hits and coverage
 * are left out of a global search).
 */
import { HttpApiBuilder } from "@effect/platform"
import { Effect } from "effect"
import type { AccessScope } from "../../domain/AccessScope.js"
import { CacheSearch } from "../../app/CacheSearch.js"
import type { LocalSearchRequest } from "../../ports/LocalSearch.js"
import { MessageSearch, type MessageSearchQuery } from "../../app/MessageSearch.js"
import { HTTP_WAY_IN, SEARCH_RANGE_DETAIL } from "../../contract/FailureDetails.js"
import { localSearchFailure, localSearchView } from "../../contract/LocalSearch.js"
import type { SessionName } from "../../domain/SessionName.js"
import { TgscApi } from "../Api.js"
import { CurrentSession } from "../CurrentSession.js"
import type { MessageSearchUrlParams } from "./Api.js"
import { BadRequest } from "../ApiErrors.js"
import { localSearchRequestOf, rejectCacheOnly } from "./LocalParams.js"
import { requireTelegram } from "../RequireTelegram.js"
import { failureToHttp, mapTelegramErrors } from "../TelegramHttpErrors.js"
import { DialogId } from "../../domain/Ids.js"

/** `q` and `query` are the same parameter; `start_date` is the upper bound, `end_date` the lower (contract). */
export const searchQueryOf = (p: MessageSearchUrlParams, fromUserId: number | null): Effect.Effect<MessageSearchQuery, BadRequest> => {
  const q = p.q?.trim() ?? ""
  const query = p.query?.trim() ?? ""
  const text = q || query
  if (text === "") return Effect.fail(new BadRequest({ detail: "Invalid parameter 'q': is required (the word or phrase to find; 'query' is accepted too)" }))
  if (q !== "" && query !== "" && q !== query) {
    return Effect.fail(new BadRequest({ detail: "Give either 'q' or 'query', not two different queries" }))
  }
  const before = p.start_date ?? null
  const after = p.end_date ?? null
  if (before !== null && after !== null && after >= before) {
    return Effect.fail(
      new BadRequest({ detail: SEARCH_RANGE_DETAIL })
    )
  }
  return Effect.succeed({ query: text, before, after, fromUserId, limit: p.limit })
}

export const MessagesHandlersLive = HttpApiBuilder.group(TgscApi, "messages", (handlers) =>
  Effect.gen(function*() {
    const search = yield* MessageSearch
    const cache = yield* CacheSearch
    /** A cache search's answer on the wire; storage failures are our own (a 500). */
    const searchCache = (session: SessionName, scope: AccessScope, query: string, request: LocalSearchRequest) =>
      cache.search(session, scope, request).pipe(
        Effect.catchAll((error) => {
          const failure = localSearchFailure(error, HTTP_WAY_IN)
          return failure === null ? Effect.die(error) : Effect.fail(failureToHttp(failure))
        }),
        Effect.map((answer) => localSearchView(query, request, answer))
      )
    return handlers
      .handle("searchDialogMessages", ({ path, urlParams }) =>
        Effect.gen(function*() {
          const fromUser = urlParams.from_user ?? null
          const source = urlParams.source
          if (urlParams.topic_id !== undefined && source !== "telegram") {
            return yield* new BadRequest({ detail: "Invalid parameter 'topic_id': searches Telegram only (source=telegram)" })
          }
          const q = yield* searchQueryOf(urlParams, fromUser)
          if (source === "telegram") yield* rejectCacheOnly(urlParams)
          const local = source === "telegram"
            ? null
            : yield* localSearchRequestOf(urlParams, source, q, [DialogId(path.dialog_id)], fromUser)
          yield* requireTelegram
          const { name, scope } = yield* CurrentSession
          if (local !== null) return yield* searchCache(name, scope, q.query, local)
          const topicId = urlParams.topic_id ?? null
          return yield* mapTelegramErrors(search.inDialog(name, DialogId(path.dialog_id), { ...q, topicId }, scope))
        }))
      .handle("searchAllMessages", ({ urlParams }) =>
        Effect.gen(function*() {
          const source = urlParams.source
          const q = yield* searchQueryOf(urlParams, null)
          if (source === "telegram") yield* rejectCacheOnly(urlParams)
          const local = source === "telegram"
            ? null
            : yield* localSearchRequestOf(urlParams, source, q, urlParams.dialog_id?.map(DialogId) ?? null, null)
          yield* requireTelegram
          const { name, scope } = yield* CurrentSession
          if (local !== null) return yield* searchCache(name, scope, q.query, local)
          return yield* mapTelegramErrors(search.everywhere(name, q, scope))
        }))
  })
)
