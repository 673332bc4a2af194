/**
 * The message details of issue 17 as a GramJS client receives them: views,
 * forwards, reactions (chosen per account), entities, forwards' origins,
 * albums, bots, service messages, quotes; comment threads of a broadcast
 * channel's posts in its linked discussion group (messages.getReplies,
 * getDiscussionMessage, MessageReplies); forum topics
 * (channels.getForumTopics, getForumTopicsByID, search's top_msg_id); lookups
 * by id; and the scenario errors of bad input.
 */
import { describe, expect, it } from "@effect/vitest"
import bigInt from "big-integer"
import { Api } from "telegram"
import { accessHash } from "../emulator/AccountView.js"
import { parseScenario } from "../emulator/Scenario.js"
import { World } from "../emulator/World.js"
import { type Caller, loggedIn, outcome } from "./WorldHarness.js"

const CUSTOM = "5368324170671202286"

export const threadScenario = {
  users: [
    { id: 1001, first_name: "Alice" },
    { id: 1002, first_name: "Bob" },
    { id: 1003, first_name: "Carol" },
    { id: 1005, first_name: "Helper", username: "helper_bot", bot: true }
  ],
  chats: [{ id: 2001, title: "Family", creator: 1001, members: [1001, 1002] }],
  channels: [
    { id: 3001, title: "News", megagroup: false, creator: 1003, linked_chat: 3002 },
    { id: 3002, title: "News chat", megagroup: true, creator: 1003 },
    { id: 3003, title: "Forum", megagroup: true, forum: true, creator: 1003, topics: [{ id: 2, pinned: true }, { id: 5, closed: true }] }
  ],
  accounts: [
    { user: 1001, dialogs: [{ peer: "user:1002" }, { peer: "chat:2001" }, { peer: "channel:3001" }, { peer: "channel:3003" }] },
    { user: 1002, dialogs: [{ peer: "user:1001" }, { peer: "channel:3001" }] }
  ],
  messages: [
    {
      peer: "channel:3001", id: 1, date: "2024-01-01 10:00:00", text: "First post", views: 500, forwards: 3,
      reactions: [
        { emoji: "👍", count: 3, chosen_by: [1001] },
        { custom_emoji_id: CUSTOM, count: 1 },
        { paid: true, count: 5, chosen_by: [1002] }
      ]
    },
    { peer: "channel:3001", id: 2, date: "2024-01-01 11:00:00", text: "Second post" },
    { peer: "channel:3001", id: 3, date: "2024-01-01 12:00:00", text: "Third post, no discussion" },
    { peer: "channel:3002", id: 1, date: "2024-01-01 10:00:01", discussion_of: 1 },
    { peer: "channel:3002", id: 2, date: "2024-01-01 11:00:01", discussion_of: 2 },
    { peer: "channel:3002", id: 3, date: "2024-01-01 10:05:00", from: "user:1003", text: "comment one", reply_to: 1, reply_to_top_id: 1 },
    { peer: "channel:3002", id: 4, date: "2024-01-01 10:06:00", from: "user:1002", text: "comment two", reply_to: 3, reply_to_top_id: 1, quote: "one" },
    { peer: "channel:3002", id: 5, date: "2024-01-01 10:07:00", from: "user:1003", text: "comment three", reply_to: 1 },
    { peer: "channel:3002", id: 6, date: "2024-01-01 13:00:00", from: "user:1003", text: "plain group message" },
    { peer: "channel:3002", id: 7, date: "2024-01-01 13:01:00", from: "user:1002", text: "reply to plain", reply_to: 6 },
    { peer: "channel:3003", id: 1, date: "2024-02-01 10:00:00", from: "user:1003", text: "hello general" },
    { peer: "channel:3003", id: 2, date: "2024-02-01 10:01:00", from: "user:1003", action: { type: "topic_create", title: "Rust", icon_emoji_id: CUSTOM } },
    { peer: "channel:3003", id: 3, date: "2024-02-01 10:02:00", from: "user:1001", text: "in rust", topic: 2 },
    { peer: "channel:3003", id: 4, date: "2024-02-01 10:03:00", from: "user:1003", text: "reply in rust", topic: 2, reply_to: 3, quote: "rust" },
    { peer: "channel:3003", id: 5, date: "2024-02-01 10:04:00", from: "user:1003", action: { type: "topic_create", title: "Closed one", icon_color: 0xff93b2 } },
    { peer: "channel:3003", id: 6, date: "2024-02-01 10:05:00", from: "user:1003", text: "in closed", topic: 5 },
    { peer: "channel:3003", id: 7, date: "2024-02-01 10:06:00", from: "user:1001", text: "general again" },
    { peer: "channel:3003", id: 8, date: "2024-02-01 10:07:00", from: "user:1001", action: { type: "topic_create", title: "Zeta" } },
    { peer: "channel:3003", id: 9, date: "2024-02-01 10:08:00", from: "user:1003", text: "zeta msg", topic: 8 },
    {
      peer: "user:1002", owner: 1001, id: 1, date: "2024-03-01 09:00:00", from: "user:1002",
      text: "see https://example.com and @bob #tag code here",
      entities: [
        { type: "url", offset: 4, length: 19 },
        { type: "mention", offset: 28, length: 4 },
        { type: "hashtag", offset: 33, length: 4 },
        { type: "code", offset: 38, length: 4 },
        { type: "text_url", offset: 43, length: 4, url: "https://example.org/here" },
        { type: "pre", offset: 0, length: 3, language: "ts" },
        { type: "bold", offset: 0, length: 3 },
        { type: "mention_name", offset: 28, length: 4, user_id: 1002 },
        { type: "custom_emoji", offset: 0, length: 1, custom_emoji_id: CUSTOM }
      ]
    },
    { peer: "user:1002", owner: 1001, id: 2, date: "2024-03-01 09:01:00", text: "from Carol", fwd_from: { user: 1003, date: "2024-02-28 08:00:00" } },
    { peer: "user:1002", owner: 1001, id: 3, date: "2024-03-01 09:02:00", text: "First post", fwd_from: { channel: 3001, channel_post: 1, date: "2024-01-01 10:00:00" } },
    { peer: "user:1002", owner: 1001, id: 4, date: "2024-03-01 09:03:00", text: "hidden", fwd_from: { name: "Hidden Person" } },
    { peer: "user:1002", owner: 1001, id: 5, date: "2024-03-01 09:04:00", text: "via a bot", via_bot: 1005 },
    { peer: "user:1002", owner: 1001, id: 6, date: "2024-03-01 09:05:00", pinned: true, grouped_id: "13579246801357924", media: { type: "photo", size: 1000 } },
    { peer: "user:1002", owner: 1001, id: 7, date: "2024-03-01 09:05:00", grouped_id: "13579246801357924", media: { type: "photo", size: 2000 } },
    { peer: "chat:2001", owner: 1001, id: 8, date: "2024-03-02 09:00:00", action: { type: "chat_create", title: "Family", users: [1001, 1002] } },
    { peer: "chat:2001", owner: 1001, id: 9, date: "2024-03-02 09:01:00", text: "important" },
    { peer: "chat:2001", owner: 1001, id: 10, date: "2024-03-02 09:02:00", action: { type: "pin_message" }, reply_to: 9 }
  ]
}

