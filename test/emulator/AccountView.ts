/**
 * The world as one account sees it: which peers it may reach and with which
 * access hashes (deterministic per account and peer, different between
 * accounts), and every entity, message and dialog rendered as the GramJS TL
 * object Telegram would send that account.
 */
import { createHash } from "node:crypto"
import bigInt from "big-integer"
import { Api } from "telegram"
import { documentAttributes, documentMimeType, photoSizes } from "./Media.js"
import { minChannel, minUser, refer, seenInMessage } from "./MinPeers.js"
import { RpcError } from "./RpcContext.js"
import type { ActionSpec, EntitySpec, MediaSpec, MessageSpec, PeerRef, ReactionSpec } from "./Scenario.js"
import { peerKey } from "./Scenario.js"
import { channelOf, linkedBroadcast, repliesOf, topicOf } from "./Threads.js"
import type { Timeline } from "./Timeline.js"
import type { AccountState, DialogState, World } from "./World.js"

const hash64 = (text: string): bigInt.BigInteger => {
  const digest = createHash("sha256").update(text).digest()
  const value = digest.readBigInt64LE(0)
  return bigInt(value === 0n ? 1n : value)
}

/** The access hash account `accountId` knows a user, channel, photo or document by. */
export const accessHash = (accountId: number, kind: "user" | "channel" | "photo" | "document", id: number | string): bigInt.BigInteger =>
  hash64(`${kind}:${id}@${accountId}`)

/** File ids encode where the file lives: (timeline index + 1) * 2^32 + message id. */
export const fileIdOf = (timeline: Timeline, messageId: number): bigInt.BigInteger =>
  bigInt(timeline.index + 1).shiftLeft(32).add(messageId)

export const decodeFileId = (id: bigInt.BigInteger): { readonly timelineIndex: number; readonly messageId: number } | undefined => {
  if (id.lesserOrEquals(0)) return undefined
  const timelineIndex = id.shiftRight(32).toJSNumber() - 1
  const messageId = id.and(0xffffffff).toJSNumber()
  return timelineIndex < 0 ? undefined : { timelineIndex, messageId }
}

