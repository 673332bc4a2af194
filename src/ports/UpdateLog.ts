/**
 * One account's followed state and its event log: where the account's
 * update sequences stand (the common box and each channel), and the events
 * told to clients, each with an id that grows by one per event. Events and
 * the state they bring the sequences to are written in one transaction, so
 * a crash neither loses an event nor tells one twice: what was not written
 * is asked of Telegram again from the state that was.
 */
import { Context, Data, type Effect } from "effect"
import type { AccountId, DialogId } from "../domain/Ids.js"
import type { EventKind } from "../domain/LiveUpdates.js"
import type { CommonState } from "./TelegramUpdates.js"

export class UpdateLogError extends Data.TaggedError("UpdateLogError")<{
  readonly operation: string
  readonly cause: unknown
}> {
  override get message() {
    return `update log: ${this.operation} failed: ${this.cause instanceof Error ? this.cause.message : String(this.cause)}`
  }
}

/** A sequence's position and the chain it belongs to (domain/LiveUpdates.ts FollowMark). */
export interface ChannelPosition {
  readonly pts: number
  readonly chain: string
  /**
   * The newest message id of the channel known to have been told (0: not
   * known): where the messages of a gap Telegram will not tell (its "too
   * long" answer) begin.
   */
  readonly top: number
}

export interface FollowedState {
  readonly common: CommonState
  readonly chain: string
  readonly channels: ReadonlyMap<DialogId, ChannelPosition>
  /** The dialogs the account had, or was told of (a `dialog` event); null before they were first listed. */
  readonly dialogs: ReadonlySet<DialogId> | null
}

/** What a commit changes of the state: the common box, and channels set (or, with null, forgotten). */
export interface StateChange {
  readonly common?: { readonly state: CommonState; readonly chain: string } | undefined
  readonly channels?: ReadonlyArray<{ readonly channelId: DialogId; readonly position: ChannelPosition | null }> | undefined
  /** Dialogs now known (listed, or told of); given at all (even empty), the known dialogs count as listed. */
  readonly dialogs?: ReadonlyArray<DialogId> | undefined
}

export interface NewEvent {
  readonly kind: EventKind
  /** Null for a deletion Telegram did not say the dialog of. */
  readonly dialogId: DialogId | null
  /** The event's data, JSON, as clients get it. */
  readonly data: string
}

export interface LoggedEvent extends NewEvent {
  readonly id: number
  /** Epoch milliseconds. */
  readonly createdAt: number
}

/** The ids the log holds: `oldest` to `newest`; an empty log has `oldest` = `newest` + 1. */
export interface LogBounds {
  readonly oldest: number
  readonly newest: number
}

export interface UpdateLogService {
  /** The followed state; none before the account was first followed. */
  readonly state: (account: AccountId) => Effect.Effect<FollowedState | null, UpdateLogError>
  /** One transaction: the events appended (ids given in order), the state changed, old events dropped. */
  readonly commit: (
    account: AccountId,
    events: ReadonlyArray<NewEvent>,
    change: StateChange
  ) => Effect.Effect<ReadonlyArray<LoggedEvent>, UpdateLogError>
  /** Up to `limit` events after `after`, oldest first; with `dialogIds`, only theirs. */
  readonly read: (
    account: AccountId,
    after: number,
    limit: number,
    dialogIds?: ReadonlyArray<DialogId> | null
  ) => Effect.Effect<ReadonlyArray<LoggedEvent>, UpdateLogError>
  readonly bounds: (account: AccountId) => Effect.Effect<LogBounds, UpdateLogError>
}

export class UpdateLog extends Context.Tag("ports/UpdateLog")<UpdateLog, UpdateLogService>() {}
