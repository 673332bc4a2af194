/**
 * The public HTTP API (contract: shared/spec/api-contract.md), declared once:
 * routes, parameters, response shapes and error statuses. Handlers live in
 * one file per group; this module only describes.
 */
import { HttpApi, HttpApiEndpoint, HttpApiGroup, HttpApiMiddleware, HttpApiSchema, OpenApi } from "@effect/platform"
import { Context, Schema } from "effect"
import { defaultDialogSearchParams as dialogDefaults } from "../domain/DialogSearch.js"
import type { SessionName } from "../domain/SessionName.js"
import { Settings, SettingsPatch } from "../domain/Settings.js"
import {
  BadGateway,
  BadRequest,
  Conflict,
  NotFound,
  RateLimited,
  ServiceUnavailable,
  Unauthorized,
  Unprocessable
} from "./ApiErrors.js"
import { DialogSearchResponse, Folder } from "../contract/Dialogs.js"
import { FileMetadata } from "../contract/Files.js"
import { QrLoginStarted, QrLoginState } from "../contract/Logins.js"
import { MessageSearchResponse } from "../contract/Messages.js"
import { describeErrorBodies } from "./OpenApiErrors.js"
import { BoolParam, DateParam, DialogIdParam, EnumParam, IntParam, QueryParam, ScoreParam, UserIdParam } from "./Params.js"
import { SessionsGroup } from "./SessionsApi.js"

// ---------------------------------------------------------------------------
// The session a request acts for (X-Telegram-Username), checked by SessionAuth.

export class CurrentSession extends Context.Tag("app/CurrentSession")<CurrentSession, { readonly name: SessionName }>() {}

export class SessionAuth extends HttpApiMiddleware.Tag<SessionAuth>()("app/SessionAuth", {
  failure: Schema.Union(BadRequest, Unauthorized),
  provides: CurrentSession
}) {}

// ---------------------------------------------------------------------------
// Shapes: the contract's, defined once in src/contract (shared with the library and other adapters)

export { DialogResult, DialogSearchResponse, DialogType, Folder } from "../contract/Dialogs.js"
export { FileMetadata } from "../contract/Files.js"
export { QrLoginStarted, QrLoginState, QrStatus } from "../contract/Logins.js"
export { HistoryMessage, MessageSearchResponse, MessageSearchResult } from "../contract/Messages.js"

const SessionNameBody = Schema.String.annotations({
  description: "session name: 1-64 of A-Z a-z 0-9 _ . - (not starting with . or -)"
})

// ---------------------------------------------------------------------------
// Parameter defaults the handlers apply, documented in /openapi.json

export const MESSAGE_SEARCH_DEFAULT_LIMIT = 50
export const HISTORY_DEFAULT_CHUNK_SIZE = 100
/** A chunk is held whole before it is sent: this bounds a stream's memory (10x the default and Telegram's page). */
export const HISTORY_MAX_CHUNK_SIZE = 1000

/**
 * An optional parameter with the value it takes when absent, shown in
 * /openapi.json; the handler applies the same value (from the same constant).
 * (`Schema.optionalWith({ default })` would apply it in the decoding, but its
 * JSON Schema loses the parameter's description and writes the default as a
 * number where the parameter is text.)
 */
const withDefault = <A, I>(schema: Schema.Schema<A, I>, value: A) => Schema.optional(schema.annotations({ default: value }))

// ---------------------------------------------------------------------------
// Groups

export class SystemGroup extends HttpApiGroup.make("system")
  .add(
    HttpApiEndpoint.get("health", "/health")
      .addSuccess(Schema.Struct({ status: Schema.Literal("healthy") }))
      .annotate(OpenApi.Summary, "Liveness check")
  )
  .add(
    HttpApiEndpoint.get("info", "/")
      .addSuccess(Schema.Struct({ name: Schema.String, version: Schema.String, docs: Schema.String, openapi: Schema.String }))
      .annotate(OpenApi.Summary, "Service information")
  )
  .annotate(OpenApi.Title, "System")
{}

const qrToken = Schema.Struct({ token: Schema.String })

export class AuthGroup extends HttpApiGroup.make("auth")
  .add(
    HttpApiEndpoint.post("startQrLogin", "/api/v3/auth/qr")
      .setPayload(Schema.Struct({ username: SessionNameBody, force: Schema.optional(Schema.Boolean) }))
      .addSuccess(QrLoginStarted)
      .addError(BadRequest)
      .addError(Conflict)
      .addError(RateLimited)
      .addError(BadGateway)
      .addError(ServiceUnavailable)
      .annotate(OpenApi.Summary, "Start a QR-code login for a session name")
  )
  .add(
    HttpApiEndpoint.get("qrLoginStatus", "/api/v3/auth/qr/:token")
      .setPath(qrToken)
      .addSuccess(QrLoginState)
      .addError(NotFound)
      .annotate(OpenApi.Summary, "Poll a QR login (qr_url refreshes about every 25 s)")
  )
  .add(
    HttpApiEndpoint.post("submitQrPassword", "/api/v3/auth/qr/:token/2fa")
      .setPath(qrToken)
      .setPayload(Schema.Struct({ password: Schema.String }))
      .addSuccess(QrLoginState)
      .addError(BadRequest)
      .addError(NotFound)
      .addError(Conflict)
      .addError(BadGateway)
      .annotate(OpenApi.Summary, "Submit the 2FA password when the status is password_required")
  )
  .add(
    HttpApiEndpoint.del("cancelQrLogin", "/api/v3/auth/qr/:token")
      .setPath(qrToken)
      .addSuccess(Schema.Struct({ status: Schema.Literal("cancelled"), message: Schema.String }))
      .addError(NotFound)
      .addError(Conflict)
      .annotate(OpenApi.Summary, "Cancel a pending QR login")
  )
  .add(
    HttpApiEndpoint.get("qrSvg", "/api/v3/auth/qr/:token/qr.svg")
      .setPath(qrToken)
      .addSuccess(HttpApiSchema.Text({ contentType: "image/svg+xml" }))
      .addError(NotFound)
      .annotate(OpenApi.Summary, "The current qr_url as an SVG QR code")
  )
  .add(
    HttpApiEndpoint.get("qrPng", "/api/v3/auth/qr/:token/qr.png")
      .setPath(qrToken)
      .addSuccess(HttpApiSchema.Uint8Array({ contentType: "image/png" }))
      .addError(NotFound)
      .annotate(OpenApi.Summary, "The current qr_url as a PNG QR code")
  )
  .annotate(OpenApi.Title, "Login")
{}