const input = (me: number, kind: "user" | "chat" | "channel", id: number): Api.TypeInputPeer =>
  kind === "user"
    ? new Api.InputPeerUser({ userId: bigInt(id), accessHash: accessHash(me, "user", id) })
    : kind === "chat"
    ? new Api.InputPeerChat({ chatId: bigInt(id) })
    : new Api.InputPeerChannel({ channelId: bigInt(id), accessHash: accessHash(me, "channel", id) })

const inputChannel = (me: number, id: number) => new Api.InputChannel({ channelId: bigInt(id), accessHash: accessHash(me, "channel", id) })

const page = { offsetId: 0, offsetDate: 0, addOffset: 0, limit: 100, maxId: 0, minId: 0, hash: bigInt.zero }

const history = async (c: Caller, peer: Api.TypeInputPeer) => {
  const r = await c.call(new Api.messages.GetHistory({ peer, ...page }))
  if (r.className === "messages.MessagesNotModified") throw new Error(r.className)
  return r
}

const byId = (messages: ReadonlyArray<Api.TypeMessage>) => new Map(messages.map((m) => [m.id, m]))

const plain = (m: Api.TypeMessage | undefined): Api.Message => {
  if (m?.className !== "Message") throw new Error(`expected a Message, got ${m?.className}`)
  return m
}

