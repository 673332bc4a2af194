/**
 * Builds GramJS clients the way the whole adapter wants them: GramJS's own
 * flood sleeping off (we retry by Schedule), its logging quiet, and, when
 * the emulator switch is set, pointed at the emulator instead of Telegram.
 */
import { TelegramClient } from "telegram"
import { Logger, LogLevel } from "telegram/extensions/Logger.js"
import { StringSession } from "telegram/sessions/index.js"
import type { TelegramCredentials } from "../../app/Config.js"
import { emulatorSwitchFromEnv } from "./EmulatorSwitch.js"

export interface ClientOptions {
  readonly credentials: TelegramCredentials
  /** The environment to read the emulator switch from. */
  readonly env?: Readonly<Record<string, string | undefined>>
}

class QuietLogger extends Logger {
  constructor() {
    super(LogLevel.NONE)
  }
}

export const makeClient = (session: string, options: ClientOptions): TelegramClient => {
  const emulator = emulatorSwitchFromEnv(options.env ?? process.env)
  const stringSession = new StringSession(session)
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
