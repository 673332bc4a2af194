/**
 * Full information on groups and channels (participant counts), and
 * lookups of channels, basic groups and channel messages by id; forum
 * topics (channels.getForumTopics, getForumTopicsByID; Threads.ts).
 */
import bigInt from "big-integer"
import { Api } from "telegram"
import { type AccountView, EntityRefs } from "../AccountView.js"
import { RpcError } from "../RpcContext.js"
import type { HandlerTable } from "./Handler.js"
import { pageLimit, toNumber } from "./Handler.js"
import { forumTopics, linkedBroadcast, orderedTopics, type TopicInfo } from "../Threads.js"

const notifySettings = (muted: boolean) =>
  new Api.PeerNotifySettings({ showPreviews: true, silent: false, ...(muted ? { muteUntil: 2147483647 } : {}) })

/** The forum an InputChannel names; CHANNEL_FORUM_MISSING when it is not one. */
const forumOf = (view: AccountView, input: unknown): number => {
  const id = view.channelOf(input)
  if (!view.world.channels.get(id)!.forum) throw new RpcError(400, "CHANNEL_FORUM_MISSING")
  return id
}

/** messages.ForumTopics: the topics (a number is a topic that does not exist), their top messages, and who they name. */
const forumTopicsResult = (
  view: AccountView,
  channelId: number,
  topics: ReadonlyArray<TopicInfo | number>,
  count: number
): Api.messages.ForumTopics => {
  const peer = { kind: "channel", id: channelId } as const
  const timeline = view.world.timelineOf(peer, null)!
  const refs = new EntityRefs().add(peer)
  const tops = [...new Set(topics.flatMap((t) => (typeof t === "number" || t.topMessage === 0 ? [] : [t.topMessage])))]
  return new Api.messages.ForumTopics({
    count,
    topics: topics.map((t) => {
      if (typeof t === "number") return new Api.ForumTopicDeleted({ id: t })
      refs.add(t.creator)
      return new Api.ForumTopic({
        id: t.id,
        date: t.date,
        title: t.title,
        iconColor: t.iconColor,
        ...(t.iconEmojiId === null ? {} : { iconEmojiId: bigInt(t.iconEmojiId) }),
        topMessage: t.topMessage,
        readInboxMaxId: t.topMessage,
        readOutboxMaxId: t.topMessage,
        unreadCount: 0,
        unreadMentionsCount: 0,
        unreadReactionsCount: 0,
        fromId: view.peer(t.creator),
        notifySettings: notifySettings(false),
        my: t.creator.kind === "user" && t.creator.id === view.me,
        closed: t.closed,
        pinned: t.pinned,
        hidden: t.hidden
      })
    }),
    messages: tops.sort((a, b) => b - a).map((id) => view.message(timeline, timeline.message(id)!, refs)),
    pts: view.world.updates.channelPts(channelId),
    ...view.entities(refs)
  })
}

