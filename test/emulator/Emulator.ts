/**
 * The Telegram emulator in-process: an RSA key, the DC listeners (Server)
 * and the control API around one world. The CLI (cli.ts) is a thin shell
 * over `startEmulator`.
 */
import { type ControlApi, startControlApi } from "./ControlApi.js"
import { type FaultSpec, parseFault } from "./Faults.js"
import type { Latency } from "./Latency.js"
import type { RateLimit } from "./RateLimits.js"
import type { EmulatorWorld } from "./RpcContext.js"
import { type DcListener, Server } from "./Server.js"
import { ServerKey } from "./ServerKey.js"

export interface EmulatorOptions {
  readonly world: EmulatorWorld
  /** Where the DC listeners listen; loopback by default. */
  readonly host?: string
  /** The first DC's port (the others follow in DC order); 0, the default, picks free ports. */
  readonly port?: number
  /** The control API's port; 0, the default, picks a free one. */
  readonly controlPort?: number
  /** Log every connection, call and fault to stderr. */
  readonly verbose?: boolean
  /**
   * Accept MTProto connections from this address only, closing the others
   * at once (counted by `refusedConnections`): a test proving that every
   * connection went through a proxy that connects from it.
   */
  readonly onlyFrom?: string
  /** Per-account rate budgets (RateLimits.ts) in place of the scenario's `options.rate`. */
  readonly rate?: ReadonlyArray<RateLimit>
  /** The delay on every answer (Latency.ts) in place of the scenario's `options.latency`. */
  readonly latency?: Latency
}

/**
 * The environment that points the tgsc server (and EmulatorSwitch) at this
 * emulator. A type alias, not an interface, so it passes where an environment
 * Record is expected.
 */
export type EmulatorEnv = {
  readonly TGSC_TELEGRAM_DC: string
  readonly TGSC_TELEGRAM_PUBLIC_KEY: string
}

export interface RunningEmulator {
  readonly env: EmulatorEnv
  /** The control API's base URL, e.g. `http://127.0.0.1:40124`. */
  readonly control: string
  readonly dcs: ReadonlyArray<DcListener>
  /** RPC call counts by TL name since start or the last reset. */
  readonly calls: () => Record<string, number>
  readonly resetCalls: () => void
  /** `times` defaults to 1 and `after` to 0, as in the control API; throws TypeError on an invalid fault. */
  readonly addFault: (fault: Pick<FaultSpec, "method" | "error"> & Partial<FaultSpec>) => void
  readonly clearFaults: () => void
  /** Auth-key handshakes completed since start. */
  readonly handshakes: () => number
  /** Connections refused since start for not coming from `onlyFrom`. */
  readonly refusedConnections: () => number
  /** Client TCP connections open now, on every DC (e.g. to see a client close). */
  readonly openConnections: () => number
  /** Closes listeners, client connections and the control API, and deletes the key file; idempotent. */
  readonly stop: () => Promise<void>
}

const log = (message: string): void => {
  process.stderr.write(`[emulator] ${message}\n`)
}

export const startEmulator = async (options: EmulatorOptions): Promise<RunningEmulator> => {
  const host = options.host ?? "127.0.0.1"
  const serverKey = await ServerKey.generate()
  let server: Server | undefined
  let control: ControlApi | undefined
  let stopping: Promise<void> | undefined
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      await Promise.all([server?.stop(), control?.close()])
      serverKey.remove()
    })()
    return stopping
  }
  try {
    server = await Server.start({
      world: options.world,
      dcIds: options.world.dcIds(),
      serverKey,
      host,
      port: options.port ?? 0,
      verbose: options.verbose ?? false,
      log,
      onlyFrom: options.onlyFrom
    })
    const traffic = options.world.traffic?.()
    server.dispatcher.setRateLimits(options.rate ?? traffic?.rate ?? [])
    const latency = options.latency ?? traffic?.latency
    if (latency !== undefined) server.dispatcher.setLatency(latency)
    control = await startControlApi(options.world, server.dispatcher, { host: "127.0.0.1", port: options.controlPort ?? 0, log })
  } catch (error) {
    await stop()
    throw error
  }
  const running = server
  const { dispatcher, listeners } = running
  const endpoint = (l: DcListener) => `${l.host.includes(":") ? `[${l.host}]` : l.host}:${l.port}`
  return {
    env: {
      TGSC_TELEGRAM_DC: listeners.length === 1 && listeners[0]!.id === 1
        ? endpoint(listeners[0]!)
        : listeners.map((l) => `${l.id}=${endpoint(l)}`).join(","),
      TGSC_TELEGRAM_PUBLIC_KEY: serverKey.publicKeyPath
    },
    control: control.url,
    dcs: listeners,
    calls: () => dispatcher.calls(),
    resetCalls: () => dispatcher.resetCalls(),
    addFault: (fault) => {
      const parsed = parseFault(fault)
      if (typeof parsed === "string") throw new TypeError(`invalid fault: ${parsed}`)
      dispatcher.addFault(parsed)
    },
    clearFaults: () => dispatcher.clearFaults(),
    handshakes: () => running.handshakes,
    refusedConnections: () => running.refusedConnections,
    openConnections: () => running.openConnections,
    stop
  }
}
