/**
 * Parts of a dialog read on their own (issue 17): a forum topic, or a
 * thread (a channel post's comments in its discussion group, or the reply
 * thread rooted at a supergroup message), and the forum topics themselves.
 */
import type { MessageRecord } from "./Message.js"

/** What part of a dialog a history covers: a forum topic, or the thread rooted at a message. */
export type HistoryScope =
  | { readonly _tag: "Topic"; readonly topicId: number }
  | { readonly _tag: "Thread"; readonly messageId: number }

/** A forum topic as Telegram lists it. */
export interface ForumTopic {
  readonly id: number
  readonly title: string
  /** A custom emoji's document id (64-bit, as decimal text); null for the plain coloured icon. */
  readonly iconEmojiId: string | null
  readonly iconColor: number | null
  readonly createdDate: number
  readonly topMessageId: number
  /** The date of its latest message (its top message), when Telegram sent it. */
  readonly lastMessageDate: number | null
  readonly closed: boolean
  readonly pinned: boolean
  readonly hidden: boolean
}

/** A topic as listed: with what the cache holds of it, and its title's score against a query. */
export interface ListedTopic extends ForumTopic {
  /** Cached messages of the topic when its whole history is cached (up to its latest message), else null. */
  readonly messageCount: number | null
  /** The title's match score, with a query. */
  readonly score: number | null
}

/**
 * The thread a cached message belongs to, as the cache files it: its forum
 * topic in a forum, else the root of its reply thread (Telegram's
 * reply_to_top_id, or the message it replies to). A thread's root is not
 * one of its messages (messages.getReplies does not return it), a topic's
 * creation is (it is in its own topic). Null when its details are unknown.
 */
export const threadOf = (m: MessageRecord): number | null =>
  m.details === null ? null : m.details.topicId ?? m.details.replyToTopId ?? m.replyTo
