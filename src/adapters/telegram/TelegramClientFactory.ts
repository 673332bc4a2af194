/**
 * Builds GramJS clients the way the whole adapter wants them: GramJS's own
 * flood sleeping off (we retry by Schedule), its logging quiet but for the
 * connection drops and reconnects, which go to the Effect log (see
 * ConnectionLog), every connection through the proxy when one is set, and,
 * when the emulator switch is set, pointed at the emulator instead of
 * Telegram.
 */
import { Effect, FiberRef, HashMap, List, Redacted, Runtime } from "effect"
import { TelegramClient } from "telegram"
import { Logger, LogLevel } from "telegram/extensions/Logger.js"
import type { ProxyInterface } from "telegram/network/connection/TCPMTProxy.js"
import { StringSession } from "telegram/sessions/index.js"
import { emulatorSwitchFor } from "./EmulatorSwitch.js"
import { installFastLongs } from "./FastLongs.js"
import { releaseAnswers } from "./RequestAnswers.js"
import { keepFirstEntityRows } from "./SessionEntities.js"
import type { EmulatorConfig, HeldCredentials } from "./TelegramAdapterConfig.js"
import type { TelegramProxy } from "./TelegramProxy.js"

export interface ClientOptions {
  readonly credentials: HeldCredentials
  /** The emulator to talk to instead of Telegram, if any. */
  readonly emulator?: EmulatorConfig | undefined
  /** The proxy every connection of the client goes through (its DCs, media DCs), if any. */
  readonly proxy?: TelegramProxy | undefined
  /** Where the client's connection drops and reconnects are reported, if anywhere. */
  readonly connectionLog?: ConnectionLog | undefined
}

export type ConnectionLogLevel = "info" | "warning"

/** Receives a client's connection events, in our words: addresses and DC numbers at most, never keys or messages. */
export type ConnectionLog = (level: ConnectionLogLevel, message: string) => void

export interface ConnectionEvent {
  readonly level: ConnectionLogLevel
  readonly message: string
}

/**
 * What a GramJS 2.26.22 log message (client/TelegramClient, network/MTProtoSender)
 * says about the connection, or undefined for the rest (requests, updates,
 * handshakes, our own disconnects). `reconnecting` tells a reconnect's
 * "Connection to ... complete!" from the first connect's, which the adapter
 * logs itself.
 */
export const connectionEventOf = (message: string, reconnecting: boolean): ConnectionEvent | undefined => {
  if (message === "Connection closed while receiving data") {
    return { level: "info", message: "Telegram closed the connection" }
  }
  if (message === "Started reconnecting") return { level: "info", message: "reconnecting to Telegram" }
  let m = /^Connection to (\S+?)(?:\/\w+)? complete!$/.exec(message) // address:port/transport
  if (m !== null) return reconnecting ? { level: "info", message: `reconnected to Telegram (${m[1]})` } : undefined
  m = /^WebSocket connection failed attempt: (\d+)$/.exec(message)
  if (m !== null) return { level: "warning", message: `connecting to Telegram failed (attempt ${m[1]})` }
  m = /^Invalid buffer (-?\d+) for dc (\d+)$/.exec(message)
  if (m !== null) return { level: "warning", message: `Telegram DC ${m[2]} answered error ${m[1]}: reconnecting` }
  m = /^Broken authorization key for dc (\d+), resetting\.\.\.$/.exec(message)
  if (m !== null) return { level: "warning", message: `Telegram DC ${m[1]} does not know the authorization key` }
  if (message === "Unhandled error while receiving data") {
    return { level: "warning", message: "unexpected error on the connection to Telegram" }
  }
  if (message === "Error happened while disconnecting") {
    return { level: "warning", message: "error closing the broken connection to Telegram before reconnecting" }
  }
  if (message === "Error while trying to reconnect") {
    return { level: "warning", message: "reconnected to Telegram, but the first request after it failed" }
  }
  m = /^Reconnecting to new data center (\d+)$/.exec(message)
  if (m !== null) return { level: "info", message: `moving to Telegram DC ${m[1]}` }
  m = /^Telegram is having internal issues (\w+)$/.exec(message)
  if (m !== null) return { level: "warning", message: `Telegram is having internal issues (${m[1]}): retrying` }
  return undefined
}

/**
 * GramJS's logger, one per client (the client's connections to other DCs
 * share it). Its level stays NONE, so GramJS never prints on its own (it
 * console.errors whole errors when its logger would take them); only the
 * connection events are passed on.
 */
class ConnectionEventLogger extends Logger {
  private reconnecting = false

  constructor(private readonly report: ConnectionLog | undefined) {
    super(LogLevel.NONE)
  }

  override _log(_level: LogLevel, message: string): void {
    if (this.report === undefined || typeof message !== "string") return
    const event = connectionEventOf(message, this.reconnecting)
    if (message === "Started reconnecting") this.reconnecting = true
    else if (message.startsWith("Connection to ")) this.reconnecting = false
    if (event === undefined) return
    try {
      this.report(event.level, event.message)
    } catch {
      // A log line must never break the connection.
    }
  }
}

