/**
 * Forum topics and threads over GramJS (issue 17): where a topic's or a
 * thread's messages are (channels.getForumTopicsByID,
 * messages.getDiscussionMessage), their pages (messages.getReplies, paged as
 * messages.getHistory), and a forum's topic list (channels.getForumTopics).
 */
import { Api, type TelegramClient } from "telegram"
import bigInt from "big-integer"
import { Effect } from "effect"
import type { HistoryPageRequest } from "../../domain/HistoryWalk.js"
import { DialogId } from "../../domain/Ids.js"
import type { SessionName } from "../../domain/SessionName.js"
import type { ForumTopic, HistoryScope } from "../../domain/Thread.js"
import {
  type MessagePage,
  NoThreads,
  type PeerNotFound,
  type TelegramError,
  ThreadNotFound,
  type ThreadLocation
} from "../../ports/TelegramGateway.js"
import { messagesOf, peerToMarkedId } from "./Mapping.js"
import { messagesByIdsOf } from "./PeerRequests.js"

/** What a thread call needs of the session's connection. */
export interface ThreadConnection {
  readonly client: TelegramClient
  readonly selfId: number
  readonly remember: (users: ReadonlyArray<Api.TypeUser>, chats: ReadonlyArray<Api.TypeChat>, messages?: ReadonlyArray<Api.TypeMessage>) => void
}

/** The gateway's call on a dialog's input peer, with its error mapping. */
export type PeerCall = <A>(
  session: SessionName,
  dialogId: number,
  method: string,
  run: (connection: ThreadConnection, peer: Api.TypeInputPeer) => Promise<A>
) => Effect.Effect<A, TelegramError | PeerNotFound>

const rpcMessage = (e: unknown): string | undefined =>
  typeof e === "object" && e !== null && "errorMessage" in e ? String((e as { errorMessage: unknown }).errorMessage) : undefined

const inputChannel = (peer: Api.InputPeerChannel) => new Api.InputChannel({ channelId: peer.channelId, accessHash: peer.accessHash })

type Located = ThreadLocation | { readonly _tag: "NoThreads"; readonly reason: string } | { readonly _tag: "NotFound" }

const topicLocation = (c: ThreadConnection, peer: Api.TypeInputPeer, dialogId: number, topicId: number): Promise<Located> => {
  const notForum = { _tag: "NoThreads" as const, reason: `dialog ${dialogId} is not a forum: it has no topics` }
  if (peer.className !== "InputPeerChannel") return Promise.resolve(notForum)
  return c.client.invoke(new Api.channels.GetForumTopicsByID({ channel: inputChannel(peer), topics: [topicId] })).then(
    (result) => {
      c.remember(result.users, result.chats, result.messages)
      const found = result.topics.some((t) => t.className === "ForumTopic" && t.id === topicId)
      return found ? { dialogId: DialogId(dialogId), rootId: topicId } : { _tag: "NotFound" as const }
    },
    (e: unknown) => {
      if (rpcMessage(e) === "CHANNEL_FORUM_MISSING") return notForum
      if (rpcMessage(e) === "TOPIC_ID_INVALID") return { _tag: "NotFound" as const }
      throw e
    }
  )
}

const threadLocation = async (c: ThreadConnection, peer: Api.TypeInputPeer, dialogId: number, msgId: number): Promise<Located> => {
  if (peer.className !== "InputPeerChannel") {
    return { _tag: "NoThreads", reason: `dialog ${dialogId} has no threads (a private chat or basic group)` }
  }
  try {
    const result = await c.client.invoke(new Api.messages.GetDiscussionMessage({ peer, msgId }))
    c.remember(result.users, result.chats, result.messages)
    // Newest first: the thread's root is the last (an album's first message).
    const root = result.messages.at(-1)
    const where = root === undefined || root.className === "MessageEmpty" ? null : peerToMarkedId(root.peerId)
    if (root === undefined || where === null || where === undefined) return { _tag: "NotFound" }
    return { dialogId: DialogId(where), rootId: root.id }
  } catch (e) {
    if (rpcMessage(e) !== "MSG_ID_INVALID") throw e
    // Either no such message, or one with no thread (a post without comments): asked by id to say which.
    const { messages } = await messagesByIdsOf(c.client, c.selfId, peer, [msgId])
    return messages.length === 0
      ? { _tag: "NotFound" }
      : { _tag: "NoThreads", reason: `message ${msgId} of dialog ${dialogId} has no comments or thread` }
  }
}

