/**
 * GramJS reads every 64-bit value of an answer (a channel message's peer id, access hashes, message ids of the
 * MTProto layer) through `Helpers.readBigIntFromBuffer`, which copies and reverses the bytes, prints them as hex,
 * parses the hex digit by digit into a big-integer and, for signed values, prints that in binary to find its sign:
 * about a tenth of a cold sync's CPU (bench/RESULTS.md, cold sync profile). For the 8-byte values it reads this is
 * the same number taken from the bytes directly, as the same big-integer type (big-integer wraps a native bigint).
 *
 * GramJS calls the helper through its module's exports object at each call, so replacing the export there takes
 * effect everywhere in GramJS (its BinaryReader, MTProto state). Any other length goes to GramJS's own version.
 * Installed once, before the first client is built; test/adapters/telegram/FastLongs.test.ts compares both on
 * generated values.
 */
import bigInt from "big-integer"
import { createRequire } from "node:module"

type ReadBigInt = (buffer: Buffer, little?: boolean, signed?: boolean) => bigInt.BigInteger

interface GramJsHelpers {
  readBigIntFromBuffer: ReadBigInt
}

const helpers = createRequire(import.meta.url)("telegram/Helpers.js") as GramJsHelpers

/** GramJS's own implementation, as it was before installFastLongs. */
export const gramJsReadBigInt: ReadBigInt = helpers.readBigIntFromBuffer

export const fastReadBigInt: ReadBigInt = (buffer, little = true, signed = false) => {
  if (buffer.length !== 8) return gramJsReadBigInt(buffer, little, signed)
  const b = Buffer.isBuffer(buffer) ? buffer : Buffer.from(buffer)
  const value = little
    ? (signed ? b.readBigInt64LE(0) : b.readBigUInt64LE(0))
    : (signed ? b.readBigInt64BE(0) : b.readBigUInt64BE(0))
  return bigInt(value)
}

let installed = false

/** Replaces GramJS's reader of 8-byte values with fastReadBigInt; idempotent. */
export const installFastLongs = (): void => {
  if (installed) return
  helpers.readBigIntFromBuffer = fastReadBigInt
  installed = true
}
