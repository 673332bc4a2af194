/**
 * The cache search's parameters (`source=cache|auto`) to the CacheSearch
 * use case's request: the shared rules of message search first (q/query,
 * start_date the upper bound, end_date the lower, limit), then the filters
 * only a cache search has. Those given with `source=telegram` are a 400:
 * Telegram's search cannot honour them, and silently ignoring one would
 * answer a different question than the one asked.
 */
import { Effect } from "effect"
import type { LocalSearchRequest, LocalSource } from "../../ports/LocalSearch.js"
import { localSearchRequest, type SharedSearchParams } from "../../contract/LocalSearch.js"
import { BadRequest } from "../ApiErrors.js"
import type { MessageSearchUrlParams } from "./Api.js"
import type { DialogId } from "../../domain/Ids.js"

/** The parameters only a cache search takes, in the order a 400 names them. */
export const CACHE_ONLY_PARAMS = ["sender_id", "has_media", "media_type", "has_link", "folder", "dialog_id", "offset", "sort", "ensure"] as const

type CacheOnlyParams = { readonly [K in (typeof CACHE_ONLY_PARAMS)[number]]?: unknown }

export const cacheOnlyDetail = (names: ReadonlyArray<string>) =>
  `Parameter${names.length > 1 ? "s" : ""} ${names.map((n) => `'${n}'`).join(", ")} need${names.length > 1 ? "" : "s"} ` +
  "source=cache or source=auto (Telegram's own search, source=telegram, the default, has no such filter)"

/** A 400 when a cache-only parameter comes with Telegram's search. */
export const rejectCacheOnly = (p: CacheOnlyParams): Effect.Effect<void, BadRequest> => {
  const given = CACHE_ONLY_PARAMS.filter((name) => p[name] !== undefined)
  return given.length === 0 ? Effect.void : Effect.fail(new BadRequest({ detail: cacheOnlyDetail(given) }))
}

/**
 * The use case's request. `dialogIds`: the dialog route's one dialog, or the
 * global route's `dialog_id`s (null: none named); `fromUser`: the dialog
 * route's from_user, the same filter as sender_id.
 */
export const localSearchRequestOf = (
  p: MessageSearchUrlParams,
  source: LocalSource,
  shared: SharedSearchParams,
  dialogIds: ReadonlyArray<DialogId> | null,
  fromUser: number | null
): Effect.Effect<LocalSearchRequest, BadRequest> => {
  const senderId = p.sender_id ?? fromUser
  if (p.sender_id !== undefined && fromUser !== null && p.sender_id !== fromUser) {
    return Effect.fail(new BadRequest({ detail: "Give either 'sender_id' or 'from_user' (the same filter), not two different senders" }))
  }
  return Effect.succeed(localSearchRequest(shared, source, p, { dialogIds, folder: p.folder?.trim() || null, senderId: senderId ?? null }))
}
