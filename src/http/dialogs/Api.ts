/**
 * The dialogs routes of the HTTP API: Dialog search and the folder list (contract section 2).
 * Declared here, handled in Http.ts beside it; src/http/Api.ts adds the
 * group to TgscApi.
 */
import { HttpApiEndpoint, HttpApiGroup, OpenApi } from "@effect/platform"
import { Schema } from "effect"
import { DialogSearchResponse, Folder } from "../../contract/Dialogs.js"
import { defaultDialogSearchParams as dialogDefaults } from "../../domain/DialogFilters.js"
import { BadGateway, NotFound, RateLimited, ServiceUnavailable } from "../ApiErrors.js"
import { SessionAuth } from "../CurrentSession.js"
import { BoolParam, DateParam, EnumParam, IntParam, QueryParam, ScoreParam, withDefault } from "../Params.js"

/** GET /api/v3/search/dialogs's parameters, their defaults included. */
export const DialogSearchUrlParams = Schema.Struct({
  q: Schema.optional(QueryParam),
  query: Schema.optional(QueryParam),
  match: withDefault(EnumParam("fuzzy", "exact"), dialogDefaults.match),
  min_score: withDefault(ScoreParam, dialogDefaults.minScore),
  type: Schema.optional(Schema.Array(EnumParam("user", "group", "supergroup", "channel", "bot", "saved", "me", "forum"))),
  folder: Schema.optional(Schema.String),
  is_archived: Schema.optional(BoolParam),
  min_messages: Schema.optional(IntParam(0)),
  max_messages: Schema.optional(IntParam(0)),
  min_participants: Schema.optional(IntParam(0)),
  max_participants: Schema.optional(IntParam(0)),
  last_message_after: Schema.optional(DateParam),
  last_message_before: Schema.optional(DateParam),
  created_after: Schema.optional(DateParam),
  created_before: Schema.optional(DateParam),
  is_creator: Schema.optional(BoolParam),
  has_username: Schema.optional(BoolParam),
  is_verified: Schema.optional(BoolParam),
  sort: withDefault(EnumParam("last_message", "messages", "title", "participants", "unread"), dialogDefaults.sort),
  order: withDefault(EnumParam("desc", "asc"), dialogDefaults.order),
  limit: withDefault(IntParam(1, 500), dialogDefaults.limit),
  offset: withDefault(IntParam(0), dialogDefaults.offset)
})

export type DialogSearchUrlParams = typeof DialogSearchUrlParams.Type

/** GET /api/v3/folders's parameters. */
export const FolderListUrlParams = Schema.Struct({
  /** true: each folder also carries `dialogs`, its dialog search results (default order, unpaged). */
  include_dialogs: Schema.optional(BoolParam)
})

export class DialogsGroup extends HttpApiGroup.make("dialogs")
  .add(
    HttpApiEndpoint.get("searchDialogs", "/api/v3/search/dialogs")
      .setUrlParams(DialogSearchUrlParams)
      .addSuccess(DialogSearchResponse)
      .addError(NotFound)
      .addError(RateLimited)
      .addError(ServiceUnavailable)
      .annotate(OpenApi.Summary, "Search dialogs by title (fuzzy or exact) with filters, sorting and paging")
  )
  .add(
    HttpApiEndpoint.get("listFolders", "/api/v3/folders")
      .setUrlParams(FolderListUrlParams)
      .addSuccess(Schema.Array(Folder))
      .addError(RateLimited)
      .addError(ServiceUnavailable)
      .annotate(OpenApi.Summary, "List chat folders, All Chats first")
  )
  .addError(BadGateway)
  .addError(NotFound)
  .middleware(SessionAuth)
  .annotate(OpenApi.Title, "Dialogs")
{}
