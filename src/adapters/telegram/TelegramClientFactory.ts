/**
 * Builds GramJS clients the way the whole adapter wants them: GramJS's own
 * flood sleeping off (we retry by Schedule), its logging quiet, and, when
 * the emulator switch is set, pointed at the emulator instead of Telegram.
 */
import { TelegramClient } from "telegram"
import { Logger, LogLevel } from "telegram/extensions/Logger.js"
import { StringSession } from "telegram/sessions/index.js"
import { emulatorSwitchFor } from "./EmulatorSwitch.js"
import type { EmulatorConfig, TelegramCredentials } from "./TelegramAdapterConfig.js"

export interface ClientOptions {
  readonly credentials: TelegramCredentials
  /** The emulator to talk to instead of Telegram, if any. */
  readonly emulator?: EmulatorConfig | undefined
}

class QuietLogger extends Logger {
  constructor() {
    super(LogLevel.NONE)
  }
}

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
  // The constructor reads whatever bytes are there; these are what a real login always has.
  const key = (parsed as unknown as { _key?: Buffer })._key
  if (!(parsed.dcId > 0) || !parsed.serverAddress || key?.length !== AUTH_KEY_BYTES) {
    throw new InvalidSavedSession("no DC address or auth key in it")
  }
  return parsed
}

/** Throws InvalidSavedSession for a corrupt session, or an Error when the emulator switch is misconfigured. */
export const makeClient = (session: string, options: ClientOptions): TelegramClient => {
  const stringSession = parseSavedSession(session)
  const emulator = emulatorSwitchFor(options.emulator)
  const client = new TelegramClient(stringSession, options.credentials.apiId, options.credentials.apiHash, {
    connectionRetries: 3,
    retryDelay: 500,
    autoReconnect: true,
    floodSleepThreshold: 0,
    requestRetries: 3,
    baseLogger: new QuietLogger(),
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
