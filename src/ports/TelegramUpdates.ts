/**
 * Telegram's updates as the live-updates use case needs them, in domain
 * values: what the live connection pushes, and the calls that close a hole
 * (updates.getState, updates.getDifference, updates.getChannelDifference).
 * Each call names the session it acts for; the adapter uses that session's
 * client (the one TelegramGateway uses).
 */
import { Context, type Effect, type Stream } from "effect"
import type { DialogId } from "../domain/Ids.js"
import type { LiveChange, SequencedUpdate } from "../domain/LiveUpdates.js"
import type { SessionName } from "../domain/SessionName.js"
import type { PeerNotFound, TelegramError } from "./TelegramGateway.js"

/** The common box's position (updates.State). */
export interface CommonState {
  readonly pts: number
  readonly qts: number
  readonly date: number
  readonly seq: number
}

/** What the live connection delivers. */
export type UpdatePush =
  /** Sequenced updates, in the order Telegram sent them. */
  | { readonly _tag: "Updates"; readonly updates: ReadonlyArray<SequencedUpdate> }
  /**
   * A common-box update Telegram sent short (updateShortMessage, ...),
   * without the entities a message needs: at `pts`, `ptsCount`; the
   * difference gives it whole.
   */
  | { readonly _tag: "Short"; readonly pts: number; readonly ptsCount: number }
  /** updatesTooLong: too much happened; ask for the difference. */
  | { readonly _tag: "TooLong" }
  /** updateChannelTooLong: ask for the channel's difference. */
  | { readonly _tag: "ChannelTooLong"; readonly channelId: DialogId }
  /** The connection was (re)established: what happened meanwhile is only in the difference. */
  | { readonly _tag: "Connected" }

/** A difference's changes, in the order to apply them. */
export interface DifferenceChanges {
  /** Common-box changes (their pts are the difference's business), then channel updates with their own pts. */
  readonly changes: ReadonlyArray<LiveChange>
  readonly channelUpdates: ReadonlyArray<SequencedUpdate>
  /**
   * Channels Telegram says to ask for their own difference, with the
   * channel's pts when it says it (where a channel not followed yet, one
   * just joined, starts).
   */
  readonly channelsTooLong: ReadonlyArray<{ readonly channelId: DialogId; readonly pts: number | null }>
}

export type Difference =
  | { readonly _tag: "Empty"; readonly date: number; readonly seq: number }
  /** `final` false: a slice, ask again from `state`. */
  | ({ readonly _tag: "Changes"; readonly state: CommonState; readonly final: boolean } & DifferenceChanges)
  /** Too much to tell: the sequence goes on from `pts`, and what happened before it is not told. */
  | { readonly _tag: "TooLong"; readonly pts: number }

export type ChannelDifference =
  | { readonly _tag: "Empty"; readonly pts: number; readonly final: boolean }
  | {
    readonly _tag: "Changes"
    readonly pts: number
    readonly final: boolean
    /** New messages first, then the other updates, in order. */
    readonly changes: ReadonlyArray<LiveChange>
  }
  /**
   * Too much to tell: the channel's sequence goes on from `pts`; its newest
   * message is `top`, and what happened before is not told (the messages
   * are in its history).
   */
  | { readonly _tag: "TooLong"; readonly pts: number; readonly top: number }

/** A channel's position in its own sequence, and its newest message id. */
export interface ChannelState {
  readonly pts: number
  readonly top: number
}

/** What a first start follows from: the account's dialogs, and each channel's (and supergroup's) own position. */
export interface DialogStates {
  readonly dialogs: ReadonlyArray<DialogId>
  readonly channels: ReadonlyMap<DialogId, ChannelState>
}

export interface TelegramUpdatesService {
  /**
   * What the session's live connection pushes, from the moment the stream
   * is run; the connection stays open while it runs. Fails when the
   * connection is lost for good (run it again to reconnect).
   */
  readonly pushes: (session: SessionName) => Stream.Stream<UpdatePush, TelegramError>
  readonly state: (session: SessionName) => Effect.Effect<CommonState, TelegramError>
  /**
   * The account's dialogs and the channels' own positions (each channel and
   * supergroup among them), from one walk of the dialog list, for a first
   * start: from then on their updates can be followed, and a dialog not
   * among them is new.
   */
  readonly dialogStates: (session: SessionName) => Effect.Effect<DialogStates, TelegramError>
  readonly difference: (session: SessionName, from: CommonState) => Effect.Effect<Difference, TelegramError>
  readonly channelDifference: (
    session: SessionName,
    channelId: DialogId,
    pts: number
  ) => Effect.Effect<ChannelDifference, TelegramError | PeerNotFound>
}

export class TelegramUpdates extends Context.Tag("ports/TelegramUpdates")<TelegramUpdates, TelegramUpdatesService>() {}
