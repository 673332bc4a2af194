/**
 * What the GramJS adapter is configured with. A module of its own, free of
 * GramJS, so that the server can provide it without loading GramJS (see
 * TelegramOnFirstUse).
 */
import { Context, type Duration, type Either } from "effect"

/** Your app's API id and hash, from https://my.telegram.org/apps. */
export interface TelegramCredentials {
  readonly apiId: number
  readonly apiHash: string
}

/**
 * Where the Telegram emulator (test/emulator) listens, to talk to it instead
 * of Telegram: tests and demos. The same values the emulator prints as
 * TGSC_TELEGRAM_DC and TGSC_TELEGRAM_PUBLIC_KEY.
 */
export interface EmulatorConfig {
  /** `host:port` for every DC, or `1=host:port,2=host:port`. */
  readonly dc: string
  /** The emulator's RSA public key (PEM file). */
  readonly publicKeyPath: string
}

/** The emulator switch from the environment: set only when both variables are. */
export const emulatorFromEnv = (env: Readonly<Record<string, string | undefined>>): EmulatorConfig | undefined => {
  const dc = env.TGSC_TELEGRAM_DC?.trim()
  const publicKeyPath = env.TGSC_TELEGRAM_PUBLIC_KEY?.trim()
  return dc && publicKeyPath ? { dc, publicKeyPath } : undefined
}

export interface TelegramAdapterConfigShape {
  /** The credentials, or the sentence saying what is missing. */
  readonly credentials: Either.Either<TelegramCredentials, string>
  readonly floodThresholdSeconds: number
  readonly idleTimeToLive?: Duration.DurationInput
  /**
   * Talk to the emulator instead of Telegram. Only from configuration, never
   * read from process.env here: a program embedding tgsc decides itself.
   */
  readonly emulator?: EmulatorConfig | undefined
}

export class TelegramAdapterConfig extends Context.Tag("adapters/TelegramAdapterConfig")<
  TelegramAdapterConfig,
  TelegramAdapterConfigShape
>() {}
