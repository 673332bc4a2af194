/**
 * GramJS TL objects to domain values. Nothing GramJS-shaped leaves this
 * adapter: ids are marked numbers, dates epoch seconds, media described by
 * its category and an opaque locator.
 */
import { Api } from "telegram"
import type { DialogKind, DialogRecord, FolderRule } from "../../domain/Dialog.js"
import type { MessageRecord } from "../../domain/Message.js"
import { markPeerId } from "../../domain/PeerId.js"
import { num } from "./Longs.js"
import { peerToMarkedId } from "./PeerIds.js"
import { mediaOf } from "./MediaMapping.js"
import { detailsOf, serviceDetailsOf } from "./DetailsMapping.js"
import { AccountId, DialogId, MessageId } from "../../domain/Ids.js"
import type { AccountInfo } from "../../ports/TelegramGateway.js"

export { peerToMarkedId }

export interface EntityNames {
  readonly firstName: string | null
  readonly lastName: string | null
  readonly username: string | null
  readonly title: string | null
}

export type Entity = Api.TypeUser | Api.TypeChat

export const entityMarkedId = (entity: Entity): number | null => {
  switch (entity.className) {
    case "User":
    case "UserEmpty":
      return markPeerId("user", num(entity.id))
    case "Chat":
    case "ChatEmpty":
    case "ChatForbidden":
      return markPeerId("chat", num(entity.id))
    case "Channel":
    case "ChannelForbidden":
      return markPeerId("channel", num(entity.id))
    default:
      return null
  }
}

export const entityNames = (entity: Entity): EntityNames => {
  if (entity.className === "User") {
    return {
      firstName: entity.firstName ?? null,
      lastName: entity.lastName ?? null,
      username: entity.username ?? entity.usernames?.[0]?.username ?? null,
      title: null
    }
  }
  if (entity.className === "Channel") {
    return { firstName: entity.title, lastName: null, username: entity.username ?? entity.usernames?.[0]?.username ?? null, title: entity.title }
  }
  if ("title" in entity && typeof entity.title === "string") {
    return { firstName: entity.title, lastName: null, username: null, title: entity.title }
  }
  return { firstName: null, lastName: null, username: null, title: null }
}

export const indexEntities = (users: ReadonlyArray<Api.TypeUser>, chats: ReadonlyArray<Api.TypeChat>) => {
  const byId = new Map<number, Entity>()
  for (const e of [...users, ...chats]) {
    const id = entityMarkedId(e)
    if (id !== null) byId.set(id, e)
  }
  return byId
}

// ---------------------------------------------------------------------------
// Messages

export const messageOf = (
  message: Api.Message,
  entities: ReadonlyMap<number, Entity>,
  selfId: number
): MessageRecord => {
  const chatId = peerToMarkedId(message.peerId)
  let senderId = peerToMarkedId(message.fromId)
  if (senderId === null) {
    // Channel posts and (in real Telegram) incoming private messages carry no from_id.
    if (message.peerId?.className === "PeerUser") senderId = message.out ? markPeerId("user", selfId) : chatId
    else senderId = chatId
  }
  const sender = senderId === null ? undefined : entities.get(senderId)
  const names = sender === undefined ? null : entityNames(sender)
  const fwd = message.fwdFrom
  const forwardedFrom = fwd?.fromId?.className === "PeerChannel" ? peerToMarkedId(fwd.fromId) : null
  const replyTo = message.replyTo?.className === "MessageReplyHeader" ? message.replyTo.replyToMsgId ?? null : null
  return {
    id: MessageId(message.id),
    date: message.date,
    editDate: message.editDate ?? null,
    senderId,
    senderFirstName: names?.firstName ?? null,
    senderLastName: names?.lastName ?? null,
    senderUsername: names?.username ?? null,
    text: message.message ?? "",
    replyTo,
    postAuthor: message.postAuthor ?? null,
    isForwarded: fwd !== undefined && fwd !== null,
    forwardedFromChannelId: forwardedFrom,
    media: mediaOf(message.media),
    details: detailsOf(message, entities)
  }
}

/** Service messages (joins, pins, ...) become records with their action as text-less media-free entries. */
export const serviceMessageOf = (message: Api.MessageService, entities: ReadonlyMap<number, Entity>): MessageRecord => {
  const senderId = peerToMarkedId(message.fromId) ?? peerToMarkedId(message.peerId)
  const sender = senderId === null ? undefined : entities.get(senderId)
  const names = sender === undefined ? null : entityNames(sender)
  return {
    id: MessageId(message.id),
    date: message.date,
    editDate: null,
    senderId,
    senderFirstName: names?.firstName ?? null,
    senderLastName: names?.lastName ?? null,
    senderUsername: names?.username ?? null,
    text: "",
    replyTo: null,
    postAuthor: null,
    isForwarded: false,
    forwardedFromChannelId: null,
    media: null,
    details: serviceDetailsOf(message, entities)
  }
}

export const messagesOf = (
  result: Api.messages.TypeMessages,
  selfId: number
): { messages: Array<MessageRecord>; count: number; ids: Array<number>; entities: Map<number, Entity> } => {
  if (result.className === "messages.MessagesNotModified") return { messages: [], count: result.count, ids: [], entities: new Map() }
  const entities = indexEntities(result.users, result.chats)
  const messages: Array<MessageRecord> = []
  // Every entry's id, MessageEmpty included: it takes a place in the page, so paging moves past it.
  const ids: Array<number> = []
  for (const m of result.messages) {
    ids.push(m.id)
    if (m.className === "Message") messages.push(messageOf(m, entities, selfId))
    else if (m.className === "MessageService") messages.push(serviceMessageOf(m, entities))
  }
  const count = result.className === "messages.Messages" ? result.messages.length : result.count
  return { messages, count, ids, entities }
}