const service = (m: Api.TypeMessage | undefined): Api.MessageService => {
  if (m?.className !== "MessageService") throw new Error(`expected a MessageService, got ${m?.className}`)
  return m
}

const ids = (r: Api.messages.TypeMessages) => (r.className === "messages.MessagesNotModified" ? [] : r.messages.map((m) => m.id))

const world = () => World.fromScenario(threadScenario)

describe("message details", () => {
  it("views, forwards and reactions, chosen_order only for the account that chose", async () => {
    const w = world()
    const alice = await loggedIn(w, 1001)
    const bob = await loggedIn(w, 1002)
    const postOf = async (c: Caller) => plain(byId((await history(c, input(c === alice ? 1001 : 1002, "channel", 3001))).messages).get(1))
    const a = await postOf(alice)
    expect([a.views, a.forwards, a.post]).toEqual([500, 3, true])
    const results = a.reactions!.results
    expect(results.map((r) => r.reaction.className)).toEqual(["ReactionEmoji", "ReactionCustomEmoji", "ReactionPaid"])
    expect((results[0]!.reaction as Api.ReactionEmoji).emoticon).toBe("👍")
    expect((results[1]!.reaction as Api.ReactionCustomEmoji).documentId.toString()).toBe(CUSTOM)
    expect(results.map((r) => r.count)).toEqual([3, 1, 5])
    expect(results.map((r) => r.chosenOrder ?? null)).toEqual([0, null, null])
    const b = await postOf(bob)
    expect(b.reactions!.results.map((r) => r.chosenOrder ?? null)).toEqual([null, null, 0])
    // A post without views in the scenario still has Telegram's counters; one without reactions has none.
    const other = plain(byId((await history(alice, input(1001, "channel", 3001))).messages).get(3))
    expect(typeof other.views).toBe("number")
    expect(other.reactions ?? null).toBeNull()
  })

  it("entities, forward origins, via_bot, albums and pinned in a private chat", async () => {
    const w = world()
    const alice = await loggedIn(w, 1001)
    const r = await history(alice, input(1001, "user", 1002))
    const m = byId(r.messages)
    const ents = plain(m.get(1)).entities!
    expect(ents.map((e) => e.className)).toEqual([
      "MessageEntityUrl", "MessageEntityMention", "MessageEntityHashtag", "MessageEntityCode", "MessageEntityTextUrl",
      "MessageEntityPre", "MessageEntityBold", "MessageEntityMentionName", "MessageEntityCustomEmoji"
    ])
    expect(ents.map((e) => [e.offset, e.length])).toEqual([[4, 19], [28, 4], [33, 4], [38, 4], [43, 4], [0, 3], [0, 3], [28, 4], [0, 1]])
    expect((ents[4] as Api.MessageEntityTextUrl).url).toBe("https://example.org/here")
    expect((ents[5] as Api.MessageEntityPre).language).toBe("ts")
    expect((ents[7] as Api.MessageEntityMentionName).userId.toJSNumber()).toBe(1002)
    expect((ents[8] as Api.MessageEntityCustomEmoji).documentId.toString()).toBe(CUSTOM)

    const fromUser = plain(m.get(2)).fwdFrom!
    expect([(fromUser.fromId as Api.PeerUser).userId.toJSNumber(), fromUser.date, fromUser.fromName ?? null]).toEqual([
      1003, Date.UTC(2024, 1, 28, 8) / 1000, null
    ])
    const fromChannel = plain(m.get(3)).fwdFrom!
    expect([(fromChannel.fromId as Api.PeerChannel).channelId.toJSNumber(), fromChannel.channelPost, fromChannel.date]).toEqual([
      3001, 1, Date.UTC(2024, 0, 1, 10) / 1000
    ])
    expect(r.chats.some((c) => c.className === "Channel" && c.id.toJSNumber() === 3001)).toBe(true)
    const hidden = plain(m.get(4)).fwdFrom!
    expect([hidden.fromId ?? null, hidden.fromName]).toEqual([null, "Hidden Person"])
    expect(plain(m.get(5)).viaBotId!.toJSNumber()).toBe(1005)
    expect(r.users.find((u) => u.id.toJSNumber() === 1005)).toMatchObject({ bot: true })
    expect([plain(m.get(6)).groupedId!.toString(), plain(m.get(7)).groupedId!.toString()]).toEqual(["13579246801357924", "13579246801357924"])
    expect([plain(m.get(6)).pinned, plain(m.get(7)).pinned]).toEqual([true, false])
    expect(plain(m.get(2)).entities ?? null).toBeNull()
  })

  it("service messages: chat_create and pin_message, with no text or media", async () => {
    const w = world()
    const alice = await loggedIn(w, 1001)
    const m = byId((await history(alice, input(1001, "chat", 2001))).messages)
    const create = service(m.get(8))
    expect(create.action).toBeInstanceOf(Api.MessageActionChatCreate)
    const action = create.action as Api.MessageActionChatCreate
    expect([action.title, action.users.map((u) => u.toJSNumber())]).toEqual(["Family", [1001, 1002]])
    const pin = service(m.get(10))
    expect(pin.action.className).toBe("MessageActionPinMessage")
    expect(pin.replyTo?.replyToMsgId).toBe(9)
    expect(plain(m.get(9)).message).toBe("important")
  })

  it("messages.getMessages and channels.getMessages by id, MessageEmpty for unknown ids", async () => {
    const w = world()
    const alice = await loggedIn(w, 1001)
    const own = await alice.call(new Api.messages.GetMessages({ id: [1, 10, 999].map((id) => new Api.InputMessageID({ id })) }))
    if (own.className === "messages.MessagesNotModified") throw new Error(own.className)
    expect(own.messages.map((m) => [m.className, m.id])).toEqual([["Message", 1], ["MessageService", 10], ["MessageEmpty", 999]])
    const ch = await alice.call(new Api.channels.GetMessages({ channel: inputChannel(1001, 3001), id: [2, 99].map((id) => new Api.InputMessageID({ id })) }))
    if (ch.className === "messages.MessagesNotModified") throw new Error(ch.className)
    expect(ch.messages.map((m) => [m.className, m.id])).toEqual([["Message", 2], ["MessageEmpty", 99]])
  })
})

