/**
 * Message lists as Telegram pages them (core.telegram.org/api/offsets): a
 * newest-first list, a start position from offset_id (messages with a
 * smaller id) or offset_date (messages dated before it), the window
 * [position + add_offset, position + add_offset + limit) clipped to the list
 * (so a negative add_offset reaches newer messages), and only then the
 * exclusive min_id/max_id bounds. messages.getHistory, messages.search,
 * messages.searchGlobal (ordered by date, paged by next_rate/peer/id) and
 * messages.getMessages; threads (messages.getReplies, getDiscussionMessage,
 * search's top_msg_id: Threads.ts) paged by the same code. In realistic mode (Realism.ts: short_pages,
 * short_search) some messages of a window come back empty or not at all.
 */
import { Api } from "telegram"
import { type AccountView, EntityRefs } from "../AccountView.js"
import { slotKind } from "../Realism.js"
import { RpcError } from "../RpcContext.js"
import type { MessageSpec, PeerRef } from "../Scenario.js"
import { discussionCopy, threadIds } from "../Threads.js"
import type { Timeline } from "../Timeline.js"
import type { HandlerTable } from "./Handler.js"
import { pageLimit } from "./Handler.js"

/** Telegram's offset window over a newest-first list of `length`, as [start, end). */
export const offsetWindow = (
  length: number,
  position: number,
  addOffset: number,
  limit: number
): { readonly start: number; readonly end: number } => {
  const start = Math.max(0, position + addOffset)
  const end = Math.min(length, Math.max(0, position + addOffset + limit))
  return { start, end: Math.max(start, end) }
}

const inIdBounds = (id: number, minId: number, maxId: number): boolean => id > minId && (maxId <= 0 || id < maxId)

/** Marked-id order of peers, the tie-breaker Telegram's global search pages by. */
const peerOrder = (peer: PeerRef): number =>
  peer.kind === "user" ? peer.id : peer.kind === "chat" ? -peer.id : -(1_000_000_000_000 + peer.id)

/** A messages.Messages-family result: ChannelMessages (with the channel's pts) for channels, Messages when complete, else MessagesSlice. */
export const messagesResult = (
  view: AccountView,
  channel: number | null,
  messages: Array<Api.TypeMessage>,
  count: number,
  refs: EntityRefs,
  extra: { readonly nextRate?: number } = {}
): Api.messages.TypeMessages => {
  const { users, chats } = view.entities(refs)
  if (channel !== null) return new Api.messages.ChannelMessages({ pts: view.world.updates.channelPts(channel), count, messages, topics: [], chats, users })
  if (messages.length >= count && extra.nextRate === undefined) return new Api.messages.Messages({ messages, chats, users })
  return new Api.messages.MessagesSlice({ count, messages, chats, users, ...extra })
}

type MessagePredicate = (m: MessageSpec) => boolean

/** The InputMessagesFilter kinds as predicates on a message's media. */
const mediaFilter = (filter: Api.TypeMessagesFilter | undefined): MessagePredicate => {
  const doc = (...kinds: Array<string>): MessagePredicate => (m) => m.media?.type === "document" && kinds.includes(m.media.kind)
  switch (filter?.className) {
    case undefined:
    case "InputMessagesFilterEmpty":
      return () => true
    case "InputMessagesFilterPhotos":
      return (m) => m.media?.type === "photo"
    case "InputMessagesFilterVideo":
      return doc("video")
    case "InputMessagesFilterPhotoVideo":
      return (m) => m.media?.type === "photo" || doc("video")(m)
    case "InputMessagesFilterDocument":
      return doc("file")
    case "InputMessagesFilterMusic":
      return doc("audio")
    case "InputMessagesFilterVoice":
      return doc("voice")
    case "InputMessagesFilterRoundVideo":
      return doc("video_note")
    case "InputMessagesFilterRoundVoice":
      return doc("voice", "video_note")
    case "InputMessagesFilterGif":
      return doc("gif")
    case "InputMessagesFilterGeo":
      return (m) => m.media?.type === "geo"
    case "InputMessagesFilterUrl":
      return (m) => m.media?.type === "webpage" || /https?:\/\//i.test(m.text)
    default:
      return () => false
  }
}

