/**
 * What Telegram derives from a channel's messages (issue 17): reply threads
 * of supergroups, the comments of broadcast posts in their linked discussion
 * group, and forum topics. Computed from the timelines on demand and cached
 * per timeline until it changes (Timeline.version).
 *
 * - A message's thread root is its `reply_to_top_id`, else its `reply_to`.
 *   Threads count the scenario's and appended messages only (generated
 *   replies are not counted), and not in forums, whose threads are topics.
 * - A discussion copy (`discussion_of`) is the root of its post's comments.
 * - A forum message's topic is its `topic`, or its own id for a
 *   topic_create message, or 1 (General). Topics are computed over every
 *   message of the forum, generated ones included (keep generated forums small).
 */
import { DEFAULT_TOPIC_COLOR, type MessageSpec, type PeerRef, type ScenarioChannel } from "./Scenario.js"
import type { Timeline } from "./Timeline.js"
import type { World } from "./World.js"

const caches = new WeakMap<Timeline, Map<string, { readonly version: number; readonly value: unknown }>>()

const cached = <T>(timeline: Timeline, key: string, compute: () => T): T => {
  let map = caches.get(timeline)
  if (map === undefined) {
    map = new Map()
    caches.set(timeline, map)
  }
  const hit = map.get(key)
  if (hit !== undefined && hit.version === timeline.version) return hit.value as T
  const value = compute()
  map.set(key, { version: timeline.version, value })
  return value
}

export const channelOf = (world: World, peer: PeerRef): ScenarioChannel | undefined =>
  peer.kind === "channel" ? world.channels.get(peer.id) : undefined

export const isForum = (world: World, peer: PeerRef): boolean => channelOf(world, peer)?.forum === true

/** The forum topic of a message of a forum. */
export const topicOf = (m: MessageSpec): number => (m.action?.type === "topic_create" ? m.id : m.topic ?? 1)

const threadRootOf = (m: MessageSpec): number | null => m.replyToTopId ?? m.replyTo

/** Root id -> ids of its thread, ascending (supergroups that are not forums). */
const threadIndex = (timeline: Timeline): ReadonlyMap<number, ReadonlyArray<number>> =>
  cached(timeline, "threads", () => {
    const index = new Map<number, Array<number>>()
    for (const m of timeline.explicitMessages()) {
      const root = threadRootOf(m)
      if (root === null || root === m.id) continue
      const list = index.get(root) ?? []
      list.push(m.id)
      index.set(root, list)
    }
    for (const list of index.values()) list.sort((a, b) => a - b)
    return index
  })

/** Topic id -> ids of its messages, ascending (forums). */
const topicIndex = (timeline: Timeline): ReadonlyMap<number, ReadonlyArray<number>> =>
  cached(timeline, "topics", () => {
    const index = new Map<number, Array<number>>()
    for (const id of timeline.idsNewestFirst()) {
      const topic = topicOf(timeline.message(id)!)
      const list = index.get(topic) ?? []
      list.push(id)
      index.set(topic, list)
    }
    for (const list of index.values()) list.reverse()
    return index
  })

/** Post id -> id of its automatic copy, in a discussion group's timeline. */
const copyIndex = (timeline: Timeline): ReadonlyMap<number, number> =>
  cached(timeline, "copies", () => {
    const index = new Map<number, number>()
    for (const m of timeline.explicitMessages()) if (m.discussionOf !== null) index.set(m.discussionOf, m.id)
    return index
  })

/** The automatic copy of a broadcast post in the linked discussion group, if there is one. */
export const discussionCopy = (
  world: World,
  channelId: number,
  postId: number
): { readonly group: number; readonly timeline: Timeline; readonly copyId: number } | undefined => {
  const group = world.channels.get(channelId)?.linkedChat ?? null
  if (group === null) return undefined
  const timeline = world.timelineOf({ kind: "channel", id: group }, null)!
  const copyId = copyIndex(timeline).get(postId)
  return copyId === undefined ? undefined : { group, timeline, copyId }
}

/** The broadcast channel a discussion group is linked to (linked_chat_id seen from the group). */
export const linkedBroadcast = (world: World, groupId: number): number | null => {
  for (const c of world.channels.values()) if (c.linkedChat === groupId) return c.id
  return null
}

