/**
 * The server's caps on concurrent work (history streams, pending QR logins)
 * as command-line options: flags, environment variables, help text. Kept
 * beside Config.ts, which spreads them in.
 */
import { DEFAULT_MAX_PENDING_LOGINS } from "../app/QrLogins.js"
import { DEFAULT_MAX_STREAMS, DEFAULT_MAX_STREAMS_PER_SESSION } from "../http/StreamSlots.js"

/** parseArgs options. */
export const LIMIT_FLAGS = {
  "max-streams-per-session": { type: "string" },
  "max-streams": { type: "string" },
  "max-pending-logins": { type: "string" }
} as const

export const LIMITS_HELP =
  `  --max-streams <n>        history streams open at once on the server
                           (more: 429)                                       TGSC_MAX_STREAMS [${DEFAULT_MAX_STREAMS}]
  --max-streams-per-session <n>
                           history streams one session may have open at once TGSC_MAX_STREAMS_PER_SESSION [${DEFAULT_MAX_STREAMS_PER_SESSION}]
  --max-pending-logins <n> QR logins waiting for a scan or a password at once
                           (more: 429)                                       TGSC_MAX_PENDING_LOGINS [${DEFAULT_MAX_PENDING_LOGINS}]
`

export interface LimitOptions {
  readonly maxStreamsPerSession?: number
  readonly maxStreams?: number
  readonly maxPendingLogins?: number
}

type Pick = (flag: string, variable: string | undefined) => { readonly value: string; readonly source: string } | undefined

/** The caps given (each a whole number >= 1); a problem is recorded for a malformed one. */
export const limitOptions = (pick: Pick, problems: Array<string>): LimitOptions => {
  const count = (flag: string, variable: string): number | undefined => {
    const option = pick(flag, variable)
    if (option === undefined) return undefined
    const text = option.value.trim()
    const value = Number(text)
    if (!/^\d+$/.test(text) || !Number.isSafeInteger(value) || value < 1) {
      problems.push(`${option.source} must be a whole number >= 1, got ${JSON.stringify(option.value)}`)
      return undefined
    }
    return value
  }
  const perSession = count("max-streams-per-session", "TGSC_MAX_STREAMS_PER_SESSION")
  const streams = count("max-streams", "TGSC_MAX_STREAMS")
  const logins = count("max-pending-logins", "TGSC_MAX_PENDING_LOGINS")
  return {
    ...(perSession === undefined ? {} : { maxStreamsPerSession: perSession }),
    ...(streams === undefined ? {} : { maxStreams: streams }),
    ...(logins === undefined ? {} : { maxPendingLogins: logins })
  }
}
