/**
 * A small MTProxy for tests, in "direct" mode as the public MTProxy servers
 * run: a client opens with the 64-byte obfuscated2 header keyed by the
 * proxy's 16-byte secret; the proxy checks it (the abridged transport's tag
 * decrypts right only with the right secret), reads the DC the client
 * wants, connects to that DC from `outgoingAddress` (127.0.0.9, see
 * Socks5Server) and relays: the client's stream decrypted (as the plain
 * abridged transport) one way, the DC's answers encrypted for the client the
 * other way. Counts the connections by DC, and the clients refused.
 */
import { createCipheriv, createDecipheriv, createHash } from "node:crypto"
import * as net from "node:net"

export interface MtProxyServer {
  readonly host: string
  readonly port: number
  /** The DC of every connection relayed, in order. */
  readonly dcs: Array<number>
  /** Clients whose header did not decrypt to a known transport (a wrong secret). */
  readonly refused: () => number
  readonly close: () => Promise<void>
}

const TAG_ABRIDGED = 0xefefefef
const sha256 = (...parts: Array<Buffer>) => createHash("sha256").update(Buffer.concat(parts)).digest()

export const startMtProxyServer = async (options: {
  /** 16 bytes, hex. */
  readonly secret: string
  /** Where each DC listens (the emulator's listeners). */
  readonly dcEndpoint: (dcId: number) => { readonly host: string; readonly port: number } | undefined
  readonly outgoingAddress?: string
}): Promise<MtProxyServer> => {
  const secret = Buffer.from(options.secret, "hex")
  const dcs: Array<number> = []
  const sockets = new Set<net.Socket>()
  let refused = 0

  const server = net.createServer((client) => {
    sockets.add(client)
    client.on("close", () => sockets.delete(client))
    client.on("error", () => client.destroy())
    let header = Buffer.alloc(0)
    const onHeader = (chunk: Buffer) => {
      header = Buffer.concat([header, chunk])
      if (header.length < 64) return
      client.off("data", onHeader)
      const rest = header.subarray(64)
      const head = header.subarray(0, 64)
      const reversed = Buffer.from(head.subarray(8, 56)).reverse()
      const fromClient = createDecipheriv("aes-256-ctr", sha256(head.subarray(8, 40), secret), head.subarray(40, 56))
      const toClient = createCipheriv("aes-256-ctr", sha256(reversed.subarray(0, 32), secret), reversed.subarray(32, 48))
      const plain = fromClient.update(head)
      const dcId = Math.abs(plain.readInt16LE(60))
      const target = options.dcEndpoint(dcId)
      if (plain.readUInt32LE(56) !== TAG_ABRIDGED || target === undefined) {
        refused++
        client.destroy()
        return
      }
      const upstream = net.connect({ host: target.host, port: target.port, localAddress: options.outgoingAddress ?? "127.0.0.9" })
      sockets.add(upstream)
      dcs.push(dcId)
      // The DC sees the plain abridged transport: its one-byte tag, then the client's frames.
      upstream.write(Buffer.concat([Buffer.from([0xef]), fromClient.update(rest)]))
      client.on("data", (data: Buffer) => upstream.write(fromClient.update(data)))
      upstream.on("data", (data: Buffer) => client.write(toClient.update(data)))
      const end = () => {
        client.destroy()
        upstream.destroy()
      }
      client.on("close", end)
      upstream.on("close", () => {
        sockets.delete(upstream)
        end()
      })
      upstream.on("error", end)
    }
    client.on("data", onHeader)
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  return {
    host: "127.0.0.1",
    port: (server.address() as net.AddressInfo).port,
    dcs,
    refused: () => refused,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy()
        server.close(() => resolve())
      })
  }
}
