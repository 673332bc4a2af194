/**
 * Where the history walks over a dialog's missing ranges stand between
 * steps and between requests: each walk's frontier, Telegram's paging
 * offset, the messages of the frontier's second not yet proven complete,
 * and the next page already asked for. Kept per dialog (HistorySync holds
 * them under the dialog's lock), so whichever request comes next continues
 * a walk without asking for the same page twice.
 */
import { Effect, Fiber } from "effect"
import type { MessageRecord } from "../domain/Message.js"
import type { HistoryPageRequest, MessagePage, PeerNotFound, TelegramError } from "../ports/TelegramGateway.js"

/** A page asked of Telegram ahead of time, while the one before it is stored and streamed. */
export interface Prefetch {
  readonly request: HistoryPageRequest
  /** Telegram's clock (ms) when it was asked for: what the tail rule (domain/HistoryTail.ts) may assume about it. */
  readonly askedAt: number
  readonly fiber: Fiber.RuntimeFiber<MessagePage, TelegramError | PeerNotFound>
}

export interface Walk {
  /** The frontier the walk has reached: the next page continues from here. */
  readonly from: number
  /** Telegram's paging offset: the last message id seen. */
  readonly lastId: number
  /** Messages already fetched in the second at the frontier, which is not proven complete yet. */
  readonly carry: ReadonlyArray<MessageRecord>
  /** The walk's next page, already asked for; whoever continues the walk takes it. */
  next: Prefetch | null
}

/** Walks stopped at different frontiers (by frontier), oldest first; a few are kept, so that requests walking elsewhere do not end each other's. */
export type WalkMap = Map<number, Walk>

export interface Walks {
  readonly forward: WalkMap
  readonly backward: WalkMap
}

const WALKS_KEPT = 16

export const makeWalks = (): Walks => ({ forward: new Map(), backward: new Map() })

/** Drops a walk's page asked for ahead, if any (its fiber is stopped; nobody is waiting for it under the lock). */
export const dropPrefetch = (walk: Walk) => {
  const next = walk.next
  walk.next = null
  return next === null ? Effect.void : Fiber.interruptFork(next.fiber)
}

/** Takes `walk` (continued by the caller) out of the map, and records where the walk now stands. */
export const advanceWalk = (walks: WalkMap, taken: Walk | null, walk: Walk | null) =>
  Effect.gen(function*() {
    if (taken !== null && walks.get(taken.from) === taken) walks.delete(taken.from)
    if (walk === null) return
    const old = walks.get(walk.from)
    if (old !== undefined) {
      walks.delete(walk.from)
      yield* dropPrefetch(old)
    }
    walks.set(walk.from, walk)
    for (const [from, stale] of walks) {
      if (walks.size <= WALKS_KEPT) break
      walks.delete(from)
      yield* dropPrefetch(stale)
    }
  })

export const clearWalks = (walks: WalkMap) =>
  Effect.gen(function*() {
    const all = [...walks.values()]
    walks.clear()
    for (const walk of all) yield* dropPrefetch(walk)
  })

/**
 * Whether a page asked for ahead answers `wanted`, and which of its messages
 * do: the same request, or one whose id bound has only tightened since (a
 * neighbour stored meanwhile); Telegram applies min_id and max_id after
 * choosing the page's window, so the tighter answer is the looser one with
 * the messages past the bound left out.
 */
export const prefetchAnswers = (
  asked: HistoryPageRequest,
  wanted: HistoryPageRequest
): ((m: MessageRecord) => boolean) | null => {
  if (
    asked.offsetId !== wanted.offsetId || asked.offsetDate !== wanted.offsetDate ||
    asked.addOffset !== wanted.addOffset || asked.limit !== wanted.limit
  ) return null
  const maxOk = asked.maxId === wanted.maxId || (wanted.maxId > 0 && (asked.maxId <= 0 || wanted.maxId < asked.maxId))
  const minOk = asked.minId === wanted.minId || wanted.minId > asked.minId
  if (!maxOk || !minOk) return null
  return (m) => m.id > wanted.minId && (wanted.maxId <= 0 || m.id < wanted.maxId)
}
