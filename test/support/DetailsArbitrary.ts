/** Generated MessageDetails: every field, empty and full, odd strings and numbers included. */
import { FastCheck as fc } from "effect"
import { EMPTY_DETAILS, ENTITY_TYPES, type MessageDetails, type Reaction, type TextEntity } from "../../src/domain/MessageDetails.js"

const text = fc.oneof(fc.string(), fc.fullUnicodeString(), fc.constantFrom("", "\"", "\\", "\n\u2028", "\u0000"))
const id = fc.option(fc.integer({ min: -(2 ** 53) + 1, max: 2 ** 53 - 1 }), { nil: null })
const count = fc.nat()

const reaction: fc.Arbitrary<Reaction> = fc.oneof(
  fc.record({ kind: fc.constant("emoji" as const), emoji: text, count, chosen: fc.boolean() }),
  fc.record({ kind: fc.constant("custom_emoji" as const), customEmojiId: fc.bigUintN(64).map(String), count, chosen: fc.boolean() }),
  fc.record({ kind: fc.constant("paid" as const), count, chosen: fc.boolean() })
)

const entity: fc.Arbitrary<TextEntity> = fc.record(
  {
    type: fc.constantFrom(...ENTITY_TYPES),
    offset: fc.nat(),
    length: fc.nat(),
    url: text,
    userId: fc.nat(),
    language: text,
    customEmojiId: fc.bigUintN(64).map(String)
  },
  { requiredKeys: ["type", "offset", "length"] }
)

const action = fc.option(
  fc.record({ type: fc.constantFrom("chat_create", "pin_message", "topic_create", "add_user") }).chain((base) =>
    fc.dictionary(fc.string().filter((k) => k !== "type" && k !== "__proto__"), fc.oneof(text, id, fc.boolean(), fc.array(fc.nat())))
      .map((fields) => ({ ...base, ...fields }))
  ),
  { nil: null }
)

const full: fc.Arbitrary<MessageDetails> = fc.record({
  topicId: id,
  replyToTopId: id,
  replyQuote: fc.option(text, { nil: null }),
  forwardFromId: id,
  forwardFromName: fc.option(text, { nil: null }),
  forwardDate: fc.option(fc.integer({ min: 0, max: 2 ** 31 - 1 }), { nil: null }),
  forwardedFromMessageId: id,
  views: id,
  forwards: id,
  replies: id,
  discussionId: id,
  reactions: fc.array(reaction, { maxLength: 4 }),
  pinned: fc.boolean(),
  groupedId: fc.option(fc.bigUintN(64).map(String), { nil: null }),
  viaBotId: id,
  entities: fc.array(entity, { maxLength: 4 }),
  action
})

/** Unknown (null), empty, or anything. */
export const details: fc.Arbitrary<MessageDetails | null> = fc.oneof(
  { weight: 1, arbitrary: fc.constant(null) },
  { weight: 1, arbitrary: fc.constant(EMPTY_DETAILS) },
  { weight: 4, arbitrary: full }
)
