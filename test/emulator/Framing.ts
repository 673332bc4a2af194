/**
 * MTProto transports on one TCP connection, server side: TCPFull, Abridged,
 * Intermediate, Padded Intermediate, and any of the last three inside the
 * obfuscated2 layer (GramJS's ConnectionTCPObfuscated). The transport is
 * recognised from the first bytes the client sends, as Telegram does.
 *
 * Incoming bytes are kept as a list of chunks with an offset, so a stream of
 * many frames costs O(bytes), and a frame that lies inside one chunk is
 * returned without copying.
 */
import { createCipheriv, type Cipher, randomBytes } from "node:crypto"
import { crc32 } from "node:zlib"

export type TransportKind = "full" | "abridged" | "intermediate" | "padded-intermediate"

/** The client broke the transport (bad length, CRC or sequence number): the connection must be closed. */
export class FramingError extends Error {}

/** Larger frames than Telegram accepts (and than any sane client sends). */
const MAX_FRAME = 16 * 1024 * 1024

const TAG_ABRIDGED = 0xefefefef
const TAG_INTERMEDIATE = 0xeeeeeeee
const TAG_PADDED = 0xdddddddd

export class Framing {
  private kind: TransportKind | undefined
  private obfuscated = false
  private decipher: Cipher | undefined
  private cipher: Cipher | undefined
  private chunks: Array<Buffer> = []
  /** The first chunk not yet fully read, and the read position inside it. */
  private head = 0
  private offset = 0
  private available = 0
  private recvSeq = 0
  private sendSeq = 0

  /** The transport, once recognised. */
  get transport(): TransportKind | undefined {
    return this.kind
  }

  get isObfuscated(): boolean {
    return this.obfuscated
  }

  /** Feeds received bytes; calls `onFrame` for every complete MTProto payload. Throws FramingError. */
  push(chunk: Buffer, onFrame: (payload: Buffer) => void): void {
    if (chunk.length === 0) return
    this.enqueue(this.decipher === undefined ? chunk : this.decipher.update(chunk))
    if (this.kind === undefined && !this.detect()) return
    for (;;) {
      const payload = this.nextFrame()
      if (payload === undefined) return
      onFrame(payload)
    }
  }

  /** The bytes to write for one MTProto payload, in order. */
  encode(payload: Buffer): Array<Buffer> {
    const parts = this.frame(payload)
    if (this.cipher === undefined) return parts
    const cipher = this.cipher
    return parts.map((part) => cipher.update(part))
  }

  private frame(payload: Buffer): Array<Buffer> {
    switch (this.kind) {
      case "full": {
        const head = Buffer.allocUnsafe(8)
        head.writeInt32LE(payload.length + 12, 0)
        head.writeInt32LE(this.sendSeq++, 4)
        const tail = Buffer.allocUnsafe(4)
        tail.writeUInt32LE(crc32(payload, crc32(head)), 0)
        return [head, payload, tail]
      }
      case "abridged": {
        const words = payload.length >> 2
        if (words < 0x7f) return [Buffer.from([words]), payload]
        return [Buffer.from([0x7f, words & 0xff, (words >> 8) & 0xff, (words >> 16) & 0xff]), payload]
      }
      case "intermediate": {
        const head = Buffer.allocUnsafe(4)
        head.writeInt32LE(payload.length, 0)
        return [head, payload]
      }
      case "padded-intermediate": {
        const padding = randomBytes(randomBytes(1)[0]! & 15)
        const head = Buffer.allocUnsafe(4)
        head.writeInt32LE(payload.length + padding.length, 0)
        return [head, payload, padding]
      }
      case undefined:
        throw new FramingError("no transport yet: the client has not spoken")
    }
  }

  private enqueue(chunk: Buffer): void {
    this.chunks.push(chunk)
    this.available += chunk.length
  }

  /** Recognises the transport from the first bytes; false while too few have arrived. */
  private detect(): boolean {
    if (this.available < 1) return false
    if (this.byteAt(0) === 0xef) {
      this.skip(1)
      this.kind = "abridged"
      return true
    }
    if (this.available < 4) return false
    const tag = this.uint32At(0)
    if (tag === TAG_INTERMEDIATE || tag === TAG_PADDED) {
      this.skip(4)
      this.kind = tag === TAG_INTERMEDIATE ? "intermediate" : "padded-intermediate"
      return true
    }
    if (this.available < 8) return false
    // TCPFull's first frame carries sequence number 0; obfuscated2 forbids zero there.
    if (this.uint32At(4) === 0) {
      this.kind = "full"
      return true
    }
    if (this.available < 64) return false
    return this.startObfuscation()
  }

  private startObfuscation(): boolean {
    const header = this.take(64)
    const reversed = Buffer.from(header.subarray(8, 56)).reverse()
    const decipher = createCipheriv("aes-256-ctr", header.subarray(8, 40), header.subarray(40, 56))
    const plainHeader = decipher.update(header)
    const tag = plainHeader.readUInt32LE(56)
    const kind: TransportKind | undefined = tag === TAG_ABRIDGED
      ? "abridged"
      : tag === TAG_INTERMEDIATE
      ? "intermediate"
      : tag === TAG_PADDED
      ? "padded-intermediate"
      : undefined
    if (kind === undefined) throw new FramingError("unknown transport (first bytes match no MTProto transport)")
    this.kind = kind
    this.obfuscated = true
    this.decipher = decipher
    this.cipher = createCipheriv("aes-256-ctr", reversed.subarray(0, 32), reversed.subarray(32, 48))
    // Whatever followed the header in the same chunks is still encrypted.
    const rest = this.available > 0 ? decipher.update(this.take(this.available)) : undefined
    if (rest !== undefined) this.enqueue(rest)
    return true
  }

