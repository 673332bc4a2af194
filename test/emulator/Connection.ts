/**
 * One client TCP connection to one DC: frames in, handshake or decrypted
 * MTProto messages, service messages answered on the spot (pings, salts,
 * new sessions), RPCs handed to the Dispatcher and answered whenever they
 * finish, so a slow call holds up neither pings nor other calls. Everything
 * up to the world's handler runs synchronously in the socket's data event.
 */
import type { Socket } from "node:net"
import { randomBytes } from "node:crypto"
import { gunzipSync, gzipSync } from "node:zlib"
import bigInt from "big-integer"
import { Api } from "telegram"
import { BinaryReader } from "telegram/extensions/index.js"
import { serializeBytes } from "telegram/tl/index.js"
import type { AuthKey, AuthKeyStore } from "./AuthKeyStore.js"
import { CipherError } from "./MessageCipher.js"
import { type Dispatcher, rpcErrorBytes } from "./Dispatcher.js"
import { Framing, FramingError } from "./Framing.js"
import { Handshake, HandshakeError, type NewAuthKey } from "./Handshake.js"
import { MtprotoSession, type SessionLink } from "./MtprotoSession.js"
import { type DcAddress, subscribesToUpdates } from "./RpcContext.js"
import type { ServerKey } from "./ServerKey.js"
import type { ServerMessageIds } from "./ServerMessageIds.js"

const MSG_CONTAINER = 0x73f1f8dc
const GZIP_PACKED = 0x3072cfa1
const RPC_RESULT = 0xf35c6d01

/** Results above this size travel as gzip_packed, as Telegram's large answers do. */
export const GZIP_THRESHOLD = 8 * 1024

/** File parts are media bytes: gzip would spend time to gain nothing. */
const NOT_GZIPPED = new Set([Api.upload.File.CONSTRUCTOR_ID, Api.upload.WebFile.CONSTRUCTOR_ID, Api.upload.CdnFile.CONSTRUCTOR_ID])

/** Wrappers whose `query` is the real call (InvokeWithTakeout is not one: the Dispatcher checks its takeout id). */
const WRAPPERS = new Set([
  "InvokeWithLayer",
  "InitConnection",
  "InvokeWithoutUpdates",
  "InvokeAfterMsg",
  "InvokeAfterMsgs",
  "InvokeWithMessagesRange",
  "InvokeWithBusinessConnection",
  "InvokeWithGooglePlayIntegrity",
  "InvokeWithApnsSecret"
])

/** Everything a connection shares with the rest of the emulator. */
export interface ConnectionHost {
  readonly authKeys: AuthKeyStore
  readonly serverKey: ServerKey
  readonly messageIds: ServerMessageIds
  readonly dispatcher: Dispatcher
  readonly dcs: ReadonlyArray<DcAddress>
  readonly sessions: Map<string, MtprotoSession>
  readonly verbose: boolean
  readonly keyCreated: (key: NewAuthKey) => AuthKey
  readonly connectionClosed: (connection: Connection) => void
  readonly log: (message: string) => void
}

interface TlObject {
  readonly className?: string
  readonly classType?: string
  readonly query?: unknown
}

const messageOf = (error: unknown): string => error instanceof Error ? error.message : String(error)

export class Connection implements SessionLink {
  private readonly framing = new Framing()
  private readonly handshake: Handshake
  private readonly served = new Set<MtprotoSession>()
  private closed = false

  constructor(
    private readonly socket: Socket,
    readonly dcId: number,
    private readonly host: ConnectionHost
  ) {
    this.handshake = new Handshake(host.serverKey)
    socket.setNoDelay(true)
    socket.on("data", (chunk: Buffer) => this.receive(chunk))
    socket.on("error", (error) => this.debug(`socket error: ${error.message}`))
    socket.on("close", () => this.onClose())
  }

  readonly isOpen = (): boolean => !this.closed && !this.socket.destroyed

  /** Drops the TCP connection without a word, as Telegram does on protocol errors. */
  destroy(): void {
    this.socket.destroy()
  }

  readonly sendEncrypted = (
    session: MtprotoSession,
    body: ReadonlyArray<Buffer>,
    contentRelated: boolean,
    isResponse: boolean
  ): void => {
    if (!this.isOpen()) return
    const { key } = session
    const msgId = this.host.messageIds.next(isResponse)
    this.write(key.cipher.encrypt(key.salt, session.id, msgId, session.nextSeqNo(contentRelated), body))
  }

