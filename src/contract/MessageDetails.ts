/**
 * The fields every message object gained after the contract (topics,
 * threads, forward origins, reactions, ...), defined once: appended after
 * the contract's own fields in history, message search, cache search and
 * MCP. A message cached before tgsc knew them shows them all as null
 * (unknown) until a request covering it refreshes it from Telegram.
 */
import { Schema } from "effect"
import { formatMessageDate } from "../domain/Dates.js"
import type { MessageDetails, Reaction, TextEntity } from "../domain/MessageDetails.js"

const Nullable = Schema.NullOr

const ReactionView = Schema.Union(
  Schema.Struct({ emoji: Schema.String, count: Schema.Number, chosen: Schema.Boolean }),
  Schema.Struct({ custom_emoji_id: Schema.String, count: Schema.Number, chosen: Schema.Boolean }),
  Schema.Struct({ paid: Schema.Literal(true), count: Schema.Number, chosen: Schema.Boolean })
).annotations({ identifier: "Reaction", description: "One kind of reaction; chosen when the account gave it" })

const EntityView = Schema.Struct({
  type: Schema.String.annotations({
    description: "url, text_url, mention, mention_name, hashtag, cashtag, bot_command, email, phone, bold, italic, " +
      "underline, strike, code, pre, spoiler, blockquote, custom_emoji, bank_card or unknown"
  }),
  offset: Schema.Number.annotations({ description: "In UTF-16 code units, as Telegram counts" }),
  length: Schema.Number,
  url: Schema.optional(Schema.String).annotations({ description: "text_url: the target; url: the linked text" }),
  user_id: Schema.optional(Schema.Number).annotations({ description: "mention_name: the user" }),
  language: Schema.optional(Schema.String).annotations({ description: "pre: the code's language" }),
  custom_emoji_id: Schema.optional(Schema.String)
}).annotations({ identifier: "MessageEntity" })

const ActionView = Schema.Struct(
  { type: Schema.String.annotations({ description: "chat_create, add_user, pin_message, topic_create, ..." }) },
  Schema.Record({ key: Schema.String, value: Schema.Unknown })
).annotations({ identifier: "MessageAction", description: "A service message's action and its fields" })

export const detailsFields = {
  topic_id: Nullable(Schema.Number).annotations({ description: "Forum topic (General is 1); null outside forums" }),
  reply_to_top_id: Nullable(Schema.Number).annotations({ description: "The thread's root message" }),
  reply_quote: Nullable(Schema.String).annotations({ description: "The quoted part of the replied-to message" }),
  forward_from_id: Nullable(Schema.Number).annotations({ description: "Marked id of a forward's original sender" }),
  forward_from_name: Nullable(Schema.String).annotations({
    description: "The original sender's name, or the name a hidden sender shows"
  }),
  forward_date: Nullable(Schema.String).annotations({ description: "When the original was sent, YYYY-MM-DD HH:MM:SS UTC" }),
  forwarded_from_message_id: Nullable(Schema.Number).annotations({ description: "The original's id in its channel" }),
  views: Nullable(Schema.Number),
  forwards: Nullable(Schema.Number),
  replies: Nullable(Schema.Number).annotations({ description: "Comments of a channel post, replies of a thread" }),
  discussion_id: Nullable(Schema.Number).annotations({ description: "A channel post's discussion group (marked id)" }),
  reactions: Nullable(Schema.Array(ReactionView)),
  pinned: Nullable(Schema.Boolean),
  grouped_id: Nullable(Schema.String).annotations({ description: "Album: messages sent together share it" }),
  via_bot_id: Nullable(Schema.Number),
  entities: Nullable(Schema.Array(EntityView)),
  action: Nullable(ActionView)
}

export const DetailsView = Schema.Struct(detailsFields)

export type DetailsView = typeof DetailsView.Type

export const reactionView = (r: Reaction): typeof ReactionView.Type =>
  r.kind === "emoji"
    ? { emoji: r.emoji, count: r.count, chosen: r.chosen }
    : r.kind === "custom_emoji"
    ? { custom_emoji_id: r.customEmojiId, count: r.count, chosen: r.chosen }
    : { paid: true, count: r.count, chosen: r.chosen }

export const entityView = (e: TextEntity): typeof EntityView.Type => {
  const view: { -readonly [K in keyof typeof EntityView.Type]: (typeof EntityView.Type)[K] } = {
    type: e.type,
    offset: e.offset,
    length: e.length
  }
  if (e.url !== undefined) view.url = e.url
  if (e.userId !== undefined) view.user_id = e.userId
  if (e.language !== undefined) view.language = e.language
  if (e.customEmojiId !== undefined) view.custom_emoji_id = e.customEmojiId
  return view
}

const UNKNOWN: DetailsView = {
  topic_id: null,
  reply_to_top_id: null,
  reply_quote: null,
  forward_from_id: null,
  forward_from_name: null,
  forward_date: null,
  forwarded_from_message_id: null,
  views: null,
  forwards: null,
  replies: null,
  discussion_id: null,
  reactions: null,
  pinned: null,
  grouped_id: null,
  via_bot_id: null,
  entities: null,
  action: null
}

/** The wire fields of a message's details; all null when they are not known. */
export const detailsView = (d: MessageDetails | null): DetailsView =>
  d === null ? UNKNOWN : {
    topic_id: d.topicId,
    reply_to_top_id: d.replyToTopId,
    reply_quote: d.replyQuote,
    forward_from_id: d.forwardFromId,
    forward_from_name: d.forwardFromName,
    forward_date: d.forwardDate === null ? null : formatMessageDate(d.forwardDate),
    forwarded_from_message_id: d.forwardedFromMessageId,
    views: d.views,
    forwards: d.forwards,
    replies: d.replies,
    discussion_id: d.discussionId,
    reactions: d.reactions.map(reactionView),
    pinned: d.pinned,
    grouped_id: d.groupedId,
    via_bot_id: d.viaBotId,
    entities: d.entities.map(entityView),
    action: d.action
  }
