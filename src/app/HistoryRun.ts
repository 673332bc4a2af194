/**
 * One history request under way, as one value: what it asks for (the range
 * clamped to what can exist, the direction, Telegram's clock at its start),
 * the dialog it holds, its output side, and everything it changes as it
 * goes. HistorySync keeps no other per-request state.
 */
import type { Effect } from "effect"
import type { Direction } from "../domain/HistoryWalk.js"
import * as Intervals from "../domain/Intervals.js"
import type { Interval, IntervalSet } from "../domain/Intervals.js"
import type { DialogKey } from "../ports/MessageStore.js"
import type { HistoryOutput } from "./HistoryOutput.js"
import type { HistoryEvent, HistoryRequest } from "./HistoryRequest.js"
import { makeWalks, type WalkMap, type Walks } from "./HistoryWalks.js"

/** What a dialog's requests share, held for as long as one of them runs. */
export interface DialogState {
  /** Held for one step (recompute what is missing, fetch a page, commit), never while emitting. */
  readonly lock: Effect.Semaphore
  /** Where this dialog's last walks stopped, so whichever request comes next continues them without overlap. */
  readonly walks: Walks
}

export class HistoryRun {
  /** Messages fetched from Telegram so far (progress events report it). */
  fetched = 0
  /** The missing range being fetched, if any (progress events report it). */
  fetching: Interval | null = null
  /** What this request fetched completely itself (recorded in the cache or not, see domain/HistoryTail.ts). */
  fetchedHere: IntervalSet = Intervals.empty
  /** Whether the dialog has a cache (asked until it has one, then known). */
  cacheExists = false
  /**
   * Whether cached messages stored before tgsc knew their details are
   * refreshed before they are served; off for the rest of the request once
   * Telegram could not be asked (they are served as they are).
   */
  refreshDetails = true
  /** Where the walk over the range stands: everything behind it has been served. */
  position: number
  /** A forced refresh walks on its own: it must see every message again, not continue another request's walk. */
  readonly ownWalks: Walks = makeWalks()
  /** Telegram's clock when the request started, in seconds: "now" for the tail rule. */
  readonly now: number
  readonly output: HistoryOutput

  constructor(
    readonly request: HistoryRequest,
    readonly key: DialogKey,
    readonly dialog: DialogState,
    readonly direction: Direction,
    /** The request's range, clamped to what can exist. */
    readonly range: Interval,
    /** Telegram's clock (ms) when the request started. */
    readonly startedMs: number,
    /** Telegram's clock less ours (ms), measured when the client connected. */
    readonly clockOffset: number,
    /** A topic's or thread's history: its id (domain/Thread.ts threadOf); null for the whole dialog. */
    readonly thread: number | null,
    output: (run: HistoryRun) => HistoryOutput
  ) {
    this.position = direction.near(range)
    this.now = Math.floor(startedMs / 1000)
    this.output = output(this)
  }

  /** The walks this request continues in its direction: the dialog's, or with force_refresh its own. */
  walks(): WalkMap {
    const walks = this.request.forceRefresh ? this.ownWalks : this.dialog.walks
    return this.direction.forward ? walks.forward : walks.backward
  }

  progress(rateLimitWait: number): HistoryEvent {
    return { _tag: "Progress", fetched: this.fetched, fetching: this.fetching, rateLimitWait }
  }
}
