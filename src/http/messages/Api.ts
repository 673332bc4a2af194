/**
 * The messages routes of the HTTP API: message search through Telegram's own
 * search (contract section 3), or over the local cache (`source=cache|auto`,
 * with its own filters). Declared here, handled in Http.ts beside it;
 * src/http/Api.ts adds the group to TgscApi.
 */
import { HttpApiEndpoint, HttpApiGroup, OpenApi } from "@effect/platform"
import { Schema } from "effect"
import { MESSAGE_SEARCH_DEFAULT_LIMIT } from "../../app/MessageSearch.js"
import { LocalSearchResponse } from "../../contract/LocalSearch.js"
import { MessageSearchResponse } from "../../contract/Messages.js"
import type { MediaCategory } from "../../domain/MediaCategory.js"
import { BadGateway, BadRequest, NotFound, RateLimited, ServiceUnavailable } from "../ApiErrors.js"
import { SessionAuth } from "../CurrentSession.js"
import { BoolParam, DateParam, DialogIdParam, documentedDefault, EnumParam, IntParam, optionalDescribed, QueryParam, UserIdParam, withDefault } from "../Params.js"

export { MESSAGE_SEARCH_DEFAULT_LIMIT } from "../../app/MessageSearch.js"

/** The furthest a cache search pages (`offset`). */
export const LOCAL_SEARCH_MAX_OFFSET = 10_000

const MEDIA_TYPES = ["photos", "videos", "voice_messages", "video_messages", "stickers", "gifs", "files"] as const satisfies ReadonlyArray<
  MediaCategory
>

const cacheOnly = (description: string) => ({ description: `${description} (source=cache or auto only)` })

/** The parameters both message searches take, their defaults included. */
export const MessageSearchUrlParams = Schema.Struct({
  q: Schema.optional(QueryParam),
  query: Schema.optional(QueryParam),
  start_date: optionalDescribed(DateParam, "upper bound: messages before this date"),
  end_date: optionalDescribed(DateParam, "lower bound: messages after this date"),
  limit: withDefault(IntParam(1, 500), MESSAGE_SEARCH_DEFAULT_LIMIT),
  source: withDefault(EnumParam("telegram", "cache", "auto"), "telegram").annotations({
    description: "telegram: Telegram's own search; cache: the local cache's index; auto: the cache, and Telegram for its gaps"
  }),
  sender_id: Schema.optional(DialogIdParam.annotations(cacheOnly("only messages from this sender (user id, or a channel's marked id)"))),
  has_media: Schema.optional(BoolParam.annotations(cacheOnly("only messages with (true) or without (false) media"))),
  media_type: Schema.optional(EnumParam(...MEDIA_TYPES).annotations(cacheOnly("only messages with media of this category"))),
  has_link: Schema.optional(BoolParam.annotations(cacheOnly("only messages with (true) or without (false) a link"))),
  folder: Schema.optional(Schema.String.annotations(cacheOnly("only dialogs of this folder: id or title, as dialog search takes it"))),
  offset: documentedDefault(IntParam(0, LOCAL_SEARCH_MAX_OFFSET), 0).annotations(cacheOnly("skip this many results (paging)")),
  sort: documentedDefault(EnumParam("relevance", "date"), "date").annotations(cacheOnly("date: newest first; relevance: best match first")),
  ensure: documentedDefault(BoolParam, false).annotations(cacheOnly("first fetch what the cache lacks of the range, then answer"))
})

export type MessageSearchUrlParams = typeof MessageSearchUrlParams.Type

export const GlobalSearchUrlParams = Schema.Struct({
  ...MessageSearchUrlParams.fields,
  dialog_id: Schema.optional(
    Schema.Array(DialogIdParam).annotations(cacheOnly("only these dialogs; repeat for several: ?dialog_id=1&dialog_id=2"))
  )
})

export type GlobalSearchUrlParams = typeof GlobalSearchUrlParams.Type

export const DialogMessageSearchUrlParams = Schema.Struct({
  ...MessageSearchUrlParams.fields,
  from_user: Schema.optional(UserIdParam.annotations({ description: "only messages sent by this user (with a cache source: as sender_id)" })),
  topic_id: Schema.optional(IntParam(1).annotations({
    description: "only this forum topic's messages (Telegram's search with top_msg_id; source=telegram only); " +
      "400 on a dialog that is not a forum, 404 for an unknown topic"
  }))
})

export type DialogMessageSearchUrlParams = typeof DialogMessageSearchUrlParams.Type

/** Telegram's search (the contract's answer), or the cache's (source=cache|auto). */
const SearchAnswer = Schema.Union(LocalSearchResponse, MessageSearchResponse)

export class MessagesGroup extends HttpApiGroup.make("messages")
  .add(
    HttpApiEndpoint.get("searchDialogMessages", "/api/v3/search/messages/:dialog_id")
      .setPath(Schema.Struct({ dialog_id: DialogIdParam }))
      .setUrlParams(DialogMessageSearchUrlParams)
      .addSuccess(SearchAnswer)
      .addError(BadRequest)
      .addError(NotFound)
      .addError(RateLimited)
      .addError(ServiceUnavailable)
      .annotate(OpenApi.Summary, "Search one dialog: Telegram's messages.search, or the local cache (source=cache|auto)")
  )
  .add(
    HttpApiEndpoint.get("searchAllMessages", "/api/v3/search/messages")
      .setUrlParams(GlobalSearchUrlParams)
      .addSuccess(SearchAnswer)
      .addError(RateLimited)
      .addError(ServiceUnavailable)
      .annotate(OpenApi.Summary, "Search all dialogs: Telegram's messages.searchGlobal, or the local cache (source=cache|auto)")
  )
  .addError(BadGateway)
  .addError(NotFound)
  .middleware(SessionAuth)
  .annotate(OpenApi.Title, "Message search")
{}
