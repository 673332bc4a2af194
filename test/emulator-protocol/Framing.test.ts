/**
 * The transports, recognised from the first bytes and decoded however the
 * stream is split into chunks; broken frames are refused.
 */
import { createCipheriv, randomBytes } from "node:crypto"
import { crc32 } from "node:zlib"
import { describe, expect, it } from "vitest"
import { Framing, FramingError } from "../emulator/Framing.js"

const payloads = [randomBytes(4), randomBytes(24 + 16 * 3), randomBytes(508), randomBytes(512), randomBytes(70_000)]

const tcpFull = (bodies: ReadonlyArray<Buffer>): Buffer =>
  Buffer.concat(bodies.map((body, seq) => {
    const head = Buffer.alloc(8)
    head.writeInt32LE(body.length + 12, 0)
    head.writeInt32LE(seq, 4)
    const tail = Buffer.alloc(4)
    tail.writeUInt32LE(crc32(body, crc32(head)), 0)
    return Buffer.concat([head, body, tail])
  }))

const abridged = (bodies: ReadonlyArray<Buffer>): Buffer =>
  Buffer.concat([
    Buffer.from([0xef]),
    ...bodies.map((body) => {
      const words = body.length / 4
      const head = words < 127 ? Buffer.from([words]) : Buffer.from([0x7f, words & 255, (words >> 8) & 255, words >> 16])
      return Buffer.concat([head, body])
    })
  ])

const intermediate = (bodies: ReadonlyArray<Buffer>, tag = "eeeeeeee", pad = 0): Buffer =>
  Buffer.concat([
    Buffer.from(tag, "hex"),
    ...bodies.map((body) => {
      const head = Buffer.alloc(4)
      head.writeInt32LE(body.length + pad, 0)
      return Buffer.concat([head, body, Buffer.alloc(pad, 7)])
    })
  ])

/** Feeds `stream` in pieces of `size` bytes and collects the frames, as hex (fast to compare). */
const decode = (framing: Framing, stream: Buffer, size: number): Array<string> => {
  const frames: Array<string> = []
  for (let at = 0; at < stream.length; at += size) {
    framing.push(stream.subarray(at, at + size), (frame) => frames.push(frame.toString("hex")))
  }
  return frames
}

const hex = (buffers: ReadonlyArray<Buffer>) => buffers.map((b) => b.toString("hex"))

describe("Framing", () => {
  it.each([
    ["full", tcpFull],
    ["abridged", abridged],
    ["intermediate", (b: ReadonlyArray<Buffer>) => intermediate(b)]
  ] as const)("decodes %s however the bytes are split", (kind, encode) => {
    const stream = encode(payloads)
    for (const size of [1, 3, 7, 1000, stream.length]) {
      const framing = new Framing()
      expect(decode(framing, stream, size)).toEqual(hex(payloads))
      expect(framing.transport).toBe(kind)
    }
  })

  it("strips padded intermediate's padding from encrypted and plain messages", () => {
    const encrypted = randomBytes(24 + 32)
    const plain = Buffer.concat([Buffer.alloc(16), Buffer.from([8, 0, 0, 0]), randomBytes(8)])
    const framing = new Framing()
    expect(decode(framing, intermediate([encrypted, plain], "dddddddd", 5), 5)).toEqual(hex([encrypted, plain]))
    expect(framing.transport).toBe("padded-intermediate")
  })

  it("encodes answers the way each transport's reader expects", () => {
    for (const encode of [tcpFull, abridged]) {
      const server = new Framing()
      decode(server, encode([payloads[0]!]), 100)
      const reply = Buffer.concat(payloads.flatMap((p) => server.encode(p)))
      const client = new Framing()
      // The reply stream read back with the same transport: prefix the client's tag for abridged.
      const stream = server.transport === "abridged" ? Buffer.concat([Buffer.from([0xef]), reply]) : reply
      expect(decode(client, stream, 999)).toEqual(hex(payloads))
    }
  })

  it("speaks obfuscated2 around abridged", () => {
    const header = randomBytes(64)
    header[0] = 0x01
    header.writeUInt32LE(0x01020304, 4)
    header.writeUInt32LE(0xefefefef, 56)
    const encryptor = createCipheriv("aes-256-ctr", header.subarray(8, 40), header.subarray(40, 56))
    const encryptedHeader = encryptor.update(header)
    const sent = Buffer.concat([header.subarray(0, 56), encryptedHeader.subarray(56, 64)])
    const body = abridged(payloads).subarray(1)
    const framing = new Framing()
    expect(decode(framing, Buffer.concat([sent, encryptor.update(body)]), 13)).toEqual(hex(payloads))
    expect(framing.transport).toBe("abridged")
    expect(framing.isObfuscated).toBe(true)

    const reversed = Buffer.from(header.subarray(8, 56)).reverse()
    const decryptor = createCipheriv("aes-256-ctr", reversed.subarray(0, 32), reversed.subarray(32, 48))
    const reply = decryptor.update(Buffer.concat(framing.encode(payloads[1]!)))
    expect(reply.subarray(1)).toEqual(payloads[1])
  })

  it("refuses a TCPFull frame with a bad CRC or sequence number", () => {
    const good = tcpFull([payloads[1]!, payloads[1]!])
    const badCrc = Buffer.from(good)
    badCrc[20] = badCrc[20]! ^ 0xff
    expect(() => decode(new Framing(), badCrc, 1000)).toThrow(FramingError)
    const badSeq = tcpFull([payloads[1]!])
    const replayed = Buffer.concat([badSeq, badSeq])
    expect(() => decode(new Framing(), replayed, 1000)).toThrow(/sequence number 0, expected 1/)
  })

  it("refuses absurd lengths", () => {
    const huge = Buffer.alloc(8)
    huge.writeInt32LE(0x7ffffff0, 0)
    expect(() => decode(new Framing(), huge, 8)).toThrow(/bad TCPFull frame length/)
    expect(() => decode(new Framing(), Buffer.from("eeeeeeee03000000", "hex"), 8)).toThrow(FramingError)
  })
})