export const threadCalls = (peerCall: PeerCall) => ({
  thread: (session: SessionName, dialogId: DialogId, scope: HistoryScope) =>
    Effect.flatMap(
      scope._tag === "Topic"
        ? peerCall(session, dialogId, "channels.GetForumTopicsByID", (c, peer) => topicLocation(c, peer, dialogId, scope.topicId))
        : peerCall(session, dialogId, "messages.GetDiscussionMessage", (c, peer) => threadLocation(c, peer, dialogId, scope.messageId)),
      (located): Effect.Effect<ThreadLocation, NoThreads | ThreadNotFound> =>
        !("_tag" in located)
          ? Effect.succeed(located)
          : located._tag === "NoThreads"
          ? Effect.fail(new NoThreads({ dialogId, asked: scope._tag, reason: located.reason }))
          : Effect.fail(new ThreadNotFound({ dialogId, scope }))
    ),

  replies: (session: SessionName, dialogId: DialogId, rootId: number, request: HistoryPageRequest) =>
    peerCall(session, dialogId, "messages.GetReplies", async (c, peer): Promise<MessagePage> => {
      const result = await c.client.invoke(new Api.messages.GetReplies({ peer, msgId: rootId, ...request, hash: bigInt.zero }))
      if (result.className !== "messages.MessagesNotModified") c.remember(result.users, result.chats, result.messages)
      const { count, ids, messages } = messagesOf(result, c.selfId)
      return { messages, count, ids }
    }),

  topics: (session: SessionName, dialogId: DialogId) =>
    Effect.flatMap(
      peerCall(session, dialogId, "channels.GetForumTopics", async (c, peer) => {
        if (peer.className !== "InputPeerChannel") return null
        const topics: Array<ForumTopic> = []
        let offset = { offsetDate: 0, offsetId: 0, offsetTopic: 0 }
        for (let pages = 0; pages < 100; pages++) {
          let result: Api.messages.ForumTopics
          try {
            result = await c.client.invoke(new Api.channels.GetForumTopics({ channel: inputChannel(peer), ...offset, limit: 100 }))
          } catch (e) {
            if (rpcMessage(e) === "CHANNEL_FORUM_MISSING") return null
            throw e
          }
          c.remember(result.users, result.chats, result.messages)
          const page = result.topics.filter((t): t is Api.ForumTopic => t.className === "ForumTopic")
          const dates = new Map(result.messages.flatMap((m) => ("date" in m && m.date !== undefined ? [[m.id, m.date] as const] : [])))
          for (const t of page) topics.push(topicOf(t, dates.get(t.topMessage) ?? null))
          const last = page.at(-1)
          if (last === undefined || topics.length >= result.count) break
          const top = result.messages.find((m) => m.id === last.topMessage)
          offset = { offsetDate: top !== undefined && "date" in top ? top.date ?? 0 : 0, offsetId: last.topMessage, offsetTopic: last.id }
        }
        return topics
      }),
      (topics) =>
        topics === null
          ? Effect.fail(new NoThreads({ dialogId, asked: "Topic", reason: `dialog ${dialogId} is not a forum: it has no topics` }))
          : Effect.succeed(topics)
    )
})

const topicOf = (t: Api.ForumTopic, lastMessageDate: number | null): ForumTopic => ({
  id: t.id,
  title: t.title,
  iconEmojiId: t.iconEmojiId == null ? null : t.iconEmojiId.toString(),
  iconColor: t.iconColor ?? null,
  createdDate: t.date,
  topMessageId: t.topMessage,
  lastMessageDate,
  closed: t.closed === true,
  pinned: t.pinned === true,
  hidden: t.hidden === true
})
