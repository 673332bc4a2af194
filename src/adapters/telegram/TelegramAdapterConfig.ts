/**
 * What the GramJS adapter is configured with. A module of its own, free of
 * GramJS, so that the server can provide it without loading GramJS (see
 * TelegramOnFirstUse).
 */
import { Context, type Duration, type Either } from "effect"
import type { TelegramCredentials } from "../../app/Config.js"

export interface TelegramAdapterConfigShape {
  /** The credentials, or the sentence saying which variable is missing. */
  readonly credentials: Either.Either<TelegramCredentials, string>
  readonly floodThresholdSeconds: number
  readonly idleTimeToLive?: Duration.DurationInput
  readonly env?: Readonly<Record<string, string | undefined>>
}

export class TelegramAdapterConfig extends Context.Tag("adapters/TelegramAdapterConfig")<
  TelegramAdapterConfig,
  TelegramAdapterConfigShape
>() {}
