/**
 * The new message fields (README, "What a message carries beyond the
 * contract's fields") of a message that has none, as the wire shows them:
 * written out here, not derived from the product's code.
 */
export const NO_DETAILS = {
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
  reactions: [],
  pinned: false,
  grouped_id: null,
  via_bot_id: null,
  entities: [],
  action: null
} as const

/** The new fields in their order. */
export const DETAILS_KEYS = Object.keys(NO_DETAILS) as ReadonlyArray<keyof typeof NO_DETAILS>