/**
 * A ConnectionLog writing to the Effect log of the runtime it is made in
 * (logger, level, format), annotated with the session name only: the
 * annotations and spans of the request that happened to connect the client
 * do not belong to later events.
 */
export const connectionLogFor = (session: string): Effect.Effect<ConnectionLog> =>
  Effect.map(Effect.runtime<never>(), (runtime) => (level, message) =>
    Runtime.runSync(runtime)(
      (level === "warning" ? Effect.logWarning(message) : Effect.logInfo(message)).pipe(
        Effect.locally(FiberRef.currentLogAnnotations, HashMap.make(["session", session] as const)),
        Effect.locally(FiberRef.currentLogSpan, List.empty())
      )
    ))

/** How long connecting through a SOCKS5 proxy may take (GramJS's default is 5 s, short for a slow proxy). */
const SOCKS_TIMEOUT_SECONDS = 10

/** The proxy as GramJS takes it. */
export const gramJsProxyOf = (proxy: TelegramProxy): ProxyInterface =>
  proxy._tag === "Socks5"
    ? {
      ip: proxy.host,
      port: proxy.port,
      socksType: 5,
      timeout: SOCKS_TIMEOUT_SECONDS,
      ...(proxy.username === undefined ? {} : { username: proxy.username, password: Redacted.value(proxy.password!) })
    }
    : { ip: proxy.host, port: proxy.port, secret: Redacted.value(proxy.secret), MTProxy: true }

/** A session file whose content is not a GramJS StringSession with a DC and a 2048-bit auth key. */
export class InvalidSavedSession extends Error {
  constructor(readonly reason: string) {
    super(`the saved session is not a valid Telegram login (${reason})`)
  }
}

const AUTH_KEY_BYTES = 256

const parseSavedSession = (text: string): StringSession => {
  if (text === "") return new StringSession("")
  let parsed: StringSession
  try {
    parsed = new StringSession(text)
  } catch (error) {
    throw new InvalidSavedSession(error instanceof Error ? error.message : String(error))
  }
  // The constructor reads whatever bytes are there; these are what a real login always has. GramJS keeps the
  // 2048-bit key in its shortest big-endian form (getByteArray), so one login in 256 has a 255-byte key, and
  // fewer still a shorter one: at most 256 bytes, never none.
  const key = (parsed as unknown as { _key?: Buffer })._key
  if (!(parsed.dcId > 0) || !parsed.serverAddress || key === undefined || key.length === 0 || key.length > AUTH_KEY_BYTES) {
    throw new InvalidSavedSession("no DC address or auth key in it")
  }
  return parsed
}

/** Throws InvalidSavedSession for a corrupt session, or an Error when the emulator switch is misconfigured. */
export const makeClient = (session: string, options: ClientOptions): TelegramClient => {
  installFastLongs()
  releaseAnswers()
  const stringSession = parseSavedSession(session)
  keepFirstEntityRows(stringSession)
  const emulator = emulatorSwitchFor(options.emulator, options.proxy?._tag === "MtProxy" ? options.proxy : undefined)
  const client = new TelegramClient(stringSession, options.credentials.apiId, Redacted.value(options.credentials.apiHash), {
    connectionRetries: 3,
    retryDelay: 500,
    autoReconnect: true,
    floodSleepThreshold: 0,
    requestRetries: 3,
    baseLogger: new ConnectionEventLogger(options.connectionLog),
    ...(options.proxy === undefined ? {} : { proxy: gramJsProxyOf(options.proxy) }),
    ...(emulator === undefined ? {} : { networkSocket: emulator.networkSocket })
  })
  if (emulator !== undefined && session === "") emulator.prepareSession(stringSession)
  return client
}

interface ExportedSenders {
  readonly _exportedSenderPromises: Map<number, Promise<{ disconnect: () => Promise<void> } | undefined>>
  readonly _exportedSenderReleaseTimeouts: Map<number, ReturnType<typeof setTimeout>>
}

/**
 * `client.destroy()` plus what GramJS 2.26.22 forgets: its disconnect walks
 * the exported-sender Maps with Object.values (always empty for a Map), so
 * senders borrowed for other DCs (media on another DC) stay connected, and
 * their 30 s release timers keep a finished program's process alive.
 */
export const destroyClient = async (client: TelegramClient): Promise<void> => {
  const internals = client as unknown as Partial<ExportedSenders>
  for (const timer of internals._exportedSenderReleaseTimeouts?.values() ?? []) clearTimeout(timer)
  internals._exportedSenderReleaseTimeouts?.clear()
  const senders = [...(internals._exportedSenderPromises?.values() ?? [])]
  internals._exportedSenderPromises?.clear()
  await Promise.all(senders.map((p) => p.then((s) => s?.disconnect(), () => undefined)))
  await client.destroy()
}
