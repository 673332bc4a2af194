/**
 * The seam between the emulator's MTProto machinery (transport, handshake,
 * encryption, sessions, dispatch: see Server.ts) and its world model (scenario,
 * accounts, messages, RPC handlers: see World.ts). The machinery decodes a
 * request, counts it, applies faults, and hands it to the world with a
 * CallContext; the world answers with a TL object (or a plain value the
 * machinery serialises) or throws an RpcError.
 */
import type { Api } from "telegram"

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
}

/** What the machinery needs from the world. */
export interface RpcHandler {
  /**
   * Answer one unwrapped request (never invokeWithLayer/initConnection/...).
   * `request.className` is e.g. "messages.GetHistory".
   */
  readonly handle: (request: any, ctx: CallContext) => Promise<unknown>
}
