/**
 * GramJS clients for tests, pointed at a RunningEmulator exactly as the
 * server's own client factory points them (EmulatorSwitch), with a quiet
 * logger. Always release them with `destroyTestClient`.
 */
import { TelegramClient } from "telegram"
import type { PromisedNetSockets } from "telegram/extensions/index.js"
import { Logger, LogLevel } from "telegram/extensions/Logger.js"
import { ConnectionTCPAbridged, ConnectionTCPFull, ConnectionTCPObfuscated } from "telegram/network/index.js"
import { StringSession } from "telegram/sessions/index.js"
import { emulatorSwitchFor } from "../../src/adapters/telegram/EmulatorSwitch.js"
import { emulatorFromEnv } from "../../src/adapters/telegram/TelegramAdapterConfig.js"
import { ConnectionTCPIntermediate } from "./ConnectionTCPIntermediate.js"
import type { RunningEmulator } from "./Emulator.js"

export type TestTransport = "full" | "abridged" | "intermediate" | "obfuscated"

export interface TestClientOptions {
  /** A saved StringSession; a new one on the emulator's first DC by default. */
  readonly session?: string
  readonly transport?: TestTransport
  /** GramJS sleeps through FLOOD_WAIT up to this many seconds (GramJS's default: 60). */
  readonly floodSleepThreshold?: number
  readonly requestRetries?: number
  readonly autoReconnect?: boolean
  /** Wraps the emulator switch's socket class, e.g. to observe the bytes on the wire. */
  readonly wrapSocket?: (socket: typeof PromisedNetSockets) => typeof PromisedNetSockets
}

const transports = {
  full: ConnectionTCPFull,
  abridged: ConnectionTCPAbridged,
  intermediate: ConnectionTCPIntermediate,
  obfuscated: ConnectionTCPObfuscated
} as const

export const TEST_API_ID = 12345
export const TEST_API_HASH = "0123456789abcdef0123456789abcdef"

/** A client for the emulator, not yet connected. */
export const makeTestClient = (emulator: RunningEmulator, options: TestClientOptions = {}): TelegramClient => {
  const emulatorSwitch = emulatorSwitchFor(emulatorFromEnv(emulator.env))!
  const session = new StringSession(options.session ?? "")
  if (options.session === undefined || options.session === "") emulatorSwitch.prepareSession(session)
  return new TelegramClient(session, TEST_API_ID, TEST_API_HASH, {
    connection: transports[options.transport ?? "full"],
    networkSocket: options.wrapSocket?.(emulatorSwitch.networkSocket) ?? emulatorSwitch.networkSocket,
    baseLogger: new Logger(LogLevel.NONE),
    connectionRetries: 3,
    retryDelay: 100,
    autoReconnect: options.autoReconnect ?? true,
    ...(options.floodSleepThreshold === undefined ? {} : { floodSleepThreshold: options.floodSleepThreshold }),
    ...(options.requestRetries === undefined ? {} : { requestRetries: options.requestRetries })
  })
}

interface ExportedSenders {
  readonly _exportedSenderPromises: Map<number, Promise<{ disconnect: () => Promise<void> } | undefined>>
  readonly _exportedSenderReleaseTimeouts: Map<number, ReturnType<typeof setTimeout>>
}

/**
 * `client.destroy()` plus what GramJS 2.26.22 forgets: its disconnect walks
 * the exported-sender Maps with Object.values, so senders borrowed for other
 * DCs stay connected and their 30 s release timers keep the process alive.
 */
export const destroyTestClient = async (client: TelegramClient): Promise<void> => {
  const internals = client as unknown as ExportedSenders
  for (const timer of internals._exportedSenderReleaseTimeouts.values()) clearTimeout(timer)
  internals._exportedSenderReleaseTimeouts.clear()
  const senders = [...internals._exportedSenderPromises.values()]
  internals._exportedSenderPromises.clear()
  await Promise.all(senders.map((p) => p.then((s) => s?.disconnect(), () => undefined)))
  await client.destroy()
}