// ---------------------------------------------------------------------------
// Dialogs and folders

const kindOf = (entity: Entity): DialogKind | null => {
  switch (entity.className) {
    case "User":
      return entity.self ? "saved" : entity.bot ? "bot" : "user"
    case "Chat":
    case "ChatForbidden":
      return "group"
    case "Channel":
    case "ChannelForbidden":
      return entity.megagroup ? "supergroup" : "channel"
    default:
      return null
  }
}

const userTitle = (user: Api.User): string => {
  if (user.self) return "Saved Messages"
  if (user.deleted) return "Deleted Account"
  return [user.firstName, user.lastName].filter((s) => s != null && s !== "").join(" ")
}

/** The logged-in account (users.getUsers([self]) or a login's authorization). */
export const accountOf = (user: Api.User): AccountInfo => ({
  userId: AccountId(Number(user.id.toString())),
  firstName: user.firstName ?? null,
  lastName: user.lastName ?? null,
  username: user.username ?? null
})

/** A dialog's title as the dialog list shows it (Saved Messages for your own chat), wherever a dialog is named; null when there is none. */
export const dialogTitleOf = (entity: Entity): string | null => {
  if (entity.className === "User") return userTitle(entity) || null
  return "title" in entity && typeof entity.title === "string" ? entity.title : null
}

export const dialogOf = (
  dialog: Api.Dialog,
  entity: Entity,
  topMessage: Api.TypeMessage | undefined,
  nowSeconds: number
): DialogRecord | null => {
  const kind = kindOf(entity)
  const id = entityMarkedId(entity)
  if (kind === null || id === null) return null
  const muteUntil = dialog.notifySettings?.muteUntil ?? 0
  let title: string
  let username: string | null = null
  let isCreator = false
  let isVerified = false
  let isContact = false
  let participantsCount: number | null = null
  let createdDate: number | null = null
  switch (entity.className) {
    case "User":
      title = userTitle(entity)
      username = entity.username ?? entity.usernames?.[0]?.username ?? null
      isVerified = entity.verified === true
      isContact = entity.contact === true
      break
    case "Chat":
      title = entity.title
      isCreator = entity.creator === true
      participantsCount = entity.participantsCount
      createdDate = entity.date
      break
    case "Channel":
      title = entity.title
      username = entity.username ?? entity.usernames?.[0]?.username ?? null
      isCreator = entity.creator === true
      isVerified = entity.verified === true
      participantsCount = entity.participantsCount ?? null
      createdDate = entity.date
      break
    case "ChatForbidden":
    case "ChannelForbidden":
      title = entity.title
      break
    default:
      return null
  }
  // One literal, fields always in this order: every record has the same shape, so a search reading
  // them over 10k dialogs stays on V8's fast path (spreads per kind made it ten times slower).
  return {
    id: DialogId(id),
    kind,
    title,
    username,
    isCreator,
    isVerified,
    isContact,
    isArchived: dialog.folderId === 1,
    isPinned: dialog.pinned === true,
    isMuted: muteUntil > nowSeconds,
    isForum: entity.className === "Channel" && entity.forum === true,
    unreadCount: dialog.unreadCount,
    participantsCount,
    lastMessageDate: topMessage != null && "date" in topMessage ? topMessage.date : null,
    lastMessagePreview: topMessage?.className === "Message" ? (topMessage.message ?? "").slice(0, 200) : null,
    createdDate
  }
}

const peersOf = (peers: ReadonlyArray<Api.TypeInputPeer>, selfId: number) =>
  peers.map((p) => peerToMarkedId(p, selfId)).filter((id): id is number => id !== null)

/** `selfId` resolves InputPeerSelf (Saved Messages in a folder). */
export const folderOf = (filter: Api.TypeDialogFilter, selfId: number): FolderRule | null => {
  if (filter.className === "DialogFilterDefault") return null
  const title = typeof filter.title === "string" ? filter.title : filter.title.text
  if (filter.className === "DialogFilterChatlist") {
    return {
      id: filter.id,
      title,
      includePeers: peersOf(filter.includePeers, selfId),
      excludePeers: [],
      pinnedPeers: peersOf(filter.pinnedPeers, selfId),
      contacts: false,
      nonContacts: false,
      groups: false,
      broadcasts: false,
      bots: false,
      excludeMuted: false,
      excludeRead: false,
      excludeArchived: false
    }
  }
  return {
    id: filter.id,
    title,
    includePeers: peersOf(filter.includePeers, selfId),
    excludePeers: peersOf(filter.excludePeers, selfId),
    pinnedPeers: peersOf(filter.pinnedPeers, selfId),
    contacts: filter.contacts === true,
    nonContacts: filter.nonContacts === true,
    groups: filter.groups === true,
    broadcasts: filter.broadcasts === true,
    bots: filter.bots === true,
    excludeMuted: filter.excludeMuted === true,
    excludeRead: filter.excludeRead === true,
    excludeArchived: filter.excludeArchived === true
  }
}