  private receive(chunk: Buffer): void {
    try {
      this.framing.push(chunk, (payload) => this.onPayload(payload))
    } catch (error) {
      if (error instanceof FramingError || error instanceof CipherError || error instanceof HandshakeError) {
        this.host.log(`dc${this.dcId}: closing a connection: ${error.message}`)
      } else {
        this.host.log(`dc${this.dcId}: closing a connection after an unexpected error: ${error instanceof Error ? error.stack : String(error)}`)
      }
      this.destroy()
    }
  }

  private onPayload(payload: Buffer): void {
    if (!this.isOpen()) return
    if (payload.length < 8) throw new FramingError(`payload of ${payload.length} bytes`)
    if (payload.readBigUInt64LE(0) === 0n) this.onPlain(payload)
    else this.onEncrypted(payload)
  }

  private onPlain(payload: Buffer): void {
    if (payload.length < 24) throw new HandshakeError(`unencrypted message of ${payload.length} bytes`)
    const length = payload.readInt32LE(16)
    if (length < 4 || 20 + length > payload.length) throw new HandshakeError(`unencrypted message length ${length}`)
    let request: unknown
    try {
      request = new BinaryReader(payload.subarray(20, 20 + length)).tgReadObject()
    } catch (error) {
      throw new HandshakeError(`unreadable unencrypted message: ${messageOf(error)}`)
    }
    const answer = this.handshake.answer(request, (key) => {
      this.host.keyCreated(key)
      this.debug("auth key created")
    }).getBytes()
    const header = Buffer.alloc(20)
    header.writeBigInt64LE(this.host.messageIds.next(true), 8)
    header.writeInt32LE(answer.length, 16)
    this.write(Buffer.concat([header, answer]))
  }

  private onEncrypted(payload: Buffer): void {
    const key = this.host.authKeys.find(payload)
    if (key === undefined) {
      // Telegram's transport error for an auth key it does not know: GramJS then drops the key.
      this.debug("unknown auth key: -404")
      const error = Buffer.allocUnsafe(4)
      error.writeInt32LE(-404, 0)
      this.write(error)
      return
    }
    const message = key.cipher.decrypt(payload)
    if (message.salt !== key.salt) {
      this.debug(`bad server salt ${message.salt}`)
      const session = this.host.sessions.get(MtprotoSession.mapKey(key, message.sessionId)) ??
        new MtprotoSession(key, message.sessionId, this.contextBase(), this.host.log)
      const reply = new Api.BadServerSalt({
        badMsgId: bigInt(message.msgId.toString()),
        badMsgSeqno: message.seqNo,
        errorCode: 48,
        newServerSalt: bigInt(key.salt.toString())
      })
      this.sendEncrypted(session, [reply.getBytes()], false, false)
      return
    }
    const session = this.sessionFor(key, message.sessionId, message.msgId)
    this.onMessage(session, message.msgId, message.seqNo, message.body)
  }

  private sessionFor(key: AuthKey, sessionId: bigint, firstMsgId: bigint): MtprotoSession {
    const mapKey = MtprotoSession.mapKey(key, sessionId)
    let session = this.host.sessions.get(mapKey)
    const isNew = session === undefined
    if (session === undefined) {
      session = new MtprotoSession(key, sessionId, this.contextBase(), this.host.log)
      this.host.sessions.set(mapKey, session)
    }
    session.connection = this
    // A session that receives updates keeps them while it is connected; another one (a client's download
    // session) takes them only with a call that subscribes it (onObject).
    const follower = key.latestSession
    if (follower === undefined || !follower.subscribed || !follower.isConnected()) key.latestSession = session
    this.served.add(session)
    if (isNew) {
      this.debug(`new session ${sessionId}`)
      const created = new Api.NewSessionCreated({
        firstMsgId: bigInt(firstMsgId.toString()),
        uniqueId: bigInt(randomBytes(8).readBigInt64LE(0).toString()),
        serverSalt: bigInt(key.salt.toString())
      })
      this.sendEncrypted(session, [created.getBytes()], true, false)
    }
    return session
  }

  private contextBase() {
    return { dcId: this.dcId, dcs: this.host.dcs }
  }

  private onMessage(session: MtprotoSession, msgId: bigint, seqNo: number, body: Buffer): void {
    // A fault may have dropped the connection halfway through a container.
    if (body.length < 4 || !this.isOpen()) return
    const constructorId = body.readUInt32LE(0)
    if (constructorId === MSG_CONTAINER) return this.onContainer(session, body)
    if (constructorId === GZIP_PACKED) {
      const reader = new BinaryReader(body)
      reader.readInt(false)
      const packed = reader.tgReadBytes()
      return this.onMessage(session, msgId, seqNo, inflate(packed))
    }
    let object: TlObject
    try {
      object = new BinaryReader(body).tgReadObject() as TlObject
    } catch (error) {
      const unknown = (error as { invalidConstructorId?: number }).invalidConstructorId ?? constructorId
      this.debug(`unreadable message ${unknown >>> 0}: ${messageOf(error)}`)
      // An unknown call still deserves an answer, or the client waits forever.
      if (seqNo % 2 === 1) this.sendRpcResult(session, msgId, rpcErrorBytes(400, `INPUT_METHOD_INVALID_${unknown >>> 0}`))
      return
    }
    this.onObject(session, msgId, object)
  }