/**
 * The ids (ascending) of the thread rooted at `rootId` in `timeline`: in a
 * forum, a topic's messages when `rootId` is a topic (else the replies to
 * it); in a supergroup, the messages whose root it is.
 */
export const threadIds = (world: World, timeline: Timeline, rootId: number): ReadonlyArray<number> => {
  if (isForum(world, timeline.peer)) {
    const topics = topicIndex(timeline)
    if (rootId === 1 || timeline.message(rootId)?.action?.type === "topic_create") return topics.get(rootId) ?? []
  }
  return threadIndex(timeline).get(rootId) ?? []
}

export interface RepliesInfo {
  readonly comments: boolean
  readonly replies: number
  readonly channelId: number | null
  readonly maxId: number | null
}

/** Api.MessageReplies' content for a message, or null when Telegram sends none. */
export const repliesOf = (world: World, timeline: Timeline, m: MessageSpec): RepliesInfo | null => {
  const channel = channelOf(world, timeline.peer)
  if (channel === undefined || channel.forum) return null
  if (!channel.megagroup) {
    const copy = discussionCopy(world, channel.id, m.id)
    if (copy === undefined) return null
    const ids = threadIds(world, copy.timeline, copy.copyId)
    return { comments: true, replies: ids.length, channelId: copy.group, maxId: ids.at(-1) ?? null }
  }
  const ids = threadIds(world, timeline, m.id)
  return ids.length === 0 ? null : { comments: false, replies: ids.length, channelId: null, maxId: ids.at(-1)! }
}

export interface TopicInfo {
  readonly id: number
  readonly date: number
  readonly title: string
  readonly iconColor: number
  readonly iconEmojiId: string | null
  readonly topMessage: number
  readonly topDate: number
  readonly closed: boolean
  readonly pinned: boolean
  readonly hidden: boolean
  /** Who created it: the topic_create sender, or for General the channel's creator (else the channel). */
  readonly creator: PeerRef
}

/**
 * A forum's topics, unordered: General (id 1) and one per topic_create
 * message, with topic_edit actions applied in id order; the channel's
 * `topics` entry, when it lists the topic, decides closed/pinned/hidden.
 */
export const forumTopics = (world: World, channelId: number): ReadonlyArray<TopicInfo> => {
  const channel = world.channels.get(channelId)!
  const timeline = world.timelineOf({ kind: "channel", id: channelId }, null)!
  return cached(timeline, "topicInfo", () => {
    const index = topicIndex(timeline)
    const ids = [1, ...[...index.keys()].filter((id) => id !== 1)].sort((a, b) => a - b)
    return ids.map((id): TopicInfo => {
      const members = index.get(id) ?? []
      const create = id === 1 ? undefined : timeline.message(id)!
      let title = create?.action?.type === "topic_create" ? create.action.title : "General"
      const iconColor = create?.action?.type === "topic_create" ? create.action.icon_color : DEFAULT_TOPIC_COLOR
      let iconEmojiId = create?.action?.type === "topic_create" ? create.action.icon_emoji_id : null
      let closed = false
      let hidden = false
      for (const memberId of members) {
        const a = timeline.message(memberId)!.action
        if (a?.type !== "topic_edit") continue
        title = a.title ?? title
        iconEmojiId = a.icon_emoji_id ?? iconEmojiId
        closed = a.closed ?? closed
        hidden = a.hidden ?? hidden
      }
      const state = channel.topics.find((t) => t.id === id)
      const topMessage = members.at(-1) ?? 0
      return {
        id,
        date: create?.date ?? channel.date,
        title,
        iconColor,
        iconEmojiId,
        topMessage,
        topDate: topMessage === 0 ? channel.date : timeline.message(topMessage)!.date,
        closed: state?.closed ?? closed,
        pinned: state?.pinned ?? false,
        hidden: state?.hidden ?? hidden,
        creator: create?.from ?? (channel.creator !== null ? { kind: "user", id: channel.creator } : { kind: "channel", id: channelId })
      }
    })
  })
}

/** Telegram's order of a forum's topics: pinned first, then by their latest message, newest first. */
export const orderedTopics = (topics: ReadonlyArray<TopicInfo>): Array<TopicInfo> =>
  [...topics].sort((a, b) => Number(b.pinned) - Number(a.pinned) || b.topDate - a.topDate || b.topMessage - a.topMessage)