  private nextFrame(): Buffer | undefined {
    switch (this.kind) {
      case "full":
        return this.nextFull()
      case "abridged":
        return this.nextAbridged()
      case "intermediate":
        return this.nextIntermediate(false)
      case "padded-intermediate":
        return this.nextIntermediate(true)
      case undefined:
        return undefined
    }
  }

  private nextFull(): Buffer | undefined {
    if (this.available < 4) return undefined
    const length = this.int32At(0)
    if (length < 12 || length > MAX_FRAME || length % 4 !== 0) throw new FramingError(`bad TCPFull frame length ${length}`)
    if (this.available < length) return undefined
    const frame = this.take(length)
    const seq = frame.readInt32LE(4)
    if (seq !== this.recvSeq) throw new FramingError(`TCPFull sequence number ${seq}, expected ${this.recvSeq}`)
    this.recvSeq++
    const expected = frame.readUInt32LE(length - 4)
    if (crc32(frame.subarray(0, length - 4)) !== expected) throw new FramingError("TCPFull CRC mismatch")
    return frame.subarray(8, length - 4)
  }

  private nextAbridged(): Buffer | undefined {
    if (this.available < 1) return undefined
    // The high bit asks for a quick ack, which this emulator does not send.
    const first = this.byteAt(0) & 0x7f
    let words = first
    let head = 1
    if (first === 0x7f) {
      if (this.available < 4) return undefined
      words = this.byteAt(1) | (this.byteAt(2) << 8) | (this.byteAt(3) << 16)
      head = 4
    }
    const length = words * 4
    if (length > MAX_FRAME) throw new FramingError(`abridged frame of ${length} bytes`)
    if (this.available < head + length) return undefined
    this.skip(head)
    return this.take(length)
  }

  private nextIntermediate(padded: boolean): Buffer | undefined {
    if (this.available < 4) return undefined
    const length = this.int32At(0) & 0x7fffffff
    if (length > MAX_FRAME || (!padded && length % 4 !== 0)) {
      throw new FramingError(`bad intermediate frame length ${length}`)
    }
    if (this.available < 4 + length) return undefined
    this.skip(4)
    const frame = this.take(length)
    return padded ? withoutPadding(frame) : frame
  }

  private byteAt(index: number): number {
    let i = index + this.offset
    for (let c = this.head; c < this.chunks.length; c++) {
      const chunk = this.chunks[c]!
      if (i < chunk.length) return chunk[i]!
      i -= chunk.length
    }
    throw new RangeError("byteAt past the buffered bytes")
  }

  private uint32At(index: number): number {
    return (this.byteAt(index) | (this.byteAt(index + 1) << 8) | (this.byteAt(index + 2) << 16) |
      (this.byteAt(index + 3) << 24)) >>> 0
  }

  private int32At(index: number): number {
    return this.uint32At(index) | 0
  }

  private skip(count: number): void {
    this.take(count)
  }

  /** Removes `count` buffered bytes; zero-copy when they lie in one chunk. */
  private take(count: number): Buffer {
    const first = this.chunks[this.head]!
    this.available -= count
    if (first.length - this.offset >= count) {
      const out = first.subarray(this.offset, this.offset + count)
      this.offset += count
      if (this.offset === first.length) this.nextChunk()
      return out
    }
    const out = Buffer.allocUnsafe(count)
    let filled = 0
    while (filled < count) {
      const chunk = this.chunks[this.head]!
      const n = Math.min(chunk.length - this.offset, count - filled)
      chunk.copy(out, filled, this.offset, this.offset + n)
      filled += n
      this.offset += n
      if (this.offset === chunk.length) this.nextChunk()
    }
    return out
  }

  /** Moves past a fully read chunk without Array.shift, which would make many small chunks quadratic. */
  private nextChunk(): void {
    this.offset = 0
    this.head++
    if (this.head === this.chunks.length) {
      this.chunks = []
      this.head = 0
    } else if (this.head >= 1024) {
      this.chunks = this.chunks.slice(this.head)
      this.head = 0
    }
  }
}

/** Padded intermediate appends 0-15 random bytes; the MTProto message itself says how long it is. */
const withoutPadding = (frame: Buffer): Buffer => {
  if (frame.length < 8) return frame
  const plain = frame.readUInt32LE(0) === 0 && frame.readUInt32LE(4) === 0
  if (plain) {
    if (frame.length < 20) return frame
    const length = 20 + frame.readInt32LE(16)
    return length <= frame.length ? frame.subarray(0, length) : frame
  }
  if (frame.length < 24) return frame
  return frame.subarray(0, 24 + Math.floor((frame.length - 24) / 16) * 16)
}