const textFilter = (q: string): MessagePredicate => {
  const needle = q.trim().toLowerCase()
  return needle === "" ? () => true : (m) => m.text.toLowerCase().includes(needle)
}

const isEmptyFilter = (filter: Api.TypeMessagesFilter | undefined) =>
  filter === undefined || filter.className === "InputMessagesFilterEmpty"

/**
 * The messages of a page. With `short` (a realism flag, Realism.ts), each
 * keeps its place but some come back as MessageEmpty and some not at all.
 */
const render = (
  view: AccountView,
  timeline: Timeline,
  ids: ReadonlyArray<number>,
  refs: EntityRefs,
  short = false
): Array<Api.TypeMessage> => {
  const out: Array<Api.TypeMessage> = []
  for (const id of ids) {
    const kind = short ? slotKind(timeline.peer, id) : "message"
    if (kind === "message") out.push(view.message(timeline, timeline.message(id)!, refs))
    else if (kind === "empty") out.push(new Api.MessageEmpty({ id, peerId: view.peer(timeline.peer) }))
  }
  return out
}

/** A newest-first list of messages paged like a history: a dialog's Timeline, or a thread (listingOf). */
export interface MessageListing {
  readonly count: number
  /** Id of the k-th message counting from the newest. */
  idAtDesc(k: number): number
  /** How many messages have an id >= `id`. */
  countFromId(id: number): number
  /** The newest-first position of the first message dated before `date`. */
  positionBeforeDate(date: number): number
}

/** A thread of `timeline` (ids ascending) as a listing. */
export const listingOf = (timeline: Timeline, ascending: ReadonlyArray<number>): MessageListing => {
  const n = ascending.length
  const idAtDesc = (k: number) => ascending[n - 1 - k]!
  return {
    count: n,
    idAtDesc,
    countFromId: (id) => {
      let k = 0
      while (k < n && idAtDesc(k) >= id) k++
      return k
    },
    positionBeforeDate: (date) => {
      let k = 0
      while (k < n && timeline.message(idAtDesc(k))!.date >= date) k++
      return k
    }
  }
}

export interface PageQuery {
  readonly offsetId: number
  readonly offsetDate: number
  readonly addOffset: number
  readonly limit: number
  readonly minId: number
  readonly maxId: number
}

/** The ids of one page of a listing, as messages.getHistory (and getReplies) cut it. */
export const pageIds = (list: MessageListing, q: PageQuery): Array<number> => {
  const position = q.offsetId > 0 ? list.countFromId(q.offsetId) : q.offsetDate > 0 ? list.positionBeforeDate(q.offsetDate) : 0
  const { start, end } = offsetWindow(list.count, position, q.addOffset, pageLimit(q.limit))
  const ids: Array<number> = []
  for (let k = start; k < end; k++) {
    const id = list.idAtDesc(k)
    if (inIdBounds(id, q.minId, q.maxId)) ids.push(id)
  }
  return ids
}

const history = (req: Api.messages.GetHistory, view: AccountView): Api.messages.TypeMessages => {
  const peer = view.peerOf(req.peer)
  const timeline = view.timelineOf(peer)
  const refs = new EntityRefs().add(peer)
  const total = timeline?.count ?? 0
  const ids = timeline === undefined ? [] : pageIds(timeline, req)
  const messages = timeline === undefined ? [] : render(view, timeline, ids, refs, view.world.realism.short_pages)
  return messagesResult(view, peer.kind === "channel" ? peer.id : null, messages, total, refs)
}

/**
 * The thread messages.getReplies and getDiscussionMessage read: a broadcast
 * post's comments (in its discussion group, rooted at the post's copy), a
 * supergroup message's replies, or a forum topic's messages.
 */
