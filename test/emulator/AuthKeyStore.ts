/**
 * Every auth key the emulator has agreed on, for its whole lifetime and
 * shared by all its DCs (a key made on DC 1 also works on DC 2), so a saved
 * session reconnects without a new handshake.
 */
import { MessageCipher } from "./MessageCipher.js"
import type { MtprotoSession } from "./MtprotoSession.js"

export interface AuthKey {
  readonly cipher: MessageCipher
  /** auth_key_id as hex, as the world sees it in CallContext.authKeyId. */
  readonly idHex: string
  /** The one server salt valid for this key (Telegram rotates salts; the emulator never does). */
  readonly salt: bigint
  /** Where pushes go when their own session has gone: the key's latest session that subscribed to updates and is connected (Connection.ts). */
  latestSession: MtprotoSession | undefined
}

export class AuthKeyStore {
  private readonly byId = new Map<bigint, AuthKey>()

  add(authKey: Buffer, salt: bigint): AuthKey {
    const cipher = new MessageCipher(authKey)
    const entry: AuthKey = { cipher, idHex: cipher.keyId.toString("hex"), salt, latestSession: undefined }
    this.byId.set(cipher.keyId.readBigUInt64LE(0), entry)
    return entry
  }

  /** The key of an encrypted frame, by its first 8 bytes. */
  find(frame: Buffer): AuthKey | undefined {
    return this.byId.get(frame.readBigUInt64LE(0))
  }
}
