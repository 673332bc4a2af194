/**
 * MTProto's Intermediate transport for GramJS, which ships only TCPFull,
 * Abridged and Obfuscated: lets tests speak all three plain transports to
 * the emulator.
 */
import { Connection, PacketCodec } from "telegram/network/connection/Connection.js"
import type { PromisedNetSockets, PromisedWebSockets } from "telegram/extensions/index.js"

class IntermediatePacketCodec extends PacketCodec {
  readonly tag = Buffer.from("eeeeeeee", "hex")

  override encodePacket(data: Buffer): Buffer {
    const head = Buffer.allocUnsafe(4)
    head.writeInt32LE(data.length, 0)
    return Buffer.concat([head, data])
  }

  override async readPacket(reader: PromisedNetSockets | PromisedWebSockets): Promise<Buffer> {
    const length = (await reader.readExactly(4)).readInt32LE(0)
    return reader.readExactly(length)
  }
}

export class ConnectionTCPIntermediate extends Connection {
  override PacketCodecClass = IntermediatePacketCodec as unknown as Connection["PacketCodecClass"]
}
