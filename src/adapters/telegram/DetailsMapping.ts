/**
 * What a GramJS message carries beyond the contract's fields, as the
 * domain's MessageDetails: topic and thread, the forward's origin, views,
 * replies and reactions, the album, the bot, the text's entities, and a
 * service message's action in the contract's form.
 */
import { Api } from "telegram"
import { EMPTY_DETAILS, type EntityType, type MessageDetails, type Reaction, type ServiceAction, type TextEntity } from "../../domain/MessageDetails.js"
import { markPeerId } from "../../domain/PeerId.js"
import { type Big, num } from "./Longs.js"
import { peerToMarkedId } from "./PeerIds.js"

type Peer = Api.TypePeer
type Entity = Api.TypeUser | Api.TypeChat

const isBig = (v: unknown): v is Big =>
  typeof v === "object" && v !== null && typeof (v as Big).toString === "function" && "value" in v

const nameOf = (entity: Entity | undefined): string | null => {
  if (entity === undefined) return null
  if (entity.className === "User") {
    const full = [entity.firstName, entity.lastName].filter((s) => s != null && s !== "").join(" ")
    return full !== "" ? full : entity.username ?? null
  }
  return "title" in entity && typeof entity.title === "string" ? entity.title : null
}

const isForum = (peer: Peer | undefined, entities: ReadonlyMap<number, Entity>): boolean => {
  const id = peerToMarkedId(peer)
  const chat = id === null ? undefined : entities.get(id)
  return chat?.className === "Channel" && chat.forum === true
}

const reactionsOf = (reactions: Api.TypeMessageReactions | undefined): ReadonlyArray<Reaction> => {
  if (reactions === undefined) return EMPTY_DETAILS.reactions
  const out: Array<Reaction> = []
  for (const r of reactions.results) {
    const chosen = r.chosenOrder !== undefined && r.chosenOrder !== null
    const reaction = r.reaction
    if (reaction.className === "ReactionEmoji") out.push({ kind: "emoji", emoji: reaction.emoticon, count: r.count, chosen })
    else if (reaction.className === "ReactionCustomEmoji") {
      out.push({ kind: "custom_emoji", customEmojiId: reaction.documentId.toString(), count: r.count, chosen })
    } else if (reaction.className === "ReactionPaid") out.push({ kind: "paid", count: r.count, chosen })
  }
  return out
}

const ENTITY_TYPES: Record<string, EntityType> = {
  MessageEntityUrl: "url",
  MessageEntityTextUrl: "text_url",
  MessageEntityMention: "mention",
  MessageEntityMentionName: "mention_name",
  InputMessageEntityMentionName: "mention_name",
  MessageEntityHashtag: "hashtag",
  MessageEntityCashtag: "cashtag",
  MessageEntityBotCommand: "bot_command",
  MessageEntityEmail: "email",
  MessageEntityPhone: "phone",
  MessageEntityBold: "bold",
  MessageEntityItalic: "italic",
  MessageEntityUnderline: "underline",
  MessageEntityStrike: "strike",
  MessageEntityCode: "code",
  MessageEntityPre: "pre",
  MessageEntitySpoiler: "spoiler",
  MessageEntityBlockquote: "blockquote",
  MessageEntityCustomEmoji: "custom_emoji",
  MessageEntityBankCard: "bank_card"
}

const entitiesOf = (text: string, entities: ReadonlyArray<Api.TypeMessageEntity> | undefined): ReadonlyArray<TextEntity> => {
  if (entities === undefined || entities.length === 0) return EMPTY_DETAILS.entities
  return entities.map((e): TextEntity => {
    const base = { type: ENTITY_TYPES[e.className] ?? "unknown", offset: e.offset, length: e.length }
    switch (e.className) {
      case "MessageEntityTextUrl":
        return { ...base, url: e.url }
      case "MessageEntityUrl":
        // JavaScript strings are UTF-16, so Telegram's offsets slice them directly.
        return { ...base, url: text.slice(e.offset, e.offset + e.length) }
      case "MessageEntityMentionName":
        return { ...base, userId: markPeerId("user", num(e.userId)) }
      case "MessageEntityPre":
        return e.language === "" ? base : { ...base, language: e.language }
      case "MessageEntityCustomEmoji":
        return { ...base, customEmojiId: e.documentId.toString() }
      default:
        return base
    }
  })
}

/** `MessageActionChatCreate` -> `chat_create`; the two the issue names shorter keep their short names. */
const actionType = (className: string): string => {
  const name = className.replace(/^MessageAction/, "")
  if (name === "ChatAddUser") return "add_user"
  if (name === "ChatDeleteUser") return "delete_user"
  return name.replace(/([a-z0-9])([A-Z])/g, "$1_$2").toLowerCase()
}

const snake = (key: string) => key.replace(/([a-z0-9])([A-Z])/g, "$1_$2").toLowerCase()

const SKIPPED = new Set(["CONSTRUCTOR_ID", "SUBCLASS_OF_ID", "className", "classType", "originalArgs", "flags"])

