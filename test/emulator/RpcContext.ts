/**
 * The seam between the emulator's MTProto machinery (transport, handshake,
 * encryption, sessions, dispatch: see Server.ts) and its world model (scenario,
 * accounts, messages, RPC handlers: see World.ts). The machinery decodes a
 * request, counts it, applies faults, and hands it to the world with a
 * CallContext; the world answers with a TL object (or a plain value the
 * machinery serialises) or throws an RpcError.
 */
import type { Api } from "telegram"
import type { Latency } from "./Latency.js"
import type { RateLimit } from "./RateLimits.js"
import type { Takeouts } from "./Takeouts.js"

/** An RPC error as Telegram sends it: `rpc_error { error_code, error_message }`. */
export class RpcError extends Error {
  constructor(readonly code: number, readonly errorMessage: string) {
    super(`${code} ${errorMessage}`)
  }
}

export interface DcAddress {
  readonly id: number
  readonly host: string
  readonly port: number
}

export interface CallContext {
  /** The DC whose listener received this call. */
  readonly dcId: number
  /** Hex of the 8-byte auth_key_id the call arrived under. */
  readonly authKeyId: string
  /** The MTProto session id (decimal string). */
  readonly sessionId: string
  /** The addresses of every DC of this emulator (for help.getConfig, migrations). */
  readonly dcs: ReadonlyArray<DcAddress>
  /**
   * Push an `Updates` object to this MTProto session. Resolved at push time to
   * whichever connection currently serves the session, so it survives a
   * reconnect; silently dropped if the session is gone.
   */
  readonly push: (updates: Api.TypeUpdates) => void
  /** The takeout session (Takeouts.ts) the call runs in, when it came wrapped in invokeWithTakeout. */
  readonly takeoutId?: string
  /** The call came wrapped in invokeWithoutUpdates: it does not subscribe its session to updates. */
  readonly withoutUpdates?: boolean
}

/**
 * Whether a call subscribes its session to the account's updates: any call
 * does, as with Telegram, except file queries (upload.*, which Telegram
 * answers as if wrapped in invokeWithoutUpdates) and calls wrapped in
 * invokeWithoutUpdates. A client's downloads on a session of their own
 * (GramJS borrows a sender per DC, its home DC included) leave the updates
 * where they were.
 */
export const subscribesToUpdates = (method: string, withoutUpdates: boolean | undefined): boolean =>
  withoutUpdates !== true && !method.startsWith("upload.")

/** What the machinery needs from the world. */
export interface RpcHandler {
  /**
   * Answer one unwrapped request (never invokeWithLayer/initConnection/...).
   * `request.className` is e.g. "messages.GetHistory".
   */
  readonly handle: (request: any, ctx: CallContext) => Promise<unknown>
  /** The account logged in on the call's auth key, if any: rate budgets (RateLimits.ts) are per account. */
  readonly accountOf?: (ctx: CallContext) => number | undefined
  /**
   * invokeWithTakeout's check of its takeout id: throws RpcError (400
   * TAKEOUT_INVALID) for an id that is unknown, finished or another
   * account's. Without it the inner query goes through unchecked.
   */
  readonly checkTakeout?: (takeoutId: string, ctx: CallContext) => void
}

/** The result of the phone approving a QR login (control API `POST /scan`). */
export type ScanOutcome = "approved" | "unknown_token" | "expired_token" | "unknown_user"

/**
 * Everything the machinery (listeners, control API, CLI) needs from the
 * world model. `World.ts` implements it from a scenario file.
 */