describe("comment threads", () => {
  it("a channel post counts its comments in the discussion group; both ends name each other", async () => {
    const w = world()
    const alice = await loggedIn(w, 1001)
    const posts = byId((await history(alice, input(1001, "channel", 3001))).messages)
    const replies = (id: number) => {
      const r = plain(posts.get(id)).replies
      return r === undefined || r === null ? null : { comments: r.comments ?? false, replies: r.replies, channel: r.channelId?.toJSNumber() ?? null, maxId: r.maxId ?? null }
    }
    expect(replies(1)).toEqual({ comments: true, replies: 3, channel: 3002, maxId: 5 })
    expect(replies(2)).toEqual({ comments: true, replies: 0, channel: 3002, maxId: null })
    expect(replies(3)).toBeNull()

    for (const [id, linked] of [[3001, 3002], [3002, 3001]] as const) {
      const full = await alice.call(new Api.channels.GetFullChannel({ channel: inputChannel(1001, id) }))
      expect((full.fullChat as Api.ChannelFull).linkedChatId?.toJSNumber()).toBe(linked)
      expect(full.chats.find((c) => c.id.toJSNumber() === id)).toMatchObject({ hasLink: true })
    }
  })

  it("the discussion group serves the post's copy as Telegram forwards it, and counts a supergroup's threads", async () => {
    const w = world()
    const alice = await loggedIn(w, 1001)
    const m = byId((await history(alice, input(1001, "channel", 3002))).messages)
    const copy = plain(m.get(1))
    expect(copy.message).toBe("First post")
    expect((copy.fromId as Api.PeerChannel).channelId.toJSNumber()).toBe(3001)
    const f = copy.fwdFrom!
    expect([(f.fromId as Api.PeerChannel).channelId.toJSNumber(), f.channelPost, (f.savedFromPeer as Api.PeerChannel).channelId.toJSNumber(), f.savedFromMsgId, f.date])
      .toEqual([3001, 1, 3001, 1, Date.UTC(2024, 0, 1, 10) / 1000])
    expect(copy.replies).toMatchObject({ replies: 3, comments: false })
    expect(plain(m.get(6)).replies).toMatchObject({ replies: 1, comments: false, maxId: 7 })
    expect(plain(m.get(7)).replies ?? null).toBeNull()
    const quoted = plain(m.get(4)).replyTo as Api.MessageReplyHeader
    expect([quoted.replyToMsgId, quoted.replyToTopId, quoted.quote, quoted.quoteText]).toEqual([3, 1, true, "one"])
    const noTop = plain(m.get(5)).replyTo as Api.MessageReplyHeader
    expect([noTop.replyToMsgId, noTop.replyToTopId ?? null, noTop.quote ?? false]).toEqual([1, null, false])
  })

  it("messages.getReplies pages a post's comments like getHistory, and a supergroup message's thread", async () => {
    const w = world()
    const alice = await loggedIn(w, 1001)
    const replies = (peer: Api.TypeInputPeer, msgId: number, q: Partial<typeof page> = {}) =>
      alice.call(new Api.messages.GetReplies({ peer, msgId, ...page, ...q }))
    const post = input(1001, "channel", 3001)
    const all = await replies(post, 1)
    expect(all.className).toBe("messages.ChannelMessages")
    expect(ids(all)).toEqual([5, 4, 3])
    expect((all as Api.messages.ChannelMessages).count).toBe(3)
    expect((all as Api.messages.ChannelMessages).chats.map((c) => c.id.toJSNumber())).toContain(3002)
    expect(ids(await replies(post, 1, { limit: 2 }))).toEqual([5, 4])
    expect(ids(await replies(post, 1, { offsetId: 4 }))).toEqual([3])
    expect(ids(await replies(post, 1, { offsetId: 4, addOffset: -1 }))).toEqual([4, 3])
    expect(ids(await replies(post, 1, { offsetDate: Date.UTC(2024, 0, 1, 10, 7) / 1000 }))).toEqual([4, 3])
    expect(ids(await replies(post, 1, { minId: 3 }))).toEqual([5, 4])
    expect(ids(await replies(post, 1, { maxId: 5 }))).toEqual([4, 3])
    expect(ids(await replies(post, 2))).toEqual([])
    expect(await outcome(replies(post, 3))).toBe("400 MSG_ID_INVALID")
    expect(await outcome(replies(post, 99))).toBe("400 MSG_ID_INVALID")
    const group = input(1001, "channel", 3002)
    expect(ids(await replies(group, 6))).toEqual([7])
    expect(ids(await replies(group, 1))).toEqual([5, 4, 3])
  })

  it("messages.getDiscussionMessage answers the copy and the thread's last id", async () => {
    const w = world()
    const alice = await loggedIn(w, 1001)
    const d = await alice.call(new Api.messages.GetDiscussionMessage({ peer: input(1001, "channel", 3001), msgId: 1 }))
    expect(d.messages.map((m) => [m.id, (m.peerId as Api.PeerChannel).channelId.toJSNumber()])).toEqual([[1, 3002]])
    expect([d.maxId, d.readInboxMaxId, d.unreadCount]).toEqual([5, 5, 0])
    expect(d.chats.map((c) => c.id.toJSNumber()).sort()).toEqual([3001, 3002])
    const empty = await alice.call(new Api.messages.GetDiscussionMessage({ peer: input(1001, "channel", 3001), msgId: 2 }))
    expect([empty.messages.map((m) => m.id), empty.maxId ?? null]).toEqual([[2], null])
    expect(await outcome(alice.call(new Api.messages.GetDiscussionMessage({ peer: input(1001, "channel", 3001), msgId: 3 })))).toBe("400 MSG_ID_INVALID")
  })
})