const threadOf = (view: AccountView, peer: PeerRef, msgId: number): { readonly timeline: Timeline; readonly root: number } => {
  const channel = peer.kind === "channel" ? view.world.channels.get(peer.id)! : undefined
  if (channel === undefined) throw new RpcError(400, "MSG_ID_INVALID")
  const timeline = view.world.timelineOf(peer, null)!
  if (!channel.megagroup) {
    const copy = timeline.has(msgId) ? discussionCopy(view.world, channel.id, msgId) : undefined
    if (copy === undefined) throw new RpcError(400, "MSG_ID_INVALID")
    return { timeline: copy.timeline, root: copy.copyId }
  }
  if (!timeline.has(msgId) && !(channel.forum && msgId === 1)) throw new RpcError(400, "MSG_ID_INVALID")
  return { timeline, root: msgId }
}

const replies = (req: Api.messages.GetReplies, view: AccountView): Api.messages.TypeMessages => {
  const peer = view.peerOf(req.peer)
  const { root, timeline } = threadOf(view, peer, req.msgId as number)
  const thread = listingOf(timeline, threadIds(view.world, timeline, root))
  const refs = new EntityRefs().add(peer).add(timeline.peer)
  const messages = render(view, timeline, pageIds(thread, req), refs)
  return messagesResult(view, timeline.peer.id, messages, thread.count, refs)
}

const discussionMessage = (req: Api.messages.GetDiscussionMessage, view: AccountView): Api.messages.DiscussionMessage => {
  const peer = view.peerOf(req.peer)
  const { root, timeline } = threadOf(view, peer, req.msgId as number)
  const refs = new EntityRefs().add(peer).add(timeline.peer)
  const top = timeline.message(root)
  const maxId = threadIds(view.world, timeline, root).at(-1)
  const messages = top === undefined ? [] : [view.message(timeline, top, refs)]
  return new Api.messages.DiscussionMessage({
    messages,
    ...(maxId === undefined ? {} : { maxId, readInboxMaxId: maxId, readOutboxMaxId: maxId }),
    unreadCount: 0,
    ...view.entities(refs)
  })
}

const search = (req: Api.messages.Search, view: AccountView): Api.messages.TypeMessages => {
  const peer = view.peerOf(req.peer)
  const timeline = view.timelineOf(peer)
  const refs = new EntityRefs().add(peer)
  const from = req.fromId == null ? undefined : view.peerOf(req.fromId)
  const matchesText = textFilter(req.q)
  const matchesMedia = mediaFilter(req.filter)
  const matches: Array<number> = []
  // top_msg_id: only the messages of that thread or forum topic.
  const thread = req.topMsgId == null || (req.topMsgId as number) === 0 || timeline === undefined
    ? undefined
    : new Set(threadIds(view.world, timeline, req.topMsgId as number))
  if (timeline !== undefined) {
    for (let k = 0; k < timeline.count; k++) {
      const date = timeline.dateAtDesc(k)
      if ((req.minDate > 0 && date <= req.minDate) || (req.maxDate > 0 && date >= req.maxDate)) continue
      if (thread !== undefined && !thread.has(timeline.idAtDesc(k))) continue
      const m = timeline.message(timeline.idAtDesc(k))!
      if (from !== undefined && (m.from.kind !== from.kind || m.from.id !== from.id)) continue
      if (matchesText(m) && matchesMedia(m)) matches.push(m.id)
    }
  }
  let position = 0
  if (req.offsetId > 0) while (position < matches.length && matches[position]! >= req.offsetId) position++
  const { start, end } = offsetWindow(matches.length, position, req.addOffset, pageLimit(req.limit))
  const ids = matches.slice(start, end).filter((id) => inIdBounds(id, req.minId, req.maxId))
  const messages = timeline === undefined ? [] : render(view, timeline, ids, refs, view.world.realism.short_search)
  return messagesResult(view, peer.kind === "channel" ? peer.id : null, messages, matches.length, refs)
}

interface GlobalHit {
  readonly timeline: Timeline
  readonly peer: PeerRef
  readonly id: number
  readonly date: number
}

