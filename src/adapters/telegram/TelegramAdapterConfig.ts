/**
 * What the GramJS adapter is configured with. A module of its own, free of
 * GramJS, so that the server can provide it without loading GramJS (see
 * TelegramOnFirstUse).
 */
import { createPublicKey } from "node:crypto"
import * as fs from "node:fs"
import { Context, Duration, type Either, Redacted } from "effect"
import { DEFAULTS } from "../../domain/Defaults.js"
import type { TelegramProxy } from "./TelegramProxy.js"

/** Your app's API id and hash, from https://my.telegram.org/apps. */
export interface TelegramCredentials {
  readonly apiId: number
  readonly apiHash: string | Redacted.Redacted<string>
}

/** The credentials as the adapter holds them: the hash redacted, so that no log or error message can show it. */
export interface HeldCredentials {
  readonly apiId: number
  readonly apiHash: Redacted.Redacted<string>
}

export const holdCredentials = (c: TelegramCredentials): HeldCredentials => ({
  apiId: c.apiId,
  apiHash: Redacted.isRedacted(c.apiHash) ? c.apiHash : Redacted.make(c.apiHash)
})

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

export interface DcEndpoint {
  readonly host: string
  readonly port: number
}

export interface DcMap {
  /** The endpoint of each DC listed. */
  readonly byDc: ReadonlyMap<number, DcEndpoint>
  /** The endpoint of every DC not listed (`host:port` form), if any. */
  readonly fallback: DcEndpoint | undefined
}

const parseEndpoint = (text: string, whole: string, source: string): DcEndpoint => {
  const m = /^(.+):(\d{1,5})$/.exec(text.trim())
  if (m === null || Number(m[2]) < 1 || Number(m[2]) > 65535) {
    throw new Error(`${source}: expected host:port, got ${JSON.stringify(whole)}`)
  }
  return { host: m[1]!.replace(/^\[(.*)\]$/, "$1"), port: Number(m[2]) }
}

/**
 * `host:port` (every DC) or `1=host:port,2=host:port`. Throws an Error
 * naming `source` (the flag or variable it came from) when malformed.
 */
export const parseDcMap = (text: string, source = "TGSC_TELEGRAM_DC"): DcMap => {
  const byDc = new Map<number, DcEndpoint>()
  if (!text.includes("=")) return { byDc, fallback: parseEndpoint(text, text, source) }
  for (const part of text.split(",")) {
    if (part.trim() === "") continue
    const m = /^\s*(\d+)\s*=(.+)$/.exec(part)
    if (m === null) throw new Error(`${source}: expected dc=host:port, got ${JSON.stringify(part)}`)
    byDc.set(Number(m[1]), parseEndpoint(m[2]!, text, source))
  }
  if (byDc.size === 0) throw new Error(`${source} is empty`)
  return { byDc, fallback: undefined }
}

/**
 * The emulator's RSA public key (modulus and exponent) from its PEM file.
 * Throws an Error naming `source` and the file when it cannot be read or
 * holds no RSA key.
 */
export const readRsaPublicKey = (path: string, source = "TGSC_TELEGRAM_PUBLIC_KEY"): { n: Buffer; e: Buffer } => {
  let pem: string
  try {
    pem = fs.readFileSync(path, "utf8")
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    throw new Error(`${source}: cannot read ${JSON.stringify(path)} (${code ?? String(error)})`)
  }
  let jwk: { n?: string | undefined; e?: string | undefined; kty?: string | undefined }
  try {
    jwk = createPublicKey(pem).export({ format: "jwk" })
  } catch {
    throw new Error(`${source}: ${JSON.stringify(path)} is not a PEM public key`)
  }
  if (jwk.kty !== "RSA" || jwk.n === undefined || jwk.e === undefined) {
    throw new Error(`${source}: ${JSON.stringify(path)} is not an RSA public key`)
  }
  return { n: Buffer.from(jwk.n, "base64url"), e: Buffer.from(jwk.e, "base64url") }
}

/** How long one Telegram request may go unanswered, unless configured. */
export const DEFAULT_TELEGRAM_TIMEOUT_SECONDS = DEFAULTS.telegramTimeoutSeconds

/** An unused client is closed after this long. */
export const DEFAULT_CLIENT_IDLE = Duration.seconds(DEFAULTS.clientIdleSeconds)

export interface TelegramAdapterConfigShape {
  /** The credentials, or the sentence saying what is missing. */
  readonly credentials: Either.Either<HeldCredentials, string>
  readonly floodThresholdSeconds: number
  readonly idleTimeToLive?: Duration.DurationInput
  /** How long one Telegram request may go unanswered before it fails with TelegramUnavailable (default 60 s). */
  readonly requestTimeout?: Duration.DurationInput | undefined
  /**
   * Talk to the emulator instead of Telegram. Only from configuration, never
   * read from process.env here: a program embedding tgsc decides itself.
   */
  readonly emulator?: EmulatorConfig | undefined
  /** Every connection to Telegram (logins, requests, media DCs) through this proxy. */
  readonly proxy?: TelegramProxy | undefined
}

export class TelegramAdapterConfig extends Context.Tag("adapters/TelegramAdapterConfig")<
  TelegramAdapterConfig,
  TelegramAdapterConfigShape
>() {}
