/**
 * What a message carries beyond its text, sender and media: its place in a
 * forum topic or thread, where a forward came from, what readers did with it
 * (views, forwards, replies, reactions), its album, the bot it came via, its
 * text's formatting and links, and for a service message the action.
 *
 * A cached message fetched before tgsc knew these has none (`details` is
 * null on the record): unknown, never zeros. The codec below is how the
 * cache keeps them: one compact JSON text per message, holding only what
 * differs from an empty message, so the common message costs two bytes.
 */

/** One kind of reaction with how many gave it, and whether the account did. */
export type Reaction =
  | { readonly kind: "emoji"; readonly emoji: string; readonly count: number; readonly chosen: boolean }
  | { readonly kind: "custom_emoji"; readonly customEmojiId: string; readonly count: number; readonly chosen: boolean }
  | { readonly kind: "paid"; readonly count: number; readonly chosen: boolean }

export const ENTITY_TYPES = [
  "url",
  "text_url",
  "mention",
  "mention_name",
  "hashtag",
  "cashtag",
  "bot_command",
  "email",
  "phone",
  "bold",
  "italic",
  "underline",
  "strike",
  "code",
  "pre",
  "spoiler",
  "blockquote",
  "custom_emoji",
  "bank_card",
  "unknown"
] as const

export type EntityType = typeof ENTITY_TYPES[number]

/** A formatted or linked span of the text; offsets and lengths in UTF-16 code units, as Telegram gives them. */
export interface TextEntity {
  readonly type: EntityType
  readonly offset: number
  readonly length: number
  /** text_url: the link's target; url: the linked text itself. */
  readonly url?: string
  /** mention_name: the user mentioned. */
  readonly userId?: number
  /** pre: the code block's language. */
  readonly language?: string
  /** custom_emoji: the emoji's document id. */
  readonly customEmojiId?: string
}

/**
 * A service message's action: its type in snake_case (`chat_create`,
 * `pin_message`, `topic_create`, ...) and its fields, already in the
 * contract's form (snake_case keys, marked ids, long ids as strings).
 */
export interface ServiceAction {
  readonly type: string
  readonly [field: string]: ActionField
}

/** What an action's fields hold: text, numbers, flags, lists of ids. */
export type ActionField = string | number | boolean | null | ReadonlyArray<number | string>

export interface MessageDetails {
  /** The forum topic (General is 1); null outside forums. */
  readonly topicId: number | null
  /** The thread's root message, when Telegram gives it. */
  readonly replyToTopId: number | null
  /** The part of the replied-to message this reply quotes. */
  readonly replyQuote: string | null
  /** Marked id of the forward's original sender, when Telegram shows it. */
  readonly forwardFromId: number | null
  /** The original sender's name, or the name a hidden sender shows. */
  readonly forwardFromName: string | null
  /** When the original was sent (epoch seconds). */
  readonly forwardDate: number | null
  /** The original's id in its channel. */
  readonly forwardedFromMessageId: number | null
  readonly views: number | null
  readonly forwards: number | null
  /** Comments of a channel post, or replies of a supergroup thread. */
  readonly replies: number | null
  /** Marked id of a channel post's discussion group. */
  readonly discussionId: number | null
  readonly reactions: ReadonlyArray<Reaction>
  readonly pinned: boolean
  /** The album: a 64-bit value, as decimal text. */
  readonly groupedId: string | null
  readonly viaBotId: number | null
  readonly entities: ReadonlyArray<TextEntity>
  /** Service messages only. */
  readonly action: ServiceAction | null
}

export const EMPTY_DETAILS: MessageDetails = {
  topicId: null,
  replyToTopId: null,
  replyQuote: null,
  forwardFromId: null,
  forwardFromName: null,
  forwardDate: null,
  forwardedFromMessageId: null,
  views: null,
  forwards: null,
  replies: null,
  discussionId: null,
  reactions: [],
  pinned: false,
  groupedId: null,
  viaBotId: null,
  entities: [],
  action: null
}

// ---------------------------------------------------------------------------
// The cache's encoding: short keys, defaults left out.

const SHORT = {
  topicId: "t",
  replyToTopId: "rt",
  replyQuote: "q",
  forwardFromId: "fi",
  forwardFromName: "fn",
  forwardDate: "fd",
  forwardedFromMessageId: "fm",
  views: "v",
  forwards: "f",
  replies: "r",
  discussionId: "d",
  reactions: "re",
  pinned: "p",
  groupedId: "g",
  viaBotId: "b",
  entities: "e",
  action: "a"
} as const satisfies Record<keyof MessageDetails, string>

const KEYS = Object.keys(SHORT) as ReadonlyArray<keyof MessageDetails>

const isDefault = (key: keyof MessageDetails, value: unknown): boolean =>
  key === "reactions" || key === "entities" ? (value as ReadonlyArray<unknown>).length === 0 : value === EMPTY_DETAILS[key]

/** The cache's text of `details`: `{}` for a message with none. */
export const encodeDetails = (details: MessageDetails): string => {
  const out: Record<string, unknown> = {}
  for (const key of KEYS) {
    const value = details[key]
    if (!isDefault(key, value)) out[SHORT[key]] = value
  }
  return JSON.stringify(out)
}

const EMPTY_TEXT = "{}"

const stored = <K extends keyof MessageDetails>(from: Record<string, unknown>, key: K): MessageDetails[K] => {
  const value = from[SHORT[key]]
  return (value === undefined ? EMPTY_DETAILS[key] : value) as MessageDetails[K]
}

/**
 * The inverse of encodeDetails. One object literal with every key, not keys added in a loop: V8 turns an object
 * given more than a dozen keys by keyed stores into a slow dictionary, and every cached message is read this way.
 */
export const decodeDetails = (text: string): MessageDetails => {
  if (text === EMPTY_TEXT) return EMPTY_DETAILS
  const s = JSON.parse(text) as Record<string, unknown>
  return {
    topicId: stored(s, "topicId"),
    replyToTopId: stored(s, "replyToTopId"),
    replyQuote: stored(s, "replyQuote"),
    forwardFromId: stored(s, "forwardFromId"),
    forwardFromName: stored(s, "forwardFromName"),
    forwardDate: stored(s, "forwardDate"),
    forwardedFromMessageId: stored(s, "forwardedFromMessageId"),
    views: stored(s, "views"),
    forwards: stored(s, "forwards"),
    replies: stored(s, "replies"),
    discussionId: stored(s, "discussionId"),
    reactions: stored(s, "reactions"),
    pinned: stored(s, "pinned"),
    groupedId: stored(s, "groupedId"),
    viaBotId: stored(s, "viaBotId"),
    entities: stored(s, "entities"),
    action: stored(s, "action")
  }
}
