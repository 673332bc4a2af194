/**
 * The contract's flat message objects (sections 3 and 4), defined once: the
 * Schemas the HTTP API declares and /openapi.json shows, the types the
 * library's use cases return, and the mappings from cached records. The SSE
 * writer (src/http/HistoryChunkEvent.ts) writes the same objects byte for
 * byte without building them; its test holds it to `historyMessageView`.
 */
import { Schema } from "effect"
import { formatMessageDate } from "../domain/Dates.js"
import type { MessageRecord } from "../domain/Message.js"
import type { StoredMessage } from "../ports/MessageStore.js"
import { detailsFields, detailsView } from "./MessageDetails.js"

const Nullable = Schema.NullOr

const messageFields = {
  message_id: Schema.Number,
  date: Schema.String.annotations({ description: "YYYY-MM-DD HH:MM:SS, UTC" }),
  edit_date: Nullable(Schema.String),
  sender_id: Nullable(Schema.Number),
  first_name: Nullable(Schema.String),
  last_name: Nullable(Schema.String),
  username: Nullable(Schema.String),
  message: Schema.String,
  reply_to: Nullable(Schema.Number),
  post_author: Nullable(Schema.String),
  is_forwarded: Schema.Literal(0, 1),
  forwarded_from_channel_id: Nullable(Schema.Number)
}

/** The fields history and search share. */
export const MessageCore = Schema.Struct(messageFields)

export type MessageCoreView = typeof MessageCore.Type

export const HistoryMessage = Schema.Struct({
  ...messageFields,
  /** Telegram's class name for any media (MessageMediaPhoto, MessageMediaWebPage, ...). */
  media_type: Nullable(Schema.String),
  /** Only for downloadable media (photos, documents); stable for the message. */
  media_uuid: Nullable(Schema.String),
  /** Documents' file names; always null for photos. */
  media_original_filename: Nullable(Schema.String),
  media_size: Nullable(Schema.Number),
  media_category: Schema.optional(Nullable(Schema.String)),
  ...detailsFields
}).annotations({ identifier: "HistoryMessage" })

/** A history message as tgsc writes it: `media_category` (optional in the contract's notes) always there. */
export type HistoryMessageView = typeof HistoryMessage.Type & { readonly media_category: string | null }

export const MessageSearchResult = Schema.Struct({
  ...messageFields,
  dialog_id: Schema.Number,
  dialog_name: Nullable(Schema.String),
  ...detailsFields
}).annotations({ identifier: "MessageSearchResult" })

export type MessageSearchResult = typeof MessageSearchResult.Type

export const MessageSearchResponse = Schema.Struct({
  query: Schema.String,
  total: Schema.Number,
  limit: Schema.Number,
  results: Schema.Array(MessageSearchResult)
}).annotations({ identifier: "MessageSearchResponse" })

export type MessageSearchResponse = typeof MessageSearchResponse.Type

export const messageCoreView = (m: MessageRecord): MessageCoreView => ({
  message_id: m.id,
  date: formatMessageDate(m.date),
  edit_date: m.editDate === null ? null : formatMessageDate(m.editDate),
  sender_id: m.senderId,
  first_name: m.senderFirstName,
  last_name: m.senderLastName,
  username: m.senderUsername,
  message: m.text,
  reply_to: m.replyTo,
  post_author: m.postAuthor,
  is_forwarded: m.isForwarded ? 1 : 0,
  forwarded_from_channel_id: m.forwardedFromChannelId
})

/**
 * Every field written out rather than spreading `messageCoreView`: this runs
 * for every streamed message, and a spread object is about twenty times
 * slower to build (and then to serialise) than a literal.
 */
export const historyMessageView = ({ media, message: m }: StoredMessage): HistoryMessageView => {
  const d = detailsView(m.details)
  return {
  message_id: m.id,
  date: formatMessageDate(m.date),
  edit_date: m.editDate === null ? null : formatMessageDate(m.editDate),
  sender_id: m.senderId,
  first_name: m.senderFirstName,
  last_name: m.senderLastName,
  username: m.senderUsername,
  message: m.text,
  reply_to: m.replyTo,
  post_author: m.postAuthor,
  is_forwarded: m.isForwarded ? 1 : 0,
  forwarded_from_channel_id: m.forwardedFromChannelId,
  media_type: m.media?.type ?? null,
  media_uuid: media?.uuid ?? null,
  media_original_filename: media?.fileName ?? null,
  media_size: media?.size ?? null,
  media_category: media?.category ?? null,
  topic_id: d.topic_id,
  reply_to_top_id: d.reply_to_top_id,
  reply_quote: d.reply_quote,
  forward_from_id: d.forward_from_id,
  forward_from_name: d.forward_from_name,
  forward_date: d.forward_date,
  forwarded_from_message_id: d.forwarded_from_message_id,
  views: d.views,
  forwards: d.forwards,
  replies: d.replies,
  discussion_id: d.discussion_id,
  reactions: d.reactions,
  pinned: d.pinned,
  grouped_id: d.grouped_id,
  via_bot_id: d.via_bot_id,
  entities: d.entities,
  action: d.action
  }
}

/** A message Telegram's search found, in the contract's search shape. */
export const messageSearchResultView = (m: MessageRecord, dialogId: number, dialogName: string | null): MessageSearchResult => ({
  ...messageCoreView(m),
  dialog_id: dialogId,
  dialog_name: dialogName,
  ...detailsView(m.details)
})