/** The file reference of a file in one generation (see World.fileReferenceGeneration); generation 0 never expires. */
export const fileReferenceOf = (fileId: bigInt.BigInteger, generation = 0): Buffer =>
  createHash("sha256").update(`file-reference:${fileId.toString()}${generation === 0 ? "" : `#${generation}`}`).digest()
    .subarray(0, 16)

/**
 * Entities a response refers to, rendered once at the end into `users` and
 * `chats`. One referred to only through `addMin` is rendered as a `min`
 * constructor (the min_peers imperfection); any full reference wins.
 */
export class EntityRefs {
  readonly users = new Set<number>()
  readonly chats = new Set<number>()
  readonly channels = new Set<number>()
  readonly minUsers = new Set<number>()
  readonly minChannels = new Set<number>()

  add(peer: PeerRef): this {
    if (peer.kind === "user") this.users.add(peer.id)
    else if (peer.kind === "chat") this.chats.add(peer.id)
    else this.channels.add(peer.id)
    return this
  }

  addMin(peer: PeerRef): this {
    if (peer.kind === "user") this.minUsers.add(peer.id)
    else if (peer.kind === "channel") this.minChannels.add(peer.id)
    else this.chats.add(peer.id)
    return this
  }
}

const NEVER = 2147483647

/**
 * An Api.Message holding just its fields, as GramJS's decoder would leave
 * them, without running its constructor: CustomMessage's init (sender and
 * chat ids through big integers, getters for a client) cost twenty times
 * the rest of rendering a message and made it most of the emulator's
 * getHistory time. The emulator only serialises what it renders, and
 * serialisation (serializeTl, or getBytes) reads only the fields.
 */
const bareMessage = (fields: Omit<ConstructorParameters<typeof Api.Message>[0], "_entities">): Api.Message => {
  const message = Object.create(Api.Message.prototype) as Api.Message
  return Object.assign(message, {
    CONSTRUCTOR_ID: Api.Message.CONSTRUCTOR_ID,
    SUBCLASS_OF_ID: Api.Message.SUBCLASS_OF_ID,
    className: "Message",
    classType: "constructor",
    ...fields
  })
}

/** The same for a service message (CustomMessage's init again). */
const bareService = (fields: Omit<ConstructorParameters<typeof Api.MessageService>[0], "_entities">): Api.MessageService => {
  const message = Object.create(Api.MessageService.prototype) as Api.MessageService
  return Object.assign(message, {
    CONSTRUCTOR_ID: Api.MessageService.CONSTRUCTOR_ID,
    SUBCLASS_OF_ID: Api.MessageService.SUBCLASS_OF_ID,
    className: "MessageService",
    classType: "constructor",
    ...fields
  })
}

const ENTITY_CLASSES = {
  url: Api.MessageEntityUrl,
  mention: Api.MessageEntityMention,
  hashtag: Api.MessageEntityHashtag,
  cashtag: Api.MessageEntityCashtag,
  bot_command: Api.MessageEntityBotCommand,
  email: Api.MessageEntityEmail,
  phone: Api.MessageEntityPhone,
  bold: Api.MessageEntityBold,
  italic: Api.MessageEntityItalic,
  underline: Api.MessageEntityUnderline,
  strike: Api.MessageEntityStrike,
  code: Api.MessageEntityCode,
  spoiler: Api.MessageEntitySpoiler,
  blockquote: Api.MessageEntityBlockquote,
  bank_card: Api.MessageEntityBankCard,
  unknown: Api.MessageEntityUnknown
} as const

/** A scenario entity as its Api.MessageEntity* class. */
export const entityOf = (e: EntitySpec): Api.TypeMessageEntity => {
  const at = { offset: e.offset, length: e.length }
  switch (e.type) {
    case "text_url":
      return new Api.MessageEntityTextUrl({ ...at, url: e.url! })
    case "mention_name":
      return new Api.MessageEntityMentionName({ ...at, userId: bigInt(e.userId!) })
    case "pre":
      return new Api.MessageEntityPre({ ...at, language: e.language ?? "" })
    case "custom_emoji":
      return new Api.MessageEntityCustomEmoji({ ...at, documentId: bigInt(e.customEmojiId!) })
    default:
      return new ENTITY_CLASSES[e.type](at)
  }
}

/** A scenario action as its Api.MessageAction* class. */
export const actionOf = (a: ActionSpec): Api.TypeMessageAction => {
  const ids = (users: ReadonlyArray<number>) => users.map((u) => bigInt(u))
  switch (a.type) {
    case "chat_create":
      return new Api.MessageActionChatCreate({ title: a.title, users: ids(a.users) })
    case "chat_add_user":
      return new Api.MessageActionChatAddUser({ users: ids(a.users) })
    case "chat_delete_user":
      return new Api.MessageActionChatDeleteUser({ userId: bigInt(a.user_id) })
    case "chat_edit_title":
      return new Api.MessageActionChatEditTitle({ title: a.title })
    case "chat_joined_by_link":
      return new Api.MessageActionChatJoinedByLink({ inviterId: bigInt(a.inviter_id) })
    case "channel_create":
      return new Api.MessageActionChannelCreate({ title: a.title })
    case "pin_message":
      return new Api.MessageActionPinMessage()
    case "topic_create":
      return new Api.MessageActionTopicCreate({
        title: a.title,
        iconColor: a.icon_color,
        ...(a.icon_emoji_id === null ? {} : { iconEmojiId: bigInt(a.icon_emoji_id) })
      })
    case "topic_edit":
      return new Api.MessageActionTopicEdit({
        ...(a.title === null ? {} : { title: a.title }),
        ...(a.icon_emoji_id === null ? {} : { iconEmojiId: bigInt(a.icon_emoji_id) }),
        ...(a.closed === null ? {} : { closed: a.closed }),
        ...(a.hidden === null ? {} : { hidden: a.hidden })
      })
    case "chat_migrate_to":
      return new Api.MessageActionChatMigrateTo({ channelId: bigInt(a.channel_id) })
    case "channel_migrate_from":
      return new Api.MessageActionChannelMigrateFrom({ title: a.title, chatId: bigInt(a.chat_id) })
    case "history_clear":
      return new Api.MessageActionHistoryClear()
    case "custom_action":
      return new Api.MessageActionCustomAction({ message: a.message })
  }
}

export class AccountView {
  constructor(readonly world: World, readonly account: AccountState) {}

  get me(): number {
    return this.account.userId
  }

  // -------------------------------------------------------------------------
  // What the account may reach

  private inDialogs(peer: PeerRef): boolean {
    return this.account.dialogByKey.has(peerKey(peer))
  }

  canSeeChat(id: number): boolean {
    const chat = this.world.chats.get(id)
    return chat !== undefined && (this.inDialogs({ kind: "chat", id }) || chat.members.includes(this.me))
  }

  canSeeChannel(id: number): boolean {
    if (this.seesChannelItself(id)) return true
    // A broadcast channel's discussion group, and the channel of a discussion group, are reachable from each other.
    const linked = this.world.channels.get(id)?.linkedChat ?? linkedBroadcast(this.world, id)
    return linked !== null && linked !== undefined && this.seesChannelItself(linked)
  }

  private seesChannelItself(id: number): boolean {
    const channel = this.world.channels.get(id)
    if (channel === undefined) return false
    if (channel.username !== null || this.inDialogs({ kind: "channel", id })) return true
    return this.account.dialogs.some((d) => d.timeline.referencedChannels.has(id))
  }

  canSeeUser(id: number): boolean {
    const user = this.world.users.get(id)
    if (user === undefined) return false
    if (id === this.me || user.username !== null || this.account.contacts.has(id)) return true
    return this.account.dialogs.some((d) =>
      (d.peer.kind === "user" && d.peer.id === id) ||
      d.timeline.referencedUsers.has(id) ||
      (d.peer.kind === "chat" && this.world.chats.get(d.peer.id)!.members.includes(id)) ||
      (d.peer.kind === "channel" && this.world.channels.get(d.peer.id)!.creator === id)
    )
  }

  /**
   * The peer an InputPeer names, if this account may reach it; otherwise
   * Telegram's error. (GramJS types request fields as EntityLike; decoded
   * requests always hold TL input objects.)
   */
  peerOf(value: unknown): PeerRef {
    const input = value as Api.TypeInputPeer
    switch (input.className) {
      case "InputPeerSelf":
        return { kind: "user", id: this.me }
      case "InputPeerUser": {
        const id = input.userId.toJSNumber()
        if (!this.canSeeUser(id) || !input.accessHash.equals(accessHash(this.me, "user", id))) {
          throw new RpcError(400, "PEER_ID_INVALID")
        }
        return { kind: "user", id }
      }
      case "InputPeerChat": {
        const id = input.chatId.toJSNumber()
        if (!this.canSeeChat(id)) throw new RpcError(400, "PEER_ID_INVALID")
        return { kind: "chat", id }
      }
      case "InputPeerChannel":
        return { kind: "channel", id: this.channelId(input.channelId, input.accessHash) }
      case "InputPeerUserFromMessage":
        return { kind: "user", id: seenInMessage(this, input.peer, input.msgId, { kind: "user", id: input.userId.toJSNumber() }) }
      case "InputPeerChannelFromMessage": {
        const channel = { kind: "channel", id: input.channelId.toJSNumber() } as const
        return { kind: "channel", id: this.reachableChannel(seenInMessage(this, input.peer, input.msgId, channel)) }
      }
      default:
        throw new RpcError(400, "PEER_ID_INVALID")
    }
  }

  private channelId(channelId: bigInt.BigInteger, hash: bigInt.BigInteger): number {
    const id = channelId.toJSNumber()
    if (!this.world.channels.has(id) || !hash.equals(accessHash(this.me, "channel", id))) {
      throw new RpcError(400, "CHANNEL_INVALID")
    }
    return this.reachableChannel(id)
  }

  private reachableChannel(id: number): number {
    if (!this.canSeeChannel(id) || this.world.isKicked(this.me, id)) throw new RpcError(400, "CHANNEL_PRIVATE")
    return id
  }

  channelOf(value: unknown): number {
    const input = value as Api.TypeInputChannel
    if (input.className === "InputChannelFromMessage") {
      const channel = { kind: "channel", id: input.channelId.toJSNumber() } as const
      return this.reachableChannel(seenInMessage(this, input.peer, input.msgId, channel))
    }
    if (input.className !== "InputChannel") throw new RpcError(400, "CHANNEL_INVALID")
    return this.channelId(input.channelId, input.accessHash)
  }

  userOf(value: unknown): number {
    const input = value as Api.TypeInputUser
    if (input.className === "InputUserSelf") return this.me
    if (input.className === "InputUserFromMessage") {
      return seenInMessage(this, input.peer, input.msgId, { kind: "user", id: input.userId.toJSNumber() })
    }
    if (input.className !== "InputUser") throw new RpcError(400, "USER_ID_INVALID")
    const id = input.userId.toJSNumber()
    if (!this.canSeeUser(id) || !input.accessHash.equals(accessHash(this.me, "user", id))) {
      throw new RpcError(400, "USER_ID_INVALID")
    }
    return id
  }

  /** The account's copy of the dialog with `peer` (channels: the shared one); undefined for none. */
  timelineOf(peer: PeerRef): Timeline | undefined {
    return this.world.timelineOf(peer, peer.kind === "channel" ? null : this.me)
  }

  dialogOf(peer: PeerRef): DialogState | undefined {
    return this.account.dialogByKey.get(peerKey(peer))
  }

  // -------------------------------------------------------------------------
  // Entities

  user(id: number): Api.User {
    const u = this.world.users.get(id)!
    const contact = this.account.contacts.has(id)
    return new Api.User({
      id: bigInt(id),
      accessHash: accessHash(this.me, "user", id),
      self: id === this.me,
      contact,
      mutualContact: contact,
      bot: u.bot,
      // Shares its flag bit with `bot`: both or neither.
      ...(u.bot ? { botInfoVersion: 1 } : {}),
      verified: u.verified,
      ...(u.firstName === null ? {} : { firstName: u.firstName }),
      ...(u.lastName === null ? {} : { lastName: u.lastName }),
      ...(u.username === null ? {} : { username: u.username }),
      ...(u.phone === null ? {} : { phone: u.phone }),
      photo: new Api.UserProfilePhotoEmpty()
    })
  }

  chat(id: number): Api.Chat {
    const c = this.world.chats.get(id)!
    return new Api.Chat({
      id: bigInt(id),
      title: c.title,
      photo: new Api.ChatPhotoEmpty(),
      participantsCount: c.members.length,
      date: c.date,
      version: 1,
      creator: c.creator === this.me,
      left: !c.members.includes(this.me)
    })
  }

  channel(id: number): Api.Channel {
    const c = this.world.channels.get(id)!
    return new Api.Channel({
      id: bigInt(id),
      accessHash: accessHash(this.me, "channel", id),
      title: c.title,
      ...(c.username === null ? {} : { username: c.username }),
      photo: new Api.ChatPhotoEmpty(),
      date: c.date,
      broadcast: !c.megagroup,
      megagroup: c.megagroup,
      verified: c.verified,
      forum: c.forum,
      hasLink: c.linkedChat !== null || linkedBroadcast(this.world, id) !== null,
      creator: c.creator === this.me,
      left: !this.inDialogs({ kind: "channel", id }),
      ...(c.hideParticipantsCount ? {} : { participantsCount: c.participantsCount })
    })
  }

  entities(refs: EntityRefs): { users: Array<Api.TypeUser>; chats: Array<Api.TypeChat> } {
    const sorted = (full: ReadonlySet<number>, min: ReadonlySet<number>) =>
      [...new Set([...full, ...min])].sort((a, b) => a - b).map((id) => ({ id, min: !full.has(id) }))
    return {
      users: sorted(refs.users, refs.minUsers).map(({ id, min }) => (min ? minUser(this, id) : this.user(id))),
      chats: [
        ...[...refs.chats].sort((a, b) => a - b).map((id) => this.chat(id)),
        ...sorted(refs.channels, refs.minChannels).map(({ id, min }) => (min ? minChannel(this, id) : this.channel(id)))
      ]
    }
  }

  peer(peer: PeerRef): Api.TypePeer {
    switch (peer.kind) {
      case "user":
        return new Api.PeerUser({ userId: bigInt(peer.id) })
      case "chat":
        return new Api.PeerChat({ chatId: bigInt(peer.id) })
      case "channel":
        return new Api.PeerChannel({ channelId: bigInt(peer.id) })
    }
  }

  inputPeer(peer: PeerRef): Api.TypeInputPeer {
    switch (peer.kind) {
      case "user":
        return new Api.InputPeerUser({ userId: bigInt(peer.id), accessHash: accessHash(this.me, "user", peer.id) })
      case "chat":
        return new Api.InputPeerChat({ chatId: bigInt(peer.id) })
      case "channel":
        return new Api.InputPeerChannel({ channelId: bigInt(peer.id), accessHash: accessHash(this.me, "channel", peer.id) })
    }
  }

  // -------------------------------------------------------------------------
  // Messages

  private isBroadcast(peer: PeerRef): boolean {
    return peer.kind === "channel" && !this.world.channels.get(peer.id)!.megagroup
  }

  message(timeline: Timeline, m: MessageSpec, refs: EntityRefs): Api.Message | Api.MessageService {
    refs.add(timeline.peer)
    const broadcast = this.isBroadcast(m.peer)
    const out = m.from.kind === "user"
      ? m.from.id === this.me
      : broadcast && this.world.channels.get(m.peer.id)!.creator === this.me
    // Telegram leaves from_id out of channel posts and of incoming private messages.
    const showFrom = !broadcast && !(m.peer.kind === "user" && !out)
    if (showFrom) refer(this, refs, m, m.from, "sender")
    const replyTo = this.replyHeader(m)
    if (m.action !== null) {
      this.referActionUsers(m.action, refs)
      return bareService({
        id: m.id,
        peerId: this.peer(m.peer),
        date: m.date,
        out,
        post: broadcast,
        action: actionOf(m.action),
        ...(showFrom ? { fromId: this.peer(m.from) } : {}),
        ...(replyTo === undefined ? {} : { replyTo }),
        ...(m.reactions.length === 0 ? {} : { reactions: this.reactions(m.reactions) })
      })
    }
    const fwdFrom = this.forwardHeader(m, refs)
    if (m.viaBot !== null) refs.add({ kind: "user", id: m.viaBot })
    for (const e of m.entities) if (e.userId !== null) refs.add({ kind: "user", id: e.userId })
    // Telegram counts views of broadcast posts whether the scenario says so or not; views and forwards share a flag.
    const views = m.views ?? (broadcast ? 100 + (m.id % 900) : m.forwards !== null ? 0 : null)
    const forwards = m.forwards ?? (broadcast ? m.id % 7 : views !== null ? 0 : null)
    const replies = repliesOf(this.world, timeline, m)
    return bareMessage({
      id: m.id,
      peerId: this.peer(m.peer),
      date: m.date,
      message: m.text,
      out,
      post: broadcast,
      pinned: m.pinned,
      ...(showFrom ? { fromId: this.peer(m.from) } : {}),
      ...(views === null ? {} : { views, forwards: forwards! }),
      ...(m.editDate === null ? {} : { editDate: m.editDate }),
      ...(m.postAuthor === null ? {} : { postAuthor: m.postAuthor }),
      ...(replyTo === undefined ? {} : { replyTo }),
      ...(fwdFrom === undefined ? {} : { fwdFrom }),
      ...(m.viaBot === null ? {} : { viaBotId: bigInt(m.viaBot) }),
      ...(m.entities.length === 0 ? {} : { entities: m.entities.map(entityOf) }),
      ...(m.groupedId === null ? {} : { groupedId: bigInt(m.groupedId) }),
      ...(m.reactions.length === 0 ? {} : { reactions: this.reactions(m.reactions) }),
      ...(replies === null
        ? {}
        : {
          replies: new Api.MessageReplies({
            comments: replies.comments,
            replies: replies.replies,
            repliesPts: replies.replies + 1,
            ...(replies.channelId === null ? {} : { channelId: bigInt(replies.channelId) }),
            ...(replies.maxId === null ? {} : { maxId: replies.maxId, readMaxId: replies.maxId })
          })
        }),
      ...(m.media === null ? {} : { media: this.media(timeline, m, m.media) })
    })
  }

  /**
   * reply_to as Telegram sends it: in a forum, a topic's messages carry
   * forum_topic (reply_to_msg_id the message replied to, else the topic;
   * reply_to_top_id the topic when that differs) and General's none of their
   * own; elsewhere reply_to_msg_id, reply_to_top_id and the quote.
   */
  private replyHeader(m: MessageSpec): Api.MessageReplyHeader | undefined {
    const quote = m.quote === null ? {} : { quote: true, quoteText: m.quote }
    if (channelOf(this.world, m.peer)?.forum === true) {
      const topic = topicOf(m)
      if (topic !== 1 && topic !== m.id) {
        const to = m.replyTo ?? topic
        return new Api.MessageReplyHeader({
          forumTopic: true,
          replyToMsgId: to,
          ...(to !== topic ? { replyToTopId: topic } : {}),
          ...quote
        })
      }
    }
    if (m.replyTo === null) return undefined
    return new Api.MessageReplyHeader({
      replyToMsgId: m.replyTo,
      ...(m.replyToTopId === null ? {} : { replyToTopId: m.replyToTopId }),
      ...quote
    })
  }

  /** fwd_from: the scenario's, or for a discussion copy its post (saved_from naming it too). */
  private forwardHeader(m: MessageSpec, refs: EntityRefs): Api.MessageFwdHeader | undefined {
    if (m.discussionOf !== null) {
      const post: PeerRef = m.from
      refs.add(post)
      const original = this.world.timelineOf(post, null)?.message(m.discussionOf)
      return new Api.MessageFwdHeader({
        fromId: this.peer(post),
        date: original?.date ?? m.date,
        channelPost: m.discussionOf,
        savedFromPeer: this.peer(post),
        savedFromMsgId: m.discussionOf
      })
    }
    const fwd = m.fwdFrom
    if (fwd === null) return undefined
    if (fwd.from !== null) refer(this, refs, m, fwd.from, "forward")
    return new Api.MessageFwdHeader({
      ...(fwd.from === null ? { fromName: fwd.name } : { fromId: this.peer(fwd.from) }),
      date: fwd.date ?? m.date,
      ...(fwd.channelPost === null ? {} : { channelPost: fwd.channelPost }),
      ...(fwd.postAuthor === null ? {} : { postAuthor: fwd.postAuthor })
    })
  }

  /** Reactions as this account sees them: chosen_order on those it chose (0, 1, ... in the scenario's order). */
  private reactions(list: ReadonlyArray<ReactionSpec>): Api.MessageReactions {
    let chosen = 0
    return new Api.MessageReactions({
      results: list.map((r) =>
        new Api.ReactionCount({
          reaction: r.paid
            ? new Api.ReactionPaid()
            : r.emoji !== null
            ? new Api.ReactionEmoji({ emoticon: r.emoji })
            : new Api.ReactionCustomEmoji({ documentId: bigInt(r.customEmojiId!) }),
          count: r.count,
          ...(r.chosenBy.includes(this.me) ? { chosenOrder: chosen++ } : {})
        })
      )
    })
  }

  private referActionUsers(a: ActionSpec, refs: EntityRefs): void {
    if ("users" in a) for (const u of a.users) refs.add({ kind: "user", id: u })
    if (a.type === "chat_delete_user") refs.add({ kind: "user", id: a.user_id })
    if (a.type === "chat_joined_by_link") refs.add({ kind: "user", id: a.inviter_id })
  }

  private media(timeline: Timeline, m: MessageSpec, media: MediaSpec): Api.TypeMessageMedia {
    switch (media.type) {
      case "photo": {
        const id = fileIdOf(timeline, m.id)
        return new Api.MessageMediaPhoto({
          photo: new Api.Photo({
            id,
            accessHash: accessHash(this.me, "photo", id.toString()),
            fileReference: fileReferenceOf(id, this.world.fileReferenceGeneration()),
            date: m.date,
            sizes: photoSizes(media.size).map((s) => new Api.PhotoSize(s)),
            dcId: this.world.mediaDc(timeline, media)
          })
        })
      }
      case "document": {
        const id = fileIdOf(timeline, m.id)
        return new Api.MessageMediaDocument({
          document: new Api.Document({
            id,
            accessHash: accessHash(this.me, "document", id.toString()),
            fileReference: fileReferenceOf(id, this.world.fileReferenceGeneration()),
            date: m.date,
            mimeType: documentMimeType(media),
            size: bigInt(media.size),
            dcId: this.world.mediaDc(timeline, media),
            attributes: documentAttributes(media)
          }),
          video: media.kind === "video",
          round: media.kind === "video_note",
          voice: media.kind === "voice"
        })
      }
      case "webpage": {
        const url = new URL(media.url, "https://example.com")
        return new Api.MessageMediaWebPage({
          webpage: new Api.WebPage({
            id: hash64(`webpage:${media.url}`),
            url: media.url,
            displayUrl: `${url.host}${url.pathname === "/" ? "" : url.pathname}`,
            hash: 0,
            type: "article",
            siteName: url.host,
            ...(media.title === null ? {} : { title: media.title }),
            ...(media.description === null ? {} : { description: media.description })
          })
        })
      }
      case "geo":
        return new Api.MessageMediaGeo({ geo: new Api.GeoPoint({ lat: media.lat, long: media.long, accessHash: bigInt.zero }) })
      case "poll":
        return new Api.MessageMediaPoll({
          poll: new Api.Poll({
            id: fileIdOf(timeline, m.id),
            question: new Api.TextWithEntities({ text: media.question, entities: [] }),
            answers: media.answers.map((text, i) =>
              new Api.PollAnswer({ text: new Api.TextWithEntities({ text, entities: [] }), option: Buffer.from([i]) })
            )
          }),
          results: new Api.PollResults({})
        })
    }
  }

  // -------------------------------------------------------------------------
  // Dialogs

  /** The Dialog object and, when the dialog has messages, its top message. */
  dialog(d: DialogState, refs: EntityRefs): { dialog: Api.Dialog; top: Api.TypeMessage | undefined } {
    const tl = d.timeline
    refs.add(d.peer)
    const topSpec = tl.count === 0 ? undefined : tl.message(tl.topId)
    const top = topSpec === undefined ? undefined : this.message(tl, topSpec, refs)
    const unread = Math.min(d.unreadCount, tl.count)
    const dialog = new Api.Dialog({
      peer: this.peer(d.peer),
      topMessage: tl.topId,
      readInboxMaxId: unread === 0 ? tl.topId : unread >= tl.count ? 0 : tl.idAtDesc(unread),
      readOutboxMaxId: tl.topId,
      unreadCount: d.unreadCount,
      unreadMentionsCount: 0,
      unreadReactionsCount: 0,
      notifySettings: new Api.PeerNotifySettings({
        showPreviews: true,
        silent: false,
        ...(d.muted ? { muteUntil: NEVER } : {})
      }),
      pinned: d.pinned,
      ...(d.archived ? { folderId: 1 } : {}),
      ...(d.peer.kind === "channel" ? { pts: this.world.updates.channelPts(d.peer.id) } : {})
    })
    return { dialog, top }
  }
}
