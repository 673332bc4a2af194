/**
 * The contract's dialog and folder objects (shared/spec/api-contract.md,
 * section 2), defined once: the Schemas the HTTP API declares and
 * /openapi.json shows, the types the library's DialogSearch returns, and the
 * one mapping from a ranked dialog to its object.
 */
import { Schema } from "effect"
import { formatIsoDate } from "../domain/Dates.js"
import {
  defaultDialogSearchParams,
  type DialogSearchParams,
  type DialogSort,
  type DialogTypeFilter,
  type RankedDialog,
  type SortOrder
} from "../domain/DialogFilters.js"

const Nullable = Schema.NullOr

export const DialogType = Schema.Literal("user", "group", "supergroup", "channel", "bot", "saved")

export const DialogResult = Schema.Struct({
  id: Schema.Number,
  type: DialogType,
  title: Schema.String,
  username: Nullable(Schema.String),
  is_creator: Schema.Boolean,
  is_verified: Schema.Boolean,
  is_archived: Schema.Boolean,
  message_count: Nullable(Schema.Number),
  unread_count: Schema.Number,
  participants_count: Nullable(Schema.Number),
  last_message_date: Nullable(Schema.String),
  last_message_preview: Nullable(Schema.String),
  created_date: Nullable(Schema.String),
  /** A supergroup whose messages are organised in forum topics (`type` stays `supergroup`). */
  is_forum: Schema.Boolean,
  /** Present when the search had a title query. */
  score: Schema.optional(Schema.Number)
}).annotations({ identifier: "Dialog" })

/** One dialog as the contract shows it. */
export type DialogView = typeof DialogResult.Type

export const DialogSearchResponse = Schema.Struct({
  total: Schema.Number,
  offset: Schema.Number,
  limit: Schema.Number,
  results: Schema.Array(DialogResult)
}).annotations({ identifier: "DialogSearchResponse" })

export type DialogSearchView = typeof DialogSearchResponse.Type

export const Folder = Schema.Struct({
  id: Schema.Number,
  title: Schema.String,
  is_default: Schema.Boolean,
  /**
   * With `include_dialogs=true` only: the folder's dialogs as
   * `GET /api/v3/search/dialogs?folder=<id>` gives them (default order, all of them).
   */
  dialogs: Schema.optional(Schema.Array(DialogResult))
}).annotations({ identifier: "Folder" })

export type FolderView = typeof Folder.Type

const isoOrNull = (seconds: number | null) => (seconds === null ? null : formatIsoDate(seconds))

/** A ranked dialog as the contract shows it, with the counts found for it (null: unknown). */
export const dialogView = (r: RankedDialog, messageCount: number | null, participantsCount: number | null): DialogView => ({
  id: r.dialog.id,
  type: r.dialog.kind,
  title: r.dialog.title,
  username: r.dialog.username,
  is_creator: r.dialog.isCreator,
  is_verified: r.dialog.isVerified,
  is_archived: r.dialog.isArchived,
  message_count: messageCount,
  unread_count: r.dialog.unreadCount,
  participants_count: participantsCount,
  last_message_date: isoOrNull(r.dialog.lastMessageDate),
  last_message_preview: r.dialog.lastMessagePreview,
  created_date: isoOrNull(r.dialog.createdDate),
  is_forum: r.dialog.isForum,
  ...(r.score === null ? {} : { score: r.score })
})

/** Dialog search's parameters as both ways in take them (the HTTP query, the MCP tool's arguments), decoded. */
export interface DialogSearchArguments {
  /** The title query; blank is none. */
  readonly query?: string | undefined
  readonly match?: "fuzzy" | "exact" | undefined
  readonly min_score?: number | undefined
  readonly type?: ReadonlyArray<DialogTypeFilter> | undefined
  /** Folder id or title; blank is none. */
  readonly folder?: string | number | undefined
  readonly is_archived?: boolean | undefined
  readonly min_messages?: number | undefined
  readonly max_messages?: number | undefined
  readonly min_participants?: number | undefined
  readonly max_participants?: number | undefined
  readonly last_message_after?: number | undefined
  readonly last_message_before?: number | undefined
  readonly created_after?: number | undefined
  readonly created_before?: number | undefined
  readonly is_creator?: boolean | undefined
  readonly has_username?: boolean | undefined
  readonly is_verified?: boolean | undefined
  readonly sort?: DialogSort | undefined
  readonly order?: SortOrder | undefined
  readonly limit?: number | undefined
  readonly offset?: number | undefined
}

/** The use case's request from the contract's parameters, the same for REST and MCP; absent ones take the defaults. */
export const dialogSearchRequest = (a: DialogSearchArguments): DialogSearchParams => {
  const d = defaultDialogSearchParams
  const folder = a.folder === undefined ? "" : String(a.folder).trim()
  return {
    // As given (the domain scores it trimmed too); a blank one is no query.
    query: a.query !== undefined && a.query.trim() !== "" ? a.query : null,
    match: a.match ?? d.match,
    minScore: a.min_score ?? d.minScore,
    types: a.type ?? d.types,
    folder: folder === "" ? null : folder,
    isArchived: a.is_archived ?? null,
    minMessages: a.min_messages ?? null,
    maxMessages: a.max_messages ?? null,
    minParticipants: a.min_participants ?? null,
    maxParticipants: a.max_participants ?? null,
    lastMessageAfter: a.last_message_after ?? null,
    lastMessageBefore: a.last_message_before ?? null,
    createdAfter: a.created_after ?? null,
    createdBefore: a.created_before ?? null,
    isCreator: a.is_creator ?? null,
    hasUsername: a.has_username ?? null,
    isVerified: a.is_verified ?? null,
    sort: a.sort ?? d.sort,
    order: a.order ?? d.order,
    limit: a.limit ?? d.limit,
    offset: a.offset ?? d.offset
  }
}
