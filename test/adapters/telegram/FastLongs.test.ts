import { FastCheck as fc } from "effect"
import { Api } from "telegram"
import { BinaryReader } from "telegram/extensions/index.js"
import bigInt from "big-integer"
import { createRequire } from "node:module"
import { describe, expect, it } from "vitest"
import { fastReadBigInt, gramJsReadBigInt, installFastLongs } from "../../../src/adapters/telegram/FastLongs.js"

const EDGES = [0n, 1n, -1n, 255n, 256n, 2n ** 31n, 2n ** 32n, 2n ** 53n + 1n, 2n ** 63n - 1n, -(2n ** 63n), 1000000003001n]

const bytesOf = (value: bigint): Buffer => {
  const b = Buffer.alloc(8)
  b.writeBigUInt64LE(BigInt.asUintN(64, value))
  return b
}

describe("FastLongs", () => {
  it("reads every 8-byte value as GramJS does, in both byte orders, signed and unsigned", () => {
    const check = (bytes: Buffer) => {
      for (const little of [true, false]) {
        for (const signed of [true, false]) {
          const ours = fastReadBigInt(bytes, little, signed)
          const theirs = gramJsReadBigInt(bytes, little, signed)
          expect(ours.toString()).toBe(theirs.toString())
          expect(bigInt.isInstance(ours)).toBe(true)
        }
      }
    }
    for (const v of EDGES) check(bytesOf(v))
    fc.assert(fc.property(fc.uint8Array({ minLength: 8, maxLength: 8 }), (a) => check(Buffer.from(a))), { numRuns: 2000 })
  })

  it("leaves other lengths to GramJS", () => {
    const bytes = Buffer.from("0102030405060708090a0b0c0d0e0f10", "hex")
    expect(fastReadBigInt(bytes, true, false).toString()).toBe(gramJsReadBigInt(bytes, true, false).toString())
  })

  it("once installed, GramJS decodes messages' longs through it with the same values", () => {
    installFastLongs()
    const helpers = createRequire(import.meta.url)("telegram/Helpers.js") as { readBigIntFromBuffer: unknown }
    expect(helpers.readBigIntFromBuffer).toBe(fastReadBigInt)
    const peer = new Api.PeerChannel({ channelId: bigInt("1234567890123") })
    const message = new Api.Message({ id: 7, peerId: peer, date: 1, message: "x", groupedId: bigInt("-5") })
    const decoded = new BinaryReader(message.getBytes()).tgReadObject() as Api.Message
    expect((decoded.peerId as Api.PeerChannel).channelId.toString()).toBe("1234567890123")
    expect(decoded.groupedId?.toString()).toBe("-5")
  })
})
