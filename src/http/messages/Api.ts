/**
 * The messages routes of the HTTP API: Message search through Telegram's own search (contract section 3).
 * Declared here, handled in Http.ts beside it; src/http/Api.ts adds the
 * group to TgscApi.
 */
import { HttpApiEndpoint, HttpApiGroup, OpenApi } from "@effect/platform"
import { Schema } from "effect"
import { MESSAGE_SEARCH_DEFAULT_LIMIT } from "../../app/MessageSearch.js"
import { MessageSearchResponse } from "../../contract/Messages.js"
import { BadGateway, NotFound, RateLimited, ServiceUnavailable } from "../ApiErrors.js"
import { SessionAuth } from "../CurrentSession.js"
import { DateParam, DialogIdParam, IntParam, QueryParam, UserIdParam, withDefault } from "../Params.js"

export { MESSAGE_SEARCH_DEFAULT_LIMIT } from "../../app/MessageSearch.js"

/** The parameters both message searches take, their defaults included. */
export const MessageSearchUrlParams = Schema.Struct({
  q: Schema.optional(QueryParam),
  query: Schema.optional(QueryParam),
  start_date: Schema.optional(DateParam).annotations({ description: "upper bound: messages before this date" }),
  end_date: Schema.optional(DateParam).annotations({ description: "lower bound: messages after this date" }),
  limit: withDefault(IntParam(1, 500), MESSAGE_SEARCH_DEFAULT_LIMIT)
})

export type MessageSearchUrlParams = typeof MessageSearchUrlParams.Type

export class MessagesGroup extends HttpApiGroup.make("messages")
  .add(
    HttpApiEndpoint.get("searchDialogMessages", "/api/v3/search/messages/:dialog_id")
      .setPath(Schema.Struct({ dialog_id: DialogIdParam }))
      .setUrlParams(Schema.Struct({ ...MessageSearchUrlParams.fields, from_user: Schema.optional(UserIdParam) }))
      .addSuccess(MessageSearchResponse)
      .addError(NotFound)
      .addError(RateLimited)
      .addError(ServiceUnavailable)
      .annotate(OpenApi.Summary, "Search one dialog with Telegram's messages.search")
  )
  .add(
    HttpApiEndpoint.get("searchAllMessages", "/api/v3/search/messages")
      .setUrlParams(MessageSearchUrlParams)
      .addSuccess(MessageSearchResponse)
      .addError(RateLimited)
      .addError(ServiceUnavailable)
      .annotate(OpenApi.Summary, "Search all dialogs with Telegram's messages.searchGlobal")
  )
  .addError(BadGateway)
  .addError(NotFound)
  .middleware(SessionAuth)
  .annotate(OpenApi.Title, "Message search")
{}
