/**
 * Full information on groups and channels (participant counts), and
 * lookups of channels, basic groups and channel messages by id.
 */
import bigInt from "big-integer"
import { Api } from "telegram"
import { EntityRefs } from "../AccountView.js"
import { RpcError } from "../RpcContext.js"
import type { HandlerTable } from "./Handler.js"
import { toNumber } from "./Handler.js"

const notifySettings = (muted: boolean) =>
  new Api.PeerNotifySettings({ showPreviews: true, silent: false, ...(muted ? { muteUntil: 2147483647 } : {}) })

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
        pts: timeline.count + 1,
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
      pts: timeline.count + 1,
      count: messages.length,
      messages,
      topics: [],
      ...view.entities(refs)
    })
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