  private onContainer(session: MtprotoSession, body: Buffer): void {
    const count = body.readInt32LE(4)
    let at = 8
    for (let i = 0; i < count; i++) {
      if (at + 16 > body.length) throw new CipherError("truncated msg_container")
      const msgId = body.readBigInt64LE(at)
      const seqNo = body.readInt32LE(at + 8)
      const length = body.readInt32LE(at + 12)
      at += 16
      if (length < 0 || at + length > body.length) throw new CipherError("msg_container entry past its end")
      const inner = body.subarray(at, at + length)
      at += length
      if (inner.length >= 4 && inner.readUInt32LE(0) === MSG_CONTAINER) continue // containers do not nest
      this.onMessage(session, msgId, seqNo, inner)
    }
  }

  private onObject(session: MtprotoSession, msgId: bigint, received: TlObject): void {
    if (received instanceof Api.MsgsAck) return
    if (received instanceof Api.Ping || received instanceof Api.PingDelayDisconnect) {
      const pong = new Api.Pong({ msgId: bigInt(msgId.toString()), pingId: received.pingId })
      this.sendEncrypted(session, [pong.getBytes()], true, true)
      return
    }
    let request: TlObject = received
    let withoutUpdates = false
    while (request.className !== undefined && WRAPPERS.has(request.className) && request.query !== undefined) {
      if (request.className === "InvokeWithoutUpdates") withoutUpdates = true
      request = request.query as TlObject
    }
    if (request.classType !== "request" || request.className === undefined) {
      this.debug(`ignoring ${request.className ?? "an unknown object"}`)
      return
    }
    if (this.host.verbose) this.debug(`-> ${request.className}`)
    if (subscribesToUpdates(request.className, withoutUpdates)) {
      session.subscribed = true
      session.key.latestSession = session
    }
    const ctx = withoutUpdates ? { ...session.ctx, withoutUpdates } : session.ctx
    const outcome = this.host.dispatcher.dispatch(request as { className: string }, ctx)
    if (outcome === "disconnect") {
      this.debug(`fault: dropping the connection on ${request.className}`)
      this.destroy()
      return
    }
    if (outcome === "no-answer") {
      this.debug(`fault: leaving ${request.className} unanswered`)
      return
    }
    outcome.then((result) => this.sendRpcResult(session, msgId, result)).catch((error: unknown) =>
      this.host.log(`dc${this.dcId}: answering ${request.className} failed: ${error instanceof Error ? error.stack : String(error)}`)
    )
  }

  private sendRpcResult(session: MtprotoSession, reqMsgId: bigint, result: Buffer): void {
    if (!this.isOpen()) return
    const head = Buffer.allocUnsafe(12)
    head.writeUInt32LE(RPC_RESULT, 0)
    head.writeBigInt64LE(reqMsgId, 4)
    if (result.length > GZIP_THRESHOLD && !NOT_GZIPPED.has(result.readUInt32LE(0))) {
      const packed = gzipSync(result, { level: 1 })
      if (packed.length + 8 < result.length) {
        const tag = Buffer.allocUnsafe(4)
        tag.writeUInt32LE(GZIP_PACKED, 0)
        this.sendEncrypted(session, [head, tag, serializeBytes(packed)], true, true)
        return
      }
    }
    this.sendEncrypted(session, [head, result], true, true)
  }

  private write(payload: Buffer): void {
    if (!this.isOpen()) return
    const parts = this.framing.encode(payload)
    this.socket.cork()
    for (const part of parts) this.socket.write(part)
    this.socket.uncork()
  }

  private onClose(): void {
    if (this.closed) return
    this.closed = true
    for (const session of this.served) {
      if (session.connection !== this) continue
      session.connection = undefined
      this.host.sessions.delete(session.mapKey)
    }
    this.served.clear()
    this.host.connectionClosed(this)
    this.debug("connection closed")
  }

  private debug(message: string): void {
    if (this.host.verbose) this.host.log(`dc${this.dcId}: ${message}`)
  }
}

const inflate = (data: Buffer): Buffer => {
  try {
    return gunzipSync(data)
  } catch (error) {
    throw new CipherError(`gzip_packed that does not inflate: ${messageOf(error)}`)
  }
}
