/**
 * The server's configuration as the command line (src/cli/Config.ts) reads
 * it and the ways in (src/http, src/mcp's route) and the composition roots
 * use it: a neutral module, so no driving adapter imports another for it.
 */
import { Context, type Either, type Option, type Redacted } from "effect"
import type { EmulatorConfig, TelegramCredentials } from "../adapters/telegram/TelegramAdapterConfig.js"
import type { TelegramProxy } from "../adapters/telegram/TelegramProxy.js"
import { DEFAULTS } from "../domain/Defaults.js"
import type { AllowedHosts } from "./HostNames.js"

export const LOG_LEVELS = ["all", "trace", "debug", "info", "warning", "error", "fatal", "none"] as const
export type LogLevelName = (typeof LOG_LEVELS)[number]

export interface AppConfigShape {
  readonly dataDir: string
  readonly host: string
  readonly port: number
  /**
   * Host names or IPs accepted in the `Host` header beyond localhost, loopback
   * addresses and `host` (DNS rebinding protection); `*`: any. Unset: none.
   */
  readonly allowedHosts?: AllowedHosts
  readonly settingsSeed: Option.Option<string>
  /** Redacted: it never shows in a log or an error message. */
  readonly apiToken: Option.Option<Redacted.Redacted<string>>
  readonly floodThresholdSeconds: number
  /** How long an account's dialog list, folders and counts are reused before Telegram is asked again. */
  readonly dialogCacheTtlSeconds: number
  /** Longest silence on a history stream before a `: keep-alive` comment goes out (default 15). */
  readonly sseKeepAliveSeconds?: number
  /** Either the credentials, or the sentence saying which variable is missing. */
  readonly telegram: Either.Either<TelegramCredentials, string>
  /** The Telegram emulator instead of Telegram: --telegram-dc and --telegram-public-key (the key path made absolute). */
  readonly emulator?: EmulatorConfig | undefined
  /** Every Telegram connection through this proxy: --proxy / TGSC_PROXY (credentials Redacted). */
  readonly proxy?: TelegramProxy | undefined
  readonly logLevel: LogLevelName
  readonly logFormat: "text" | "json"
  /** A QR login expires after this long (unset: 300). */
  readonly loginTimeoutSeconds?: number
  /** A finished QR login stays readable this long (unset: 120). */
  readonly loginKeepSeconds?: number
  /** An unused Telegram client is closed after this long (unset: 300). */
  readonly clientIdleSeconds?: number
  /** One Telegram request unanswered this long fails with a 502 (unset: 60). */
  readonly telegramTimeoutSeconds?: number
  /** Concurrent event streams (history, GET /mcp) per session / on the whole server; more get a 429 (unset: 8 / 32). */
  readonly maxStreamsPerSession?: number
  readonly maxStreams?: number
  /** Logins (QR or phone code) pending at once on the server; more get a 429 (unset: 16). */
  readonly maxPendingLogins?: number
  /** --no-search-index: keep no full-text index of the caches. */
  readonly noSearchIndex?: boolean
  /** --follow-updates: follow every logged-in account's updates, whatever the setting follow_updates says. */
  readonly followUpdates?: boolean
}

export const DEFAULT_SSE_KEEPALIVE_SECONDS = DEFAULTS.sseKeepAliveSeconds

export class AppConfig extends Context.Tag("app/AppConfig")<AppConfig, AppConfigShape>() {}