export interface EmulatorWorld extends RpcHandler {
  /** The DC ids the emulator must listen for: 1, every account's home DC, every DC that holds media. */
  readonly dcIds: () => ReadonlyArray<number>
  /** The phone of account `userId` approves the login token inside `qrUrl` (`tg://login?token=<base64url>`). */
  readonly scan: (qrUrl: string, userId: number) => ScanOutcome
  /**
   * The login codes sent to a phone number (any spelling: `+1 555 000 1001`),
   * oldest first, as the account's phone shows them; undefined when the text
   * is no phone number. Optional, like deleteMessage.
   */
  readonly codesFor?: (phone: string) => ReadonlyArray<{
    readonly code: string
    readonly type: string
    readonly status: string
    readonly sentAt: number
    readonly expiresAt: number
    readonly wrongAttempts: number
  }> | undefined
  /**
   * Appends scenario message objects as if they had just arrived (one naming
   * an existing message by peer and id edits it); throws ScenarioError on
   * invalid input. May say where each went (its peer, owner and id, and
   * whether it edited an existing message).
   */
  readonly appendMessages: (messages: ReadonlyArray<unknown>) => ReadonlyArray<{
    readonly peer: string
    readonly owner: number | null
    readonly id: number
    readonly edited: boolean
  }> | void
  /**
   * Deletes the message `{"peer", "id", "owner"?}` names; false when there is
   * no such message; throws ScenarioError on invalid input. Optional: a world
   * without it answers the control API's `DELETE /messages` with 501.
   */
  readonly deleteMessage?: (ref: unknown) => boolean
  /**
   * Deletes the messages `{"peer", "ids": [...], "owner"?}` (or `"id"`) name,
   * as one deletion; how many existed. Optional, like deleteMessage.
   */
  readonly deleteMessages?: (ref: unknown) => number
  /**
   * The update state of account `userId` (pts, qts, seq, date, unread count,
   * channel pts of the channels it is in); undefined for an unknown account.
   * Optional, as are the other update calls below.
   */
  readonly updateState?: (userId: number) => {
    readonly pts: number
    readonly qts: number
    readonly seq: number
    readonly date: number
    readonly unreadCount: number
    readonly channels: ReadonlyMap<number, number>
  } | undefined
  /** The changes of a message box after `since`, or "too_old"; undefined for an unknown box. Throws ScenarioError on a bad box. */
  readonly updateChanges?: (box: { readonly userId?: number; readonly peer?: string }, since: number) =>
    | ReadonlyArray<{ readonly pts: number; readonly ptsCount: number; readonly kind: string; readonly peer: string; readonly ids: ReadonlyArray<number>; readonly date: number }>
    | "too_old"
  /** The update settings; with a value, changes the ones it names (a string says why the value is invalid). */
  readonly updateSettings?: (value?: unknown) => Readonly<Record<string, number>> | string
  /** Adds update faults (drop pushes, channel holes, too long); throws ScenarioError on invalid input. */
  readonly addUpdateFaults?: (body: Record<string, unknown>) => void
  readonly clearUpdateFaults?: () => void
  /**
   * The logins in force (Telegram's Settings > Devices), each with its account
   * and the number of auth keys (DCs) it is on. Optional, like deleteMessage.
   */
  readonly authorizations?: () => ReadonlyArray<{ readonly id: number; readonly userId: number; readonly keys: number }>
  /**
   * The account's phone terminates its sessions: every authorization of
   * `userId` ends, its keys answer AUTH_KEY_UNREGISTERED from then on. How
   * many ended; undefined for an unknown account. Optional, like deleteMessage.
   */
  readonly revokeAuthorizations?: (userId: number) => number | undefined
  /**
   * Realistic mode (Realism.ts): sets the imperfections in force from a
   * realism value and returns them, or a string saying why the value is
   * invalid. Optional, as are `realism` (the flags in force) and `kick`.
   */
  readonly setRealism?: (value: unknown) => Readonly<Record<string, boolean | number>> | string
  readonly realism?: Readonly<Record<string, boolean | number>>
  /** Removes an account from a channel (`{"user_id", "peer"}`), or lets it back in with `join`; throws ScenarioError on invalid input. */
  readonly kick?: (body: unknown, join?: boolean) => void
  /** Puts a chat into one of an account's folders (`{"user_id", "folder_id", "peer"}`); throws ScenarioError on invalid input. */
  readonly includeInFolder?: (body: unknown) => void
  /** The rate budgets and latency the scenario starts with (RateLimits.ts, Latency.ts); optional, none without it. */
  readonly traffic?: () => { readonly rate: ReadonlyArray<RateLimit>; readonly latency: Latency }
  /** Takeout sessions (Takeouts.ts), for the control API's `/takeout` calls; optional. */
  readonly takeouts?: Takeouts
  /** Makes every file reference handed out so far stale (FILE_REFERENCE_EXPIRED). */
  readonly rotateFileReferences?: () => void
  /** The exact bytes served for the media of message `id` in `peer` (`channel:3001`, `user:1002`, ...); undefined if none. */
  readonly mediaBytes: (peer: string, id: number, owner?: number) => Buffer | undefined
}

/** A scenario (file or control API input) that does not follow the contract; the message names the field. */
export class ScenarioError extends Error {}
