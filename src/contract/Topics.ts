/**
 * The contract's forum topic (GET /api/v3/dialogs/{dialog_id}/topics),
 * defined once, with its one mapping from the use case's record.
 */
import { Schema } from "effect"
import { formatIsoDate } from "../domain/Dates.js"
import type { ListedTopic } from "../domain/Thread.js"

const Nullable = Schema.NullOr

export const TopicResult = Schema.Struct({
  id: Schema.Number,
  title: Schema.String,
  icon_emoji_id: Nullable(Schema.String),
  icon_color: Nullable(Schema.Number),
  created_date: Schema.String,
  top_message_id: Schema.Number,
  closed: Schema.Boolean,
  pinned: Schema.Boolean,
  hidden: Schema.Boolean,
  /** Cached messages of the topic when its whole history is cached, else null. */
  message_count: Nullable(Schema.Number),
  /** Present when the list had a title query. */
  score: Schema.optional(Schema.Number)
}).annotations({ identifier: "ForumTopic" })

export const TopicListResponse = Schema.Struct({
  total: Schema.Number,
  topics: Schema.Array(TopicResult)
})

export type TopicView = typeof TopicResult.Type

export const topicView = (t: ListedTopic): TopicView => ({
  id: t.id,
  title: t.title,
  icon_emoji_id: t.iconEmojiId,
  icon_color: t.iconColor,
  created_date: formatIsoDate(t.createdDate),
  top_message_id: t.topMessageId,
  closed: t.closed,
  pinned: t.pinned,
  hidden: t.hidden,
  message_count: t.messageCount,
  ...(t.score === null ? {} : { score: t.score })
})