/** GET /api/v3/search/dialogs's parameters, their defaults included. */
export const DialogSearchUrlParams = Schema.Struct({
      q: Schema.optional(QueryParam),
      query: Schema.optional(QueryParam),
      match: withDefault(EnumParam("fuzzy", "exact"), dialogDefaults.match),
      min_score: withDefault(ScoreParam, dialogDefaults.minScore),
      type: Schema.optional(Schema.Array(EnumParam("user", "group", "supergroup", "channel", "bot", "saved", "me"))),
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

export class HistoryGroup extends HttpApiGroup.make("history")
  .add(
    HttpApiEndpoint.get("streamHistory", "/api/v3/history/:dialog_id")
      .setPath(Schema.Struct({ dialog_id: DialogIdParam }))
      .setUrlParams(
        Schema.Struct({
          start_date: Schema.optional(DateParam),
          end_date: Schema.optional(DateParam),
          chunk_size: withDefault(IntParam(1, HISTORY_MAX_CHUNK_SIZE), HISTORY_DEFAULT_CHUNK_SIZE),
          force_refresh: withDefault(BoolParam, false),
          reverse: withDefault(BoolParam, false),
          progress: withDefault(BoolParam, false)
        })
      )
      .addSuccess(
        HttpApiSchema.Text({ contentType: "text/event-stream" }).annotations({
          description: "Server-Sent Events: `data: {\"messages\": [HistoryMessage, ...]}` per chunk of chunk_size, " +
            "oldest first (newest first with reverse=true), range [start_date, end_date); " +
            "`event: error` with `{\"detail\", \"status\", \"retry_after\"?}` on failure after the start; " +
            "`: keep-alive` comments while waiting; with progress=true, `event: progress` events " +
            "`{\"fetched\": messages fetched from Telegram so far, \"range\": {\"start_date\", \"end_date\"} being fetched or null, " +
            "\"rate_limit_wait\": seconds of the rate-limit wait starting now or 0}`. " +
            "At most 8 streams open per session and 32 on the server (--max-streams-per-session, --max-streams): " +
            "beyond that, 429 with Retry-After"
        })
      )
      .addError(NotFound)
      .addError(RateLimited)
      .addError(ServiceUnavailable)
      .annotate(OpenApi.Summary, "Stream a dialog's history from the cache, fetching only missing ranges")
  )
  .addError(BadGateway)
  .addError(NotFound)
  .middleware(SessionAuth)
  .annotate(OpenApi.Title, "History")
{}

export class FilesGroup extends HttpApiGroup.make("files")
  .add(
    HttpApiEndpoint.get("getFile", "/api/v3/files/:file_uuid")
      .setPath(Schema.Struct({ file_uuid: Schema.String }))
      .setUrlParams(Schema.Struct({ metadata_only: withDefault(BoolParam, false) }))
      .addSuccess(FileMetadata.annotations({
        description: "with metadata_only=true; otherwise the file's bytes with its MIME type and original name " +
          "(a single `Range: bytes=` range gives 206, an unsatisfiable one 416)"
      }))
      .addError(NotFound)
      .addError(RateLimited)
      .addError(BadGateway)
      .addError(ServiceUnavailable)
      .annotate(OpenApi.Summary, "Download a media file, or its metadata")
  )
  .middleware(SessionAuth)
  .annotate(OpenApi.Title, "Files")
{}

export class SettingsGroup extends HttpApiGroup.make("settings")
  .add(
    HttpApiEndpoint.get("getSettings", "/api/v3/settings")
      .addSuccess(Settings)
      .annotate(OpenApi.Summary, "Current runtime settings")
  )
  .add(
    HttpApiEndpoint.patch("updateSettings", "/api/v3/settings")
      .setPayload(SettingsPatch)
      .addSuccess(Settings)
      .addError(Unprocessable)
      .annotate(OpenApi.Summary, "Update some settings; persisted to settings.yaml")
  )
  .middleware(SessionAuth)
  .annotate(OpenApi.Title, "Settings")
{}

export class TgscApi extends HttpApi.make("tgsc")
  .add(SystemGroup)
  .add(AuthGroup)
  .add(SessionsGroup)
  .add(DialogsGroup)
  .add(MessagesGroup)
  .add(HistoryGroup)
  .add(FilesGroup)
  .add(SettingsGroup)
  .addError(BadRequest)
  .addError(Unauthorized)
  .annotate(OpenApi.Title, "tgsc: Telegram history API")
  .annotate(OpenApi.Description, "Local HTTP API giving you and your agents access to your own Telegram account's history.")
  // Every error is sent as {"detail": "..."} (DetailErrors.ts): document that, not the error classes' fields.
  .annotate(OpenApi.Transform, describeErrorBodies)
{}