describe("forums", () => {
  const topics = (c: Caller, q: Partial<{ q: string; offsetDate: number; offsetId: number; offsetTopic: number; limit: number }> = {}) =>
    c.call(new Api.channels.GetForumTopics({ channel: inputChannel(1001, 3003), offsetDate: 0, offsetId: 0, offsetTopic: 0, limit: 100, ...q }))
  const topicIds = (r: Api.messages.ForumTopics) => r.topics.map((t) => t.id)

  it("serves topic messages with forum reply headers, General's without", async () => {
    const w = world()
    const alice = await loggedIn(w, 1001)
    const r = await history(alice, input(1001, "channel", 3003))
    expect(ids(r)).toEqual([9, 8, 7, 6, 5, 4, 3, 2, 1])
    expect(r.chats.find((c) => c.id.toJSNumber() === 3003)).toMatchObject({ forum: true, megagroup: true })
    const m = byId(r.messages)
    const header = (id: number) => {
      const h = (m.get(id) as Api.Message | Api.MessageService).replyTo as Api.MessageReplyHeader | undefined
      return h === undefined || h === null
        ? null
        : { forum: h.forumTopic ?? false, to: h.replyToMsgId ?? null, top: h.replyToTopId ?? null, quote: h.quoteText ?? null }
    }
    expect(header(1)).toBeNull()
    expect(header(7)).toBeNull()
    expect(header(2)).toBeNull()
    expect(header(3)).toEqual({ forum: true, to: 2, top: null, quote: null })
    expect(header(4)).toEqual({ forum: true, to: 3, top: 2, quote: "rust" })
    const create = service(m.get(2)).action as Api.MessageActionTopicCreate
    expect([create.title, create.iconColor, create.iconEmojiId?.toString()]).toEqual(["Rust", 0x6fb9f0, CUSTOM])
    expect(plain(m.get(3)).replies ?? null).toBeNull()
  })

  it("channels.getForumTopics: pinned first, then by latest message; q; paging; state", async () => {
    const w = world()
    const alice = await loggedIn(w, 1001)
    const all = await topics(alice)
    expect(topicIds(all)).toEqual([2, 8, 1, 5])
    expect(all.count).toBe(4)
    const t = new Map(all.topics.map((x) => [x.id, x as Api.ForumTopic]))
    expect(t.get(2)).toMatchObject({ title: "Rust", pinned: true, closed: false, topMessage: 4, iconColor: 0x6fb9f0 })
    expect(t.get(2)!.iconEmojiId!.toString()).toBe(CUSTOM)
    expect(t.get(5)).toMatchObject({ title: "Closed one", closed: true, pinned: false, topMessage: 6, iconColor: 0xff93b2 })
    expect(t.get(1)).toMatchObject({ title: "General", topMessage: 7 })
    expect(t.get(8)).toMatchObject({ title: "Zeta", my: true, topMessage: 9 })
    expect(t.get(2)!.date).toBe(Date.UTC(2024, 1, 1, 10, 1) / 1000)
    expect(all.messages.map((m) => m.id)).toEqual([9, 7, 6, 4])

    expect(topicIds(await topics(alice, { q: "rUsT" }))).toEqual([2])
    const withE = await topics(alice, { q: "e" })
    expect([topicIds(withE), withE.count]).toEqual([[8, 1, 5], 3])

    const first = await topics(alice, { limit: 2 })
    expect([topicIds(first), first.count]).toEqual([[2, 8], 4])
    const last = first.topics.at(-1) as Api.ForumTopic
    const lastDate = first.messages.find((m) => m.id === last.topMessage)!
    const second = await topics(alice, { limit: 2, offsetTopic: last.id, offsetId: last.topMessage, offsetDate: (lastDate as Api.Message).date })
    expect(topicIds(second)).toEqual([1, 5])
    expect(topicIds(await topics(alice, { limit: 2, offsetId: 9, offsetDate: Date.UTC(2024, 1, 1, 10, 8) / 1000 }))).toEqual([1, 5])

    const some = await alice.call(new Api.channels.GetForumTopicsByID({ channel: inputChannel(1001, 3003), topics: [5, 1, 99] }))
    expect(some.topics.map((x) => [x.className, x.id])).toEqual([["ForumTopic", 5], ["ForumTopic", 1], ["ForumTopicDeleted", 99]])
    expect(await outcome(alice.call(new Api.channels.GetForumTopics({ channel: inputChannel(1001, 3001), offsetDate: 0, offsetId: 0, offsetTopic: 0, limit: 10 }))))
      .toBe("400 CHANNEL_FORUM_MISSING")
  })

  it("a topic's messages through getReplies and search's top_msg_id", async () => {
    const w = world()
    const alice = await loggedIn(w, 1001)
    const forum = input(1001, "channel", 3003)
    const replies = (msgId: number) => alice.call(new Api.messages.GetReplies({ peer: forum, msgId, ...page }))
    expect(ids(await replies(2))).toEqual([4, 3, 2])
    expect(ids(await replies(1))).toEqual([7, 1])
    expect(ids(await replies(5))).toEqual([6, 5])
    const search = (q: string, topMsgId?: number) =>
      alice.call(
        new Api.messages.Search({
          peer: forum, q, filter: new Api.InputMessagesFilterEmpty(), minDate: 0, maxDate: 0, offsetId: 0, addOffset: 0, limit: 100,
          maxId: 0, minId: 0, hash: bigInt.zero, ...(topMsgId === undefined ? {} : { topMsgId })
        })
      )
    expect(ids(await search("in"))).toEqual([7, 6, 4, 3])
    expect(ids(await search("in", 2))).toEqual([4, 3])
    expect(ids(await search("", 5))).toEqual([6, 5])
    expect(ids(await search("general", 1))).toEqual([7, 1])
    // A supergroup's reply thread too.
    const group = input(1001, "channel", 3002)
    const inThread = await alice.call(
      new Api.messages.Search({
        peer: group, q: "comment", filter: new Api.InputMessagesFilterEmpty(), minDate: 0, maxDate: 0, offsetId: 0, addOffset: 0,
        limit: 100, maxId: 0, minId: 0, hash: bigInt.zero, topMsgId: 1
      })
    )
    expect(ids(inThread)).toEqual([5, 4, 3])
  })
})

