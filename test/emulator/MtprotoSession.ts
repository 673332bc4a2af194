/**
 * One MTProto session (auth key + client-chosen session id): its server
 * sequence numbers, the connection serving it right now, and the world's
 * CallContext for calls made in it.
 */
import type { Api } from "telegram"
import type { AuthKey } from "./AuthKeyStore.js"
import type { CallContext } from "./RpcContext.js"
import { serializeTl } from "./serializeTl.js"

/** What a session needs from the connection serving it. */
export interface SessionLink {
  readonly isOpen: () => boolean
  readonly sendEncrypted: (
    session: MtprotoSession,
    body: ReadonlyArray<Buffer>,
    contentRelated: boolean,
    isResponse: boolean
  ) => void
}

export class MtprotoSession {
  connection: SessionLink | undefined
  /** It made a call that subscribes it to updates (RpcContext.subscribesToUpdates). */
  subscribed = false
  private sequence = 0
  readonly ctx: CallContext

  constructor(
    readonly key: AuthKey,
    readonly id: bigint,
    context: Omit<CallContext, "push" | "authKeyId" | "sessionId">,
    private readonly logError: (message: string) => void
  ) {
    this.ctx = { ...context, authKeyId: key.idHex, sessionId: id.toString(), push: (updates) => this.push(updates) }
  }

  get mapKey(): string {
    return MtprotoSession.mapKey(this.key, this.id)
  }

  static mapKey(key: AuthKey, id: bigint): string {
    return `${key.idHex}:${id}`
  }

  isConnected(): boolean {
    return this.connection?.isOpen() ?? false
  }

  /** MTProto seq_no: odd and advancing for content-related messages, even otherwise. */
  nextSeqNo(contentRelated: boolean): number {
    return contentRelated ? this.sequence++ * 2 + 1 : this.sequence * 2
  }

  /**
   * Sends an Updates object to the client. GramJS starts a new session on
   * every reconnect, so when this session has lost its connection the update
   * goes to the key's latest connected session that subscribed to updates
   * (or, while none is connected, the latest one to connect: Connection.ts),
   * as Telegram delivers updates per authorisation; with none, it is dropped.
   */
  push(updates: Api.TypeUpdates): void {
    const latest = this.key.latestSession
    const target = this.isConnected() ? this : latest?.isConnected() ? latest : undefined
    if (target === undefined) return
    let body: Buffer
    try {
      body = serializeTl(updates)
    } catch (error) {
      this.logError(`push of ${updates.className} failed: ${error instanceof Error ? error.message : String(error)}`)
      return
    }
    target.connection!.sendEncrypted(target, [body], true, false)
  }
}