export const channelHandlers: HandlerTable = {
  "channels.GetFullChannel": (req: Api.channels.GetFullChannel, ctx, world) => {
    const view = world.viewOf(ctx)
    const id = view.channelOf(req.channel)
    const channel = world.channels.get(id)!
    const peer = { kind: "channel", id } as const
    const timeline = world.timelineOf(peer, null)!
    const dialog = view.dialogOf(peer)
    const refs = new EntityRefs().add(peer)
    if (channel.creator !== null) refs.add({ kind: "user", id: channel.creator })
    // The discussion group of a broadcast channel, or the channel a discussion group belongs to.
    const linked = channel.linkedChat ?? linkedBroadcast(world, id)
    if (linked !== null) refs.add({ kind: "channel", id: linked })
    return new Api.messages.ChatFull({
      fullChat: new Api.ChannelFull({
        id: bigInt(id),
        about: channel.about,
        participantsCount: channel.participantsCount,
        canViewParticipants: channel.megagroup,
        readInboxMaxId: timeline.topId,
        readOutboxMaxId: timeline.topId,
        unreadCount: dialog?.unreadCount ?? 0,
        chatPhoto: new Api.PhotoEmpty({ id: bigInt.zero }),
        notifySettings: notifySettings(dialog?.muted ?? false),
        botInfo: [],
        pts: world.updates.channelPts(id),
        ...(linked === null ? {} : { linkedChatId: bigInt(linked) }),
        ...(dialog?.archived ? { folderId: 1 } : {})
      }),
      ...view.entities(refs)
    })
  },

  "messages.GetFullChat": (req: Api.messages.GetFullChat, ctx, world) => {
    const view = world.viewOf(ctx)
    const id = toNumber(req.chatId)
    if (!view.canSeeChat(id)) throw new RpcError(400, "CHAT_ID_INVALID")
    const chat = world.chats.get(id)!
    const dialog = view.dialogOf({ kind: "chat", id })
    const refs = new EntityRefs().add({ kind: "chat", id })
    for (const member of chat.members) refs.add({ kind: "user", id: member })
    return new Api.messages.ChatFull({
      fullChat: new Api.ChatFull({
        id: bigInt(id),
        about: "",
        participants: new Api.ChatParticipants({
          chatId: bigInt(id),
          participants: chat.members.map((userId) =>
            userId === chat.creator
              ? new Api.ChatParticipantCreator({ userId: bigInt(userId) })
              : new Api.ChatParticipant({ userId: bigInt(userId), inviterId: bigInt(chat.creator ?? userId), date: chat.date })
          ),
          version: 1
        }),
        notifySettings: notifySettings(dialog?.muted ?? false),
        ...(dialog?.archived ? { folderId: 1 } : {})
      }),
      ...view.entities(refs)
    })
  },

  "channels.GetMessages": (req: Api.channels.GetMessages, ctx, world) => {
    const view = world.viewOf(ctx)
    const id = view.channelOf(req.channel)
    const timeline = world.timelineOf({ kind: "channel", id }, null)!
    const refs = new EntityRefs().add({ kind: "channel", id })
    const messages = req.id.map((input): Api.TypeMessage => {
      const messageId = input.className === "InputMessageID" ? input.id : 0
      const m = timeline.message(messageId)
      return m === undefined ? new Api.MessageEmpty({ id: messageId }) : view.message(timeline, m, refs)
    })
    return new Api.messages.ChannelMessages({
      pts: world.updates.channelPts(id),
      count: messages.length,
      messages,
      topics: [],
      ...view.entities(refs)
    })
  },

  "channels.GetForumTopics": (req: Api.channels.GetForumTopics, ctx, world) => {
    const view = world.viewOf(ctx)
    const id = forumOf(view, req.channel)
    const needle = (req.q ?? "").trim().toLowerCase()
    const matching = orderedTopics(forumTopics(world, id)).filter((t) => t.title.toLowerCase().includes(needle))
    let rest = matching
    if (req.offsetTopic > 0 || req.offsetDate > 0 || req.offsetId > 0) {
      // The next page starts after the last topic of the previous one: offset_topic, else its top message's date and id.
      const at = req.offsetTopic > 0 ? matching.findIndex((t) => t.id === req.offsetTopic) : -1
      rest = at >= 0 ? matching.slice(at + 1) : matching.filter((t) =>
        !t.pinned && (req.offsetDate > 0
          ? t.topDate < req.offsetDate || (t.topDate === req.offsetDate && req.offsetId > 0 && t.topMessage < req.offsetId)
          : t.topMessage < req.offsetId)
      )
    }
    return forumTopicsResult(view, id, rest.slice(0, pageLimit(req.limit)), matching.length)
  },

  "channels.GetForumTopicsByID": (req: Api.channels.GetForumTopicsByID, ctx, world) => {
    const view = world.viewOf(ctx)
    const id = forumOf(view, req.channel)
    const all = forumTopics(world, id)
    const wanted = req.topics.map((topicId) => all.find((t) => t.id === topicId) ?? topicId)
    return forumTopicsResult(view, id, wanted, wanted.length)
  },

  "channels.GetChannels": (req: Api.channels.GetChannels, ctx, world) => {
    const view = world.viewOf(ctx)
    return new Api.messages.Chats({ chats: req.id.map((input) => view.channel(view.channelOf(input))) })
  },

  "messages.GetChats": (req: Api.messages.GetChats, ctx, world) => {
    const view = world.viewOf(ctx)
    const ids = req.id.map(toNumber).filter((id) => view.canSeeChat(id))
    return new Api.messages.Chats({ chats: ids.map((id) => view.chat(id)) })
  }
}
