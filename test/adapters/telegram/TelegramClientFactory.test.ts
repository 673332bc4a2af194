/** Which saved sessions makeClient accepts: what GramJS itself saves after a login, and nothing corrupt. */
import { describe, expect, it } from "vitest"
import { InvalidSavedSession, makeClient } from "../../../src/adapters/telegram/TelegramClientFactory.js"
import { holdCredentials } from "../../../src/adapters/telegram/TelegramAdapterConfig.js"

/** A session string as GramJS's StringSession.save writes it. */
const saved = (dcId: number, address: string, port: number, key: Buffer) => {
  const addressBytes = Buffer.from(address)
  const head = Buffer.alloc(3)
  head.writeUInt8(dcId, 0)
  head.writeInt16BE(addressBytes.length, 1)
  const portBytes = Buffer.alloc(2)
  portBytes.writeInt16BE(port, 0)
  return "1" + Buffer.concat([head, addressBytes, portBytes, key]).toString("base64")
}

const credentials = holdCredentials({ apiId: 12345, apiHash: "0123456789abcdef0123456789abcdef" })
const make = (session: string) => makeClient(session, { credentials })
const keyOf = (length: number) => Buffer.alloc(length, 7)

describe("makeClient and saved sessions", () => {
  it("takes a 256-byte key, and the shorter keys GramJS saves when g^ab starts with zero bytes", () => {
    for (const length of [256, 255, 254]) {
      expect(() => make(saved(2, "149.154.167.50", 443, keyOf(length))), `${length} bytes`).not.toThrow()
    }
  })
  it("refuses a session with no key, a key longer than 2048 bits, no DC or no address", () => {
    for (const session of [
      saved(2, "149.154.167.50", 443, keyOf(0)),
      saved(2, "149.154.167.50", 443, keyOf(257)),
      saved(0, "149.154.167.50", 443, keyOf(256)),
      saved(2, "", 443, keyOf(256)),
      "not a session",
      "1" + Buffer.from("garbage").toString("base64")
    ]) {
      expect(() => make(session), session.slice(0, 20)).toThrow(InvalidSavedSession)
    }
  })
})