/** Ids that name a peer, marked as the contract marks them. */
const PEER_FIELDS: Record<string, "user" | "chat" | "channel"> = {
  userId: "user",
  inviterId: "user",
  users: "user",
  chatId: "chat",
  channelId: "channel"
}

/** Scalars as they are, longs as decimal text (or marked ids for peers); nested TL objects left out. */
const fieldValue = (key: string, value: unknown): unknown => {
  const peer = PEER_FIELDS[key]
  if (Array.isArray(value)) {
    const items = value.map((v) => fieldValue(key, v)).filter((v) => v !== undefined)
    return items.length === value.length ? items : undefined
  }
  if (isBig(value) || typeof value === "number") {
    if (peer !== undefined) return markPeerId(peer, num(value))
    return typeof value === "number" ? value : value.toString()
  }
  if (typeof value === "string" || typeof value === "boolean") return value
  return undefined
}

export const actionOf = (action: Api.TypeMessageAction): ServiceAction => {
  const out: Record<string, unknown> = { type: actionType(action.className) }
  for (const [key, value] of Object.entries(action)) {
    if (SKIPPED.has(key) || value === undefined || value === null) continue
    const v = fieldValue(key, value)
    if (v !== undefined) out[snake(key)] = v
  }
  // A topic's icon is a custom emoji's document id: an id, written like every other long.
  if (action.className === "MessageActionTopicCreate" && out["icon_emoji_id"] === undefined) out["icon_emoji_id"] = null
  return out as ServiceAction
}

/** The pinned message of a pin_message action is in the service message's reply header. */
const pinnedOf = (message: Api.MessageService): number | null =>
  message.replyTo?.className === "MessageReplyHeader" ? message.replyTo.replyToMsgId ?? null : null

const replyOf = (message: Api.Message | Api.MessageService, forum: boolean) => {
  const header = message.replyTo?.className === "MessageReplyHeader" ? message.replyTo : undefined
  const top = header?.replyToTopId ?? null
  const topicId = !forum ? null : header?.forumTopic === true ? top ?? header.replyToMsgId ?? null : 1
  return {
    topicId,
    replyToTopId: top,
    replyQuote: header?.quote === true ? header.quoteText ?? null : null
  }
}

/**
 * The details of a message, its sender's names resolved from the answer's users and chats. Every key written out in
 * one literal, no spread: V8 built these (one per message) as slow dictionary objects with a spread in front
 * (23 µs a message instead of under 1, measured; bench/RESULTS.md, cold sync).
 */
export const detailsOf = (message: Api.Message, entities: ReadonlyMap<number, Entity>): MessageDetails => {
  const fwd = message.fwdFrom ?? undefined
  const fromId = peerToMarkedId(fwd?.fromId)
  const replies = message.replies ?? undefined
  const reply = replyOf(message, isForum(message.peerId, entities))
  return {
    topicId: reply.topicId,
    replyToTopId: reply.replyToTopId,
    replyQuote: reply.replyQuote,
    forwardFromId: fromId,
    forwardFromName: fwd === undefined ? null : (fromId === null ? undefined : nameOf(entities.get(fromId))) ?? fwd.fromName ?? null,
    forwardDate: fwd === undefined ? null : fwd.date,
    forwardedFromMessageId: fwd?.channelPost ?? null,
    views: message.views ?? null,
    forwards: message.forwards ?? null,
    replies: replies === undefined ? null : replies.replies,
    discussionId: replies?.comments === true && replies.channelId != null
      ? markPeerId("channel", num(replies.channelId))
      : null,
    reactions: reactionsOf(message.reactions ?? undefined),
    pinned: message.pinned === true,
    groupedId: message.groupedId == null ? null : message.groupedId.toString(),
    viaBotId: message.viaBotId == null ? null : markPeerId("user", num(message.viaBotId)),
    entities: entitiesOf(message.message ?? "", message.entities ?? undefined),
    action: null
  }
}

/** A service message's details: its action, and its place in a forum (a topic's creation is in its own topic). */
export const serviceDetailsOf = (message: Api.MessageService, entities: ReadonlyMap<number, Entity>): MessageDetails => {
  const forum = isForum(message.peerId, entities)
  const reply = replyOf(message, forum)
  return {
    topicId: forum && message.action.className === "MessageActionTopicCreate" ? message.id : reply.topicId,
    replyToTopId: reply.replyToTopId,
    replyQuote: reply.replyQuote,
    forwardFromId: null,
    forwardFromName: null,
    forwardDate: null,
    forwardedFromMessageId: null,
    views: null,
    forwards: null,
    replies: null,
    discussionId: null,
    reactions: EMPTY_DETAILS.reactions,
    pinned: message.pinned === true,
    groupedId: null,
    viaBotId: null,
    entities: EMPTY_DETAILS.entities,
    action: message.action.className === "MessageActionPinMessage"
      ? { ...actionOf(message.action), message_id: pinnedOf(message) }
      : actionOf(message.action)
  }
}
