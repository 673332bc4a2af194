/**
 * The emulator's MTProto side: one TCP listener per DC, all sharing the RSA
 * key, the auth keys, the sessions and the Dispatcher in front of the world.
 * DC n is advertised to clients at its virtual address (see EmulatorSwitch),
 * while its listener runs on a real loopback port.
 */
import * as net from "node:net"
import { dcVirtualAddress, EMULATOR_PORT_IN_SESSION } from "../../src/adapters/telegram/EmulatorSwitch.js"
import { type AuthKey, AuthKeyStore } from "./AuthKeyStore.js"
import { Connection, type ConnectionHost } from "./Connection.js"
import { Dispatcher } from "./Dispatcher.js"
import type { NewAuthKey } from "./Handshake.js"
import type { MtprotoSession } from "./MtprotoSession.js"
import type { DcAddress, RpcHandler } from "./RpcContext.js"
import type { ServerKey } from "./ServerKey.js"
import { ServerMessageIds } from "./ServerMessageIds.js"

export interface ServerOptions {
  readonly world: RpcHandler
  readonly dcIds: ReadonlyArray<number>
  readonly serverKey: ServerKey
  /** The address to listen on (loopback). */
  readonly host: string
  /** DC ids in ascending order listen on port, port + 1, ...; 0 picks free ports. */
  readonly port: number
  readonly verbose: boolean
  readonly log: (message: string) => void
  /**
   * Accept connections from this address only (e.g. a proxy's outgoing
   * address in a test proving every connection went through it); any other
   * is closed at once and counted.
   */
  readonly onlyFrom?: string | undefined
}

/** A DC's real listener. */
export interface DcListener {
  readonly id: number
  readonly host: string
  readonly port: number
}

const listen = (server: net.Server, port: number, host: string): Promise<number> =>
  new Promise((resolve, reject) => {
    server.once("error", reject)
    server.listen(port, host, () => {
      server.off("error", reject)
      resolve((server.address() as net.AddressInfo).port)
    })
  })

export class Server implements ConnectionHost {
  readonly authKeys = new AuthKeyStore()
  readonly messageIds = new ServerMessageIds()
  readonly sessions = new Map<string, MtprotoSession>()
  readonly dispatcher: Dispatcher
  readonly dcs: ReadonlyArray<DcAddress>
  readonly serverKey: ServerKey
  readonly verbose: boolean
  readonly log: (message: string) => void
  private readonly connections = new Set<Connection>()
  private readonly netServers: Array<net.Server> = []
  private listenerList: Array<DcListener> = []
  private completedHandshakes = 0
  private refused = 0
  private readonly onlyFrom: string | undefined
  private stopping: Promise<void> | undefined

  private constructor(options: ServerOptions) {
    this.serverKey = options.serverKey
    this.verbose = options.verbose
    this.log = options.log
    this.onlyFrom = options.onlyFrom
    this.dispatcher = new Dispatcher(
      options.world,
      (message) => this.log(message),
      options.verbose ? (message) => this.log(message) : undefined
    )
    this.dcs = options.dcIds.map((id) => ({ id, host: dcVirtualAddress(id), port: EMULATOR_PORT_IN_SESSION }))
  }

  static async start(options: ServerOptions): Promise<Server> {
    const dcIds = [...new Set(options.dcIds)].sort((a, b) => a - b)
    if (dcIds.length === 0) throw new Error("the world has no DC")
    const server = new Server({ ...options, dcIds })
    try {
      for (const [index, id] of dcIds.entries()) {
        const netServer = net.createServer((socket) => server.accept(socket, id))
        server.netServers.push(netServer)
        const port = await listen(netServer, options.port === 0 ? 0 : options.port + index, options.host)
        // E.g. EMFILE while accepting: worth a line, not the emulator's life.
        netServer.on("error", (error) => options.log(`dc${id}: listener error: ${error.message}`))
        server.listenerList.push({ id, host: options.host, port })
      }
    } catch (error) {
      await server.stop()
      throw error
    }
    return server
  }

  get listeners(): ReadonlyArray<DcListener> {
    return this.listenerList
  }

  /** Auth-key handshakes completed since start. */
  get handshakes(): number {
    return this.completedHandshakes
  }

  /** Connections closed at once for coming from another address than `onlyFrom`. */
  get refusedConnections(): number {
    return this.refused
  }

  /** Client TCP connections open now, on every DC. */
  get openConnections(): number {
    return this.connections.size
  }

  readonly keyCreated = (key: NewAuthKey): AuthKey => {
    this.completedHandshakes++
    return this.authKeys.add(key.authKey, key.salt)
  }

  readonly connectionClosed = (connection: Connection): void => {
    this.connections.delete(connection)
  }

  /** Closes the listeners and every client connection; idempotent. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      const closed = this.netServers.map((s) => new Promise<void>((resolve) => s.close(() => resolve())))
      for (const connection of this.connections) connection.destroy()
      await Promise.all(closed)
    })()
    return this.stopping
  }

  private accept(socket: net.Socket, dcId: number): void {
    if (this.stopping !== undefined) {
      socket.destroy()
      return
    }
    if (this.onlyFrom !== undefined && socket.remoteAddress?.replace(/^::ffff:/, "") !== this.onlyFrom) {
      this.refused++
      if (this.verbose) this.log(`dc${dcId}: refused a connection from ${socket.remoteAddress}:${socket.remotePort}`)
      socket.destroy()
      return
    }
    this.connections.add(new Connection(socket, dcId, this))
  }
}
