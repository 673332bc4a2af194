/** What GramJS messages carry beyond the contract's fields, as the domain's MessageDetails. */
import bigInt from "big-integer"
import { Api } from "telegram"
import { describe, expect, it } from "vitest"
import { indexEntities, messagesOf } from "../../../src/adapters/telegram/Mapping.js"
import { EMPTY_DETAILS } from "../../../src/domain/MessageDetails.js"

const CHANNEL = 3001
const FORUM = 3005
const GROUP = 2001

const channel = (id: number, fields: Partial<ConstructorParameters<typeof Api.Channel>[0]> = {}) =>
  new Api.Channel({ id: bigInt(id), title: `channel ${id}`, photo: new Api.ChatPhotoEmpty(), date: 0, ...fields })

const users = [
  new Api.User({ id: bigInt(1002), firstName: "Bob", lastName: "Stone" }),
  new Api.User({ id: bigInt(1003), username: "carol_only" }),
  new Api.User({ id: bigInt(1009), bot: true, firstName: "Helper" })
]
const chats = [
  channel(CHANNEL),
  channel(FORUM, { megagroup: true, forum: true, title: "Forum" }),
  new Api.Chat({ id: bigInt(GROUP), title: "Family", photo: new Api.ChatPhotoEmpty(), participantsCount: 3, date: 0, version: 1 })
]

const inChannel = (id: number, fields: Partial<ConstructorParameters<typeof Api.Message>[0]> = {}, peer = CHANNEL) =>
  new Api.Message({ id, peerId: new Api.PeerChannel({ channelId: bigInt(peer) }), date: 1_700_000_000, message: "", ...fields })

const detailsOf = (...messages: Array<Api.TypeMessage>) =>
  messagesOf(new Api.messages.Messages({ messages, users, chats, topics: [] } as never), 1001).messages.map((m) => m.details)

