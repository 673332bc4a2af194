/**
 * A small SOCKS5 server (RFC 1928, CONNECT only; RFC 1929 user name and
 * password when given) for tests, written here so that nothing is installed.
 * Its outgoing connections leave from `outgoingAddress` (127.0.0.9 by
 * default: Linux routes all of 127.0.0.0/8 to loopback), so an emulator
 * accepting only that address (EmulatorOptions.onlyFrom) proves every
 * connection came through it. Counts what it relayed and what it refused.
 */
import * as net from "node:net"

export interface Socks5Server {
  readonly host: string
  readonly port: number
  /** `host:port` of every CONNECT relayed, in order. */
  readonly connects: Array<string>
  /** Clients refused: a wrong user name or password, or none when one is required. */
  readonly refusedAuth: () => number
  readonly close: () => Promise<void>
}

/** Reads exactly `n` bytes from a socket that is paused between reads. */
const reader = (socket: net.Socket) => {
  let buffered = Buffer.alloc(0)
  let want: { n: number; resolve: (b: Buffer) => void; reject: (e: Error) => void } | undefined
  const pump = () => {
    if (want !== undefined && buffered.length >= want.n) {
      const { n, resolve } = want
      want = undefined
      const out = buffered.subarray(0, n)
      buffered = buffered.subarray(n)
      resolve(out)
    }
  }
  const onData = (chunk: Buffer) => {
    buffered = Buffer.concat([buffered, chunk])
    pump()
  }
  socket.on("data", onData)
  socket.on("close", () => want?.reject(new Error("closed")))
  return {
    read: (n: number) =>
      new Promise<Buffer>((resolve, reject) => {
        want = { n, resolve, reject }
        pump()
      }),
    /** Stops reading here; what was read beyond the handshake is handed back. */
    detach: () => {
      socket.off("data", onData)
      return buffered
    }
  }
}

export const startSocks5Server = async (options: {
  readonly username?: string
  readonly password?: string
  readonly outgoingAddress?: string
} = {}): Promise<Socks5Server> => {
  const connects: Array<string> = []
  const sockets = new Set<net.Socket>()
  let refused = 0
  const outgoing = options.outgoingAddress ?? "127.0.0.9"
  const needAuth = options.username !== undefined

  const handle = async (client: net.Socket) => {
    const r = reader(client)
    const [version, methodCount] = await r.read(2)
    if (version !== 5) return client.destroy()
    const methods = [...(await r.read(methodCount!))]
    const method = needAuth ? 0x02 : 0x00
    if (!methods.includes(method)) {
      if (needAuth) refused++
      client.end(Buffer.from([5, 0xff]))
      return
    }
    client.write(Buffer.from([5, method]))
    if (needAuth) {
      const [, userLength] = await r.read(2)
      const user = (await r.read(userLength!)).toString("utf8")
      const [passwordLength] = await r.read(1)
      const password = (await r.read(passwordLength!)).toString("utf8")
      if (user !== options.username || password !== options.password) {
        refused++
        client.end(Buffer.from([1, 1]))
        return
      }
      client.write(Buffer.from([1, 0]))
    }
    const [, command, , addressType] = await r.read(4)
    let host: string
    if (addressType === 1) host = [...(await r.read(4))].join(".")
    else if (addressType === 3) host = (await r.read((await r.read(1))[0]!)).toString("utf8")
    else if (addressType === 4) host = (await r.read(16)).toString("hex").match(/.{4}/g)!.join(":")
    else return client.destroy()
    const port = (await r.read(2)).readUInt16BE(0)
    if (command !== 1) {
      client.end(Buffer.from([5, 7, 0, 1, 0, 0, 0, 0, 0, 0]))
      return
    }
    const upstream = net.connect({ host, port, localAddress: outgoing })
    sockets.add(upstream)
    upstream.on("close", () => sockets.delete(upstream))
    upstream.once("error", () => {
      if (!client.destroyed) client.end(Buffer.from([5, 5, 0, 1, 0, 0, 0, 0, 0, 0]))
    })
    upstream.once("connect", () => {
      connects.push(`${host}:${port}`)
      client.write(Buffer.from([5, 0, 0, 1, 127, 0, 0, 1, 0, 0]))
      const early = r.detach()
      if (early.length > 0) upstream.write(early)
      client.pipe(upstream)
      upstream.pipe(client)
    })
    const end = () => {
      client.destroy()
      upstream.destroy()
    }
    client.on("close", end)
    upstream.on("close", end)
    client.on("error", end)
    upstream.on("error", end)
  }

  const server = net.createServer((client) => {
    sockets.add(client)
    client.on("close", () => sockets.delete(client))
    client.on("error", () => client.destroy())
    handle(client).catch(() => client.destroy())
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  return {
    host: "127.0.0.1",
    port: (server.address() as net.AddressInfo).port,
    connects,
    refusedAuth: () => refused,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy()
        server.close(() => resolve())
      })
  }
}
