/**
 * Serialises what a world handler returns into the TL bytes of an RPC
 * result: a TL object as itself, an array as a Vector, booleans as Bool,
 * bigints (native or big-integer) as long, integers as int, a Buffer as
 * already-serialised bytes.
 */
import bigInt from "big-integer"
import { serializeTl } from "./serializeTl.js"

const VECTOR = 0x1cb5c415
const BOOL_TRUE = 0x997275b5
const BOOL_FALSE = 0xbc799737

const int32 = (value: number): Buffer => {
  const out = Buffer.allocUnsafe(4)
  out.writeInt32LE(value, 0)
  return out
}

const uint32 = (value: number): Buffer => {
  const out = Buffer.allocUnsafe(4)
  out.writeUInt32LE(value, 0)
  return out
}

const int64 = (value: bigint): Buffer => {
  const out = Buffer.allocUnsafe(8)
  out.writeBigInt64LE(BigInt.asIntN(64, value), 0)
  return out
}

export const encodeResult = (value: unknown): Buffer => {
  if (Buffer.isBuffer(value)) return value
  if (Array.isArray(value)) return Buffer.concat([uint32(VECTOR), int32(value.length), ...value.map(encodeResult)])
  if (value === true) return uint32(BOOL_TRUE)
  if (value === false) return uint32(BOOL_FALSE)
  if (typeof value === "bigint") return int64(value)
  if (typeof value === "number" && Number.isInteger(value) && value >= -0x80000000 && value <= 0xffffffff) {
    return value > 0x7fffffff ? uint32(value) : int32(value)
  }
  if (bigInt.isInstance(value)) return int64(BigInt(value.toString()))
  if (typeof value === "object" && value !== null && typeof (value as { getBytes?: unknown }).getBytes === "function") {
    return serializeTl(value as { getBytes: () => Buffer })
  }
  throw new TypeError(`cannot serialise a ${value === null ? "null" : typeof value} as a TL result`)
}