describe("message details", () => {
  it("a plain message has none: the shared empty value's fields", () => {
    expect(detailsOf(inChannel(1, { message: "hello" }))).toEqual([EMPTY_DETAILS])
  })

  it("views, forwards, replies with the discussion group, pinned, album, via bot", () => {
    const [d] = detailsOf(inChannel(7, {
      views: 1200,
      forwards: 3,
      replies: new Api.MessageReplies({ comments: true, replies: 4, repliesPts: 1, channelId: bigInt(3002) }),
      pinned: true,
      groupedId: bigInt("13494839587293847123"),
      viaBotId: bigInt(1009)
    }))
    expect(d).toMatchObject({
      views: 1200,
      forwards: 3,
      replies: 4,
      discussionId: -1000000003002,
      pinned: true,
      groupedId: "13494839587293847123",
      viaBotId: 1009
    })
  })

  it("a supergroup thread's replies carry no discussion group", () => {
    const [d] = detailsOf(inChannel(8, { replies: new Api.MessageReplies({ replies: 2, repliesPts: 1 }) }, FORUM))
    expect(d).toMatchObject({ replies: 2, discussionId: null })
  })

  it("forwards: the original sender's name when Telegram shows who, else the hidden sender's name", () => {
    const [fromUser, fromChannel, hidden, unknownUser] = detailsOf(
      inChannel(1, { fwdFrom: new Api.MessageFwdHeader({ fromId: new Api.PeerUser({ userId: bigInt(1002) }), date: 1_600_000_000 }) }),
      inChannel(2, {
        fwdFrom: new Api.MessageFwdHeader({ fromId: new Api.PeerChannel({ channelId: bigInt(CHANNEL) }), date: 1_600_000_100, channelPost: 55 })
      }),
      inChannel(3, { fwdFrom: new Api.MessageFwdHeader({ fromName: "Anonymous Owl", date: 1_600_000_200 }) }),
      inChannel(4, { fwdFrom: new Api.MessageFwdHeader({ fromId: new Api.PeerUser({ userId: bigInt(4242) }), date: 1_600_000_300 }) })
    )
    expect(fromUser).toMatchObject({ forwardFromId: 1002, forwardFromName: "Bob Stone", forwardDate: 1_600_000_000, forwardedFromMessageId: null })
    expect(fromChannel).toMatchObject({ forwardFromId: -1000000003001, forwardFromName: "channel 3001", forwardedFromMessageId: 55 })
    expect(hidden).toMatchObject({ forwardFromId: null, forwardFromName: "Anonymous Owl", forwardDate: 1_600_000_200 })
    expect(unknownUser).toMatchObject({ forwardFromId: 4242, forwardFromName: null })
  })

  it("reactions: emoji, custom emoji and paid, chosen when the account reacted", () => {
    const [d] = detailsOf(inChannel(1, {
      reactions: new Api.MessageReactions({
        results: [
          new Api.ReactionCount({ reaction: new Api.ReactionEmoji({ emoticon: "👍" }), count: 3, chosenOrder: 0 }),
          new Api.ReactionCount({ reaction: new Api.ReactionCustomEmoji({ documentId: bigInt("5368324170671202286") }), count: 1 }),
          new Api.ReactionCount({ reaction: new Api.ReactionPaid(), count: 5 })
        ]
      })
    }))
    expect(d?.reactions).toEqual([
      { kind: "emoji", emoji: "👍", count: 3, chosen: true },
      { kind: "custom_emoji", customEmojiId: "5368324170671202286", count: 1, chosen: false },
      { kind: "paid", count: 5, chosen: false }
    ])
  })

  it("entities with UTF-16 offsets; a url's text, a text link's target, a mention's user, a code block's language", () => {
    const text = "😀 see https://a.example #tag @bob code"
    const [d] = detailsOf(inChannel(1, {
      message: text,
      entities: [
        new Api.MessageEntityUrl({ offset: 7, length: 17 }),
        new Api.MessageEntityTextUrl({ offset: 3, length: 3, url: "https://b.example/x" }),
        new Api.MessageEntityHashtag({ offset: 25, length: 4 }),
        new Api.MessageEntityMentionName({ offset: 30, length: 4, userId: bigInt(1002) }),
        new Api.MessageEntityPre({ offset: 35, length: 4, language: "ts" }),
        new Api.MessageEntityCode({ offset: 35, length: 4 }),
        new Api.MessageEntityCustomEmoji({ offset: 0, length: 2, documentId: bigInt("5368324170671202286") })
      ]
    }))
    expect(d?.entities).toEqual([
      { type: "url", offset: 7, length: 17, url: "https://a.example" },
      { type: "text_url", offset: 3, length: 3, url: "https://b.example/x" },
      { type: "hashtag", offset: 25, length: 4 },
      { type: "mention_name", offset: 30, length: 4, userId: 1002 },
      { type: "pre", offset: 35, length: 4, language: "ts" },
      { type: "code", offset: 35, length: 4 },
      { type: "custom_emoji", offset: 0, length: 2, customEmojiId: "5368324170671202286" }
    ])
  })

  it("replies: the thread's root and the quoted text", () => {
    const [d] = detailsOf(inChannel(9, {
      replyTo: new Api.MessageReplyHeader({ replyToMsgId: 8, replyToTopId: 5, quote: true, quoteText: "the part quoted" })
    }))
    expect(d).toMatchObject({ replyToTopId: 5, replyQuote: "the part quoted", topicId: null })
  })

  it("forum topics: the topic's id from the reply header, General (1) without one; null outside forums", () => {
    const [general, inTopic, replyInTopic, notForum] = detailsOf(
      inChannel(20, {}, FORUM),
      inChannel(21, { replyTo: new Api.MessageReplyHeader({ forumTopic: true, replyToMsgId: 12 }) }, FORUM),
      inChannel(22, { replyTo: new Api.MessageReplyHeader({ forumTopic: true, replyToMsgId: 21, replyToTopId: 12 }) }, FORUM),
      inChannel(23, { replyTo: new Api.MessageReplyHeader({ replyToMsgId: 1 }) })
    )
    expect([general, inTopic, replyInTopic, notForum].map((d) => d?.topicId)).toEqual([1, 12, 12, null])
  })

  it("service messages: the action in the contract's form; a topic's creation is in its own topic", () => {
    const service = (id: number, action: Api.TypeMessageAction, peer: Api.TypePeer, fields = {}) =>
      new Api.MessageService({ id, peerId: peer, date: 1_700_000_000, action, ...fields })
    const group = new Api.PeerChat({ chatId: bigInt(GROUP) })
    const forum = new Api.PeerChannel({ channelId: bigInt(FORUM) })
    const [create, add, pin, topic] = detailsOf(
      service(1, new Api.MessageActionChatCreate({ title: "Family", users: [bigInt(1001), bigInt(1002)] }), group),
      service(2, new Api.MessageActionChatAddUser({ users: [bigInt(1003)] }), group),
      service(3, new Api.MessageActionPinMessage(), group, { replyTo: new Api.MessageReplyHeader({ replyToMsgId: 2 }) }),
      service(12, new Api.MessageActionTopicCreate({ title: "Releases", iconColor: 7322096 }), forum)
    )
    expect(create?.action).toEqual({ type: "chat_create", title: "Family", users: [1001, 1002] })
    expect(add?.action).toEqual({ type: "add_user", users: [1003] })
    expect(pin?.action).toEqual({ type: "pin_message", message_id: 2 })
    expect(topic?.action).toEqual({ type: "topic_create", title: "Releases", icon_color: 7322096, icon_emoji_id: null })
    expect(topic?.topicId).toBe(12)
    expect(create?.topicId).toBe(null)
  })
})

describe("indexEntities", () => {
  it("knows the forum by its marked id", () => {
    expect(indexEntities(users, chats).get(-1000000003005)?.className).toBe("Channel")
  })
})
