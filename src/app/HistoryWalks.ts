/**
 * Where the history walks over a dialog's missing ranges stand between
 * steps and between requests: each walk's frontier, Telegram's paging
 * offset, the messages of the frontier's second not yet proven complete,
 * and the next page already asked for. Kept per dialog (HistorySync holds
 * them under the dialog's lock), so whichever request comes next continues
 * a walk without asking for the same page twice.
 */
import { Effect, Fiber } from "effect"
import type { HistoryPageRequest, WalkPosition } from "../domain/HistoryWalk.js"
import type { MessagePage, PeerNotFound, TelegramError } from "../ports/TelegramGateway.js"

/** A page asked of Telegram ahead of time, while the one before it is stored and streamed. */
export interface Prefetch {
  readonly request: HistoryPageRequest
  /** Telegram's clock (ms) when it was asked for: what the tail rule (domain/HistoryTail.ts) may assume about it. */
  readonly askedAt: number
  readonly fiber: Fiber.RuntimeFiber<MessagePage, TelegramError | PeerNotFound>
}

/** Where a walk stands (domain/HistoryWalk.ts), with its next page already asked for. */
export interface Walk extends WalkPosition {
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