describe("bad scenario input", () => {
  const withMessage = (extra: Record<string, unknown>, peer = "channel:3003") =>
    ({ ...threadScenario, messages: [...threadScenario.messages, { peer, date: "2024-05-01 00:00:00", text: "x", from: "user:1003", ...extra }] })
  const last = `messages[${threadScenario.messages.length}]`
  const cases: Array<[string, unknown, string]> = [
    ["a topic that does not exist", withMessage({ topic: 3 }), `${last}.topic: channel:3003 has no topic 3`],
    ["a topic outside a forum", withMessage({ topic: 2 }, "channel:3002"), `${last}.topic: channel:3002 is not a forum`],
    ["via_bot naming a person", withMessage({ via_bot: 1002 }), `${last}.via_bot: user 1002 is not a bot`],
    ["an entity past the text", withMessage({ entities: [{ type: "bold", offset: 0, length: 2 }] }), `${last}.entities[0]: offset 0 + length 2 is past the end`],
    ["a text_url without url", withMessage({ entities: [{ type: "text_url", offset: 0, length: 1 }] }), `${last}.entities[0].url: required for a text_url entity`],
    ["a url on a bold entity", withMessage({ entities: [{ type: "bold", offset: 0, length: 1, url: "x" }] }), `${last}.entities[0].url: only a text_url entity has url`],
    ["an unknown entity type", withMessage({ entities: [{ type: "blink", offset: 0, length: 1 }] }), `${last}.entities[0].type`],
    ["a reaction of two kinds", withMessage({ reactions: [{ emoji: "👍", paid: true, count: 1 }] }), `${last}.reactions[0]: give exactly one of`],
    ["a reaction chosen by a non-account", withMessage({ reactions: [{ emoji: "👍", count: 1, chosen_by: [1003] }] }), `${last}.reactions[0].chosen_by[0]: 1003 is not an account`],
    ["more choosers than the count", withMessage({ reactions: [{ emoji: "👍", count: 1, chosen_by: [1001, 1002] }] }), `${last}.reactions[0].count`],
    ["a bad grouped_id", withMessage({ grouped_id: "12x" }), `${last}.grouped_id`],
    ["a quote without reply_to", withMessage({ quote: "x" }), `${last}.quote: needs reply_to`],
    ["reply_to_top_id without reply_to", withMessage({ reply_to_top_id: 1 }, "channel:3002"), `${last}.reply_to_top_id: needs reply_to`],
    ["a service message with text", withMessage({ action: { type: "history_clear" } }), `${last}.text: a service message (action) has no text`],
    ["an action missing a field", withMessage({ text: "", action: { type: "chat_create", users: [1001] } }), `${last}.action.title: required for a chat_create action`],
    ["an action with a foreign field", withMessage({ text: "", action: { type: "pin_message", title: "x" } }), `${last}.action.title: a pin_message action has no title`],
    ["pin_message without reply_to", withMessage({ text: "", action: { type: "pin_message" } }), `${last}.reply_to: a pin_message action names the pinned message`],
    ["topic_create outside a forum", withMessage({ text: "", action: { type: "topic_create", title: "T" } }, "channel:3002"), `${last}.action: topic_create is only in a forum`],
    ["a copy of a post that does not exist", withMessage({ discussion_of: 9, from: undefined }, "channel:3002"), `${last}.discussion_of: channel:3001 has no post 9`],
    ["a second copy of a post", withMessage({ discussion_of: 1, from: undefined }, "channel:3002"), `${last}.discussion_of: post 1 already has its copy`],
    ["a copy outside a discussion group", withMessage({ discussion_of: 1, from: undefined }), `${last}.discussion_of: channel:3003 is not the linked_chat`]
  ]
  for (const [name, json, error] of cases) {
    it(name, () => {
      expect(() => parseScenario(json)).toThrow(error)
    })
  }

  it("channel fields", () => {
    const channels = (patch: (c: Array<Record<string, unknown>>) => void) => {
      const list = threadScenario.channels.map((c) => ({ ...c })) as Array<Record<string, unknown>>
      patch(list)
      return { ...threadScenario, channels: list }
    }
    expect(() => parseScenario(channels((c) => (c[1]!.linked_chat = 3001)))).toThrow("channels[1].linked_chat: give linked_chat on the broadcast channel")
    expect(() => parseScenario(channels((c) => (c[0]!.linked_chat = 3003)))).toThrow("channels[0].linked_chat: channel 3003 is not a megagroup")
    expect(() => parseScenario(channels((c) => (c[0]!.forum = true)))).toThrow("channels[0].forum: only a megagroup can be a forum")
    expect(() => parseScenario(channels((c) => (c[2]!.topics = [{ id: 3 }])))).toThrow("channels[2].topics[0].id: channel:3003 has no topic 3")
    expect(() => parseScenario(channels((c) => (c[1]!.topics = [{ id: 1 }])))).toThrow("channels[1].topics: only a forum")
  })
})
