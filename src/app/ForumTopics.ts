/**
 * A forum's topics (issue 17), each with how many messages the cache holds
 * of it once its whole history is cached; optionally only those whose title
 * matches a query, with dialog search's fuzzy title match, best first.
 */
import { Effect } from "effect"
import { SERVICE_CHAT_ID } from "../domain/DialogFilters.js"
import { foldedTitle, foldedTitleMatcher } from "../domain/FuzzyScore.js"
import { DialogId } from "../domain/Ids.js"
import * as Intervals from "../domain/Intervals.js"
import type { SessionName } from "../domain/SessionName.js"
import type { ListedTopic } from "../domain/Thread.js"
import { MessageStore } from "../ports/MessageStore.js"
import { PeerNotFound, TelegramGateway } from "../ports/TelegramGateway.js"

/** Dialog search's default: the fuzzy score a title must reach. */
const MIN_SCORE = 0.8

const makeForumTopics = Effect.gen(function*() {
  const gateway = yield* TelegramGateway
  const store = yield* MessageStore

  const list = (session: SessionName, dialogId: number, query: string | null) =>
    Effect.gen(function*() {
      if (dialogId === SERVICE_CHAT_ID) return yield* new PeerNotFound({ dialogId: DialogId(dialogId) })
      const topics = yield* gateway.topics(session, DialogId(dialogId))
      const match = query === null || query.trim() === "" ? null : foldedTitleMatcher(query, MIN_SCORE)
      const chosen = match === null
        ? topics.map((t) => ({ topic: t, score: null }))
        : topics.flatMap((t) => {
          const score = match(foldedTitle(t.title))
          return score === null || score < MIN_SCORE ? [] : [{ topic: t, score }]
        }).sort((a, b) => b.score - a.score)
      const account = yield* gateway.account(session)
      const key = { accountId: account.userId, dialogId: DialogId(dialogId) }
      const cached = yield* store.exists(key)
      const sizes = cached ? yield* store.threadSizes(key) : new Map<number, number>()
      const listed: Array<ListedTopic> = []
      for (const { score, topic } of chosen) {
        const whole = cached && topic.lastMessageDate !== null &&
          Intervals.covers(yield* store.covered(key, topic.id), Intervals.interval(0, topic.lastMessageDate + 1))
        listed.push({ ...topic, messageCount: whole ? sizes.get(topic.id) ?? 0 : null, score })
      }
      return listed
    })

  return {
    list: (session: SessionName, dialogId: number, query: string | null) =>
      Effect.withSpan(list(session, dialogId, query), "ForumTopics.list")
  }
})

/** A forum's topics. */
export class ForumTopics extends Effect.Service<ForumTopics>()("app/ForumTopics", { effect: makeForumTopics }) {}
