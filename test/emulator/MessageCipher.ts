/**
 * MTProto 2.0 message encryption with one auth key, server side: decrypts
 * and checks what a client sends (x = 0), encrypts what the server sends
 * (x = 8). AES-256-IGE is GramJS's own implementation, the fastest at hand
 * (Node has no IGE mode and ECB block by block is slower).
 */
import { createHash, randomBytes } from "node:crypto"
import { IGE } from "telegram/crypto/IGE.js"

/** A message failed MTProto's integrity checks: the connection must be closed. */
export class CipherError extends Error {}

/** One decrypted client message: the header fields and the TL body. */
export interface ClientMessage {
  readonly salt: bigint
  readonly sessionId: bigint
  readonly msgId: bigint
  readonly seqNo: number
  readonly body: Buffer
}

const sha256 = (...parts: ReadonlyArray<Buffer>): Buffer => {
  const hash = createHash("sha256")
  for (const part of parts) hash.update(part)
  return hash.digest()
}

export class MessageCipher {
  /** auth_key_id: the low 64 bits of sha1(auth_key), as sent on the wire. */
  readonly keyId: Buffer
  /** The first 64 bits of sha1(auth_key), used by the handshake's new_nonce_hash. */
  readonly auxHash: Buffer

  constructor(readonly authKey: Buffer) {
    const hash = createHash("sha1").update(authKey).digest()
    this.keyId = hash.subarray(12, 20)
    this.auxHash = hash.subarray(0, 8)
  }

  /** Decrypts an encrypted frame (auth_key_id, msg_key, data) and checks msg_key and lengths. */
  decrypt(frame: Buffer): ClientMessage {
    const encrypted = frame.subarray(24)
    if (encrypted.length < 48 || encrypted.length % 16 !== 0) {
      throw new CipherError(`encrypted data of ${encrypted.length} bytes`)
    }
    const msgKey = frame.subarray(8, 24)
    const { key, iv } = this.keyAndIv(msgKey, 0)
    const plain = new IGE(key, iv).decryptIge(encrypted)
    const expected = sha256(this.authKey.subarray(88, 120), plain).subarray(8, 24)
    if (!expected.equals(msgKey)) throw new CipherError("msg_key mismatch")
    const length = plain.readInt32LE(28)
    const padding = plain.length - 32 - length
    if (length < 4 || length % 4 !== 0 || padding < 12 || padding > 1024) {
      throw new CipherError(`message length ${length} with ${padding} bytes of padding`)
    }
    return {
      salt: plain.readBigInt64LE(0),
      sessionId: plain.readBigInt64LE(8),
      msgId: plain.readBigInt64LE(16),
      seqNo: plain.readInt32LE(24),
      body: plain.subarray(32, 32 + length)
    }
  }

  /** Encrypts one server message whose body is the concatenation of `body`; returns the frame payload (auth_key_id, msg_key, data). */
  encrypt(salt: bigint, sessionId: bigint, msgId: bigint, seqNo: number, body: ReadonlyArray<Buffer>): Buffer {
    let bodyLength = 0
    for (const part of body) bodyLength += part.length
    const unpadded = 32 + bodyLength
    const paddingLength = 12 + ((16 - ((unpadded + 12) % 16)) % 16)
    const plain = Buffer.allocUnsafe(unpadded + paddingLength)
    plain.writeBigInt64LE(salt, 0)
    plain.writeBigInt64LE(sessionId, 8)
    plain.writeBigInt64LE(msgId, 16)
    plain.writeInt32LE(seqNo, 24)
    plain.writeInt32LE(bodyLength, 28)
    let at = 32
    for (const part of body) at += part.copy(plain, at)
    randomBytes(paddingLength).copy(plain, unpadded)
    const msgKey = sha256(this.authKey.subarray(96, 128), plain).subarray(8, 24)
    const { key, iv } = this.keyAndIv(msgKey, 8)
    return Buffer.concat([this.keyId, msgKey, new IGE(key, iv).encryptIge(plain)])
  }

  private keyAndIv(msgKey: Buffer, x: 0 | 8): { key: Buffer; iv: Buffer } {
    const a = sha256(msgKey, this.authKey.subarray(x, x + 36))
    const b = sha256(this.authKey.subarray(x + 40, x + 76), msgKey)
    return {
      key: Buffer.concat([a.subarray(0, 8), b.subarray(8, 24), a.subarray(24, 32)]),
      iv: Buffer.concat([b.subarray(0, 8), a.subarray(8, 24), b.subarray(24, 32)])
    }
  }
}