const searchGlobal = (req: Api.messages.SearchGlobal, view: AccountView): Api.messages.TypeMessages => {
  if (req.q.trim() === "" && isEmptyFilter(req.filter)) throw new RpcError(400, "SEARCH_QUERY_EMPTY")
  const matchesText = textFilter(req.q)
  const matchesMedia = mediaFilter(req.filter)
  const hits: Array<GlobalHit> = []
  for (const d of view.account.dialogs) {
    if (req.folderId != null && (req.folderId === 1) !== d.archived) continue
    const channel = d.peer.kind === "channel" ? view.world.channels.get(d.peer.id)! : undefined
    if (req.broadcastsOnly && !(channel !== undefined && !channel.megagroup)) continue
    if (req.groupsOnly && !(d.peer.kind === "chat" || channel?.megagroup === true)) continue
    if (req.usersOnly && d.peer.kind !== "user") continue
    const tl = d.timeline
    for (let k = 0; k < tl.count; k++) {
      const date = tl.dateAtDesc(k)
      if ((req.minDate > 0 && date <= req.minDate) || (req.maxDate > 0 && date >= req.maxDate)) continue
      const m = tl.message(tl.idAtDesc(k))!
      if (matchesText(m) && matchesMedia(m)) hits.push({ timeline: tl, peer: d.peer, id: m.id, date })
    }
  }
  hits.sort((a, b) => b.date - a.date || peerOrder(b.peer) - peerOrder(a.peer) || b.id - a.id)

  let start = 0
  const offsetPeer = req.offsetPeer == null || (req.offsetPeer as Api.TypeInputPeer).className === "InputPeerEmpty"
    ? undefined
    : view.peerOf(req.offsetPeer)
  if (req.offsetRate > 0 || req.offsetId > 0 || offsetPeer !== undefined) {
    const rate = req.offsetRate > 0 ? req.offsetRate : Number.MAX_SAFE_INTEGER
    const after = (h: GlobalHit) => {
      if (h.date !== rate) return h.date < rate
      if (offsetPeer !== undefined && peerOrder(h.peer) !== peerOrder(offsetPeer)) return peerOrder(h.peer) < peerOrder(offsetPeer)
      return req.offsetId > 0 && h.id < req.offsetId
    }
    while (start < hits.length && !after(hits[start]!)) start++
  }
  const page = hits.slice(start, start + pageLimit(req.limit))
  const refs = new EntityRefs()
  const short = view.world.realism.short_search
  const messages = page.flatMap((h) => render(view, h.timeline, [h.id], refs, short))
  const more = start + page.length < hits.length
  const last = page.at(-1)
  return messagesResult(view, null, messages, hits.length, refs, more && last !== undefined ? { nextRate: last.date } : {})
}

/** messages.getMessages: ids in the account's private chats and basic groups (one id sequence). */
const getMessages = (req: Api.messages.GetMessages, view: AccountView): Api.messages.TypeMessages => {
  const own = view.world.timelines.filter((t) => t.owner === view.me)
  const refs = new EntityRefs()
  const messages = req.id.map((input): Api.TypeMessage => {
    const id = input.className === "InputMessageID" ? input.id : 0
    const timeline = own.find((t) => t.has(id))
    return timeline === undefined ? new Api.MessageEmpty({ id }) : view.message(timeline, timeline.message(id)!, refs)
  })
  const { users, chats } = view.entities(refs)
  return new Api.messages.Messages({ messages, chats, users })
}

export const messageHandlers: HandlerTable = {
  "messages.GetHistory": (req: Api.messages.GetHistory, ctx, world) => history(req, world.viewOf(ctx)),
  "messages.Search": (req: Api.messages.Search, ctx, world) => search(req, world.viewOf(ctx)),
  "messages.SearchGlobal": (req: Api.messages.SearchGlobal, ctx, world) => searchGlobal(req, world.viewOf(ctx)),
  "messages.GetMessages": (req: Api.messages.GetMessages, ctx, world) => getMessages(req, world.viewOf(ctx)),
  "messages.GetReplies": (req: Api.messages.GetReplies, ctx, world) => replies(req, world.viewOf(ctx)),
  "messages.GetDiscussionMessage": (req: Api.messages.GetDiscussionMessage, ctx, world) => discussionMessage(req, world.viewOf(ctx))
}
