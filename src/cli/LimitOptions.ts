/**
 * The server's caps on concurrent work (event streams, pending QR logins)
 * as settings. Unset unless given: the HTTP layer and QrLogins apply the
 * same defaults (DEFAULTS) to the library's users.
 */
import { Options } from "@effect/cli"
import { DEFAULTS } from "../domain/Defaults.js"
import { optional, type OptionValue, type Problems, type Setting, wholeNumber } from "./Setting.js"

export const MAX_STREAMS: Setting<number> = {
  flag: "max-streams",
  variable: "TGSC_MAX_STREAMS",
  placeholder: "<n>",
  help: "event streams (history, GET /mcp) open at once on the server (more: 429)",
  default: DEFAULTS.maxStreams,
  check: wholeNumber
}

export const MAX_STREAMS_PER_SESSION: Setting<number> = {
  flag: "max-streams-per-session",
  variable: "TGSC_MAX_STREAMS_PER_SESSION",
  placeholder: "<n>",
  help: "event streams (history, GET /mcp) one session may have open at once",
  default: DEFAULTS.maxStreamsPerSession,
  check: wholeNumber
}

export const MAX_PENDING_LOGINS: Setting<number> = {
  flag: "max-pending-logins",
  variable: "TGSC_MAX_PENDING_LOGINS",
  placeholder: "<n>",
  help: "logins (QR or phone code) waiting for a scan, a code or a password at once (more: 429)",
  default: DEFAULTS.maxPendingLogins,
  check: wholeNumber
}

export const LIMIT_SETTINGS = [MAX_STREAMS, MAX_STREAMS_PER_SESSION, MAX_PENDING_LOGINS]

export const limitOptions = Options.all({
  perSession: optional(MAX_STREAMS_PER_SESSION),
  streams: optional(MAX_STREAMS),
  logins: optional(MAX_PENDING_LOGINS)
})

export interface LimitOptions {
  readonly maxStreamsPerSession?: number
  readonly maxStreams?: number
  readonly maxPendingLogins?: number
}

/** The caps given; a problem is recorded for a malformed one. */
export const limitsOf = (given: OptionValue<typeof limitOptions>, problems: Problems): LimitOptions => {
  const perSession = problems.takeGiven(given.perSession)
  const streams = problems.takeGiven(given.streams)
  const logins = problems.takeGiven(given.logins)
  return {
    ...(perSession === undefined ? {} : { maxStreamsPerSession: perSession }),
    ...(streams === undefined ? {} : { maxStreams: streams }),
    ...(logins === undefined ? {} : { maxPendingLogins: logins })
  }
}
