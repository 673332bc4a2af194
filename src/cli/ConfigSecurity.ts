/**
 * The security side of the server's configuration: where the API token
 * comes from (the environment or a file, never a flag: a flag shows in the
 * process list and the shell history), and whether the server may listen
 * beyond loopback without one.
 *
 * Like the rest of Config, each check records a problem (exit code 2) or a
 * warning (logged at every start) as a sentence naming the flag, variable
 * or file; the token itself never appears in one.
 */
import * as nodeFs from "node:fs"
import { isIPv4, isIPv6 } from "node:net"
import * as nodePath from "node:path"
import { Option, Redacted } from "effect"

type Pick = (flag: string, variable: string | undefined) => { readonly value: string; readonly source: string } | undefined

export const API_TOKEN_FLAG_REFUSED = "--api-token is not accepted: a token on the command line shows in the process list " +
  "and the shell history. Set TGSC_API_TOKEN in the environment, or put the token in a file readable only by you " +
  "and pass --api-token-file <path> (or TGSC_API_TOKEN_FILE)"

/** Whether `argv` gives the retired `--api-token` flag (with its value or not), before any `--`. */
export const givesApiTokenFlag = (argv: ReadonlyArray<string>): boolean => {
  const end = argv.indexOf("--")
  return (end < 0 ? argv : argv.slice(0, end)).some((arg) => arg === "--api-token" || arg.startsWith("--api-token="))
}

/**
 * 127.0.0.0/8, ::1 (also IPv4-mapped loopback) and `localhost`: addresses
 * only this machine can reach. Anything else, 0.0.0.0 and :: included, may
 * be reachable from elsewhere.
 */
export const isLoopbackHost = (host: string): boolean => {
  const name = host.toLowerCase().replace(/^\[(.*)\]$/, "$1").replace(/\.$/, "")
  if (name === "localhost") return true
  if (isIPv4(name)) return name.startsWith("127.")
  if (isIPv6(name)) {
    // The URL parser writes an IPv6 address one way: ::1 for 0:0:0:0:0:0:0:1, ::ffff:7f00:1 for ::ffff:127.0.0.1.
    let normal: string
    try {
      normal = new URL(`http://[${name}]/`).hostname
    } catch {
      return false
    }
    const mapped = /^\[::ffff:([0-9a-f]{1,4}):[0-9a-f]{1,4}\]$/.exec(normal)
    return normal === "[::1]" || (mapped !== null && parseInt(mapped[1]!, 16) >> 8 === 127)
  }
  return false
}

/** A yes/no variable: 1/true/yes/on or 0/false/no/off (any case); unset or empty is no. */
export const booleanVariable = (
  env: Readonly<Record<string, string | undefined>>,
  variable: string,
  problems: Array<string>
): boolean => {
  const text = env[variable]?.trim().toLowerCase() ?? ""
  if (text === "" || ["0", "false", "no", "off"].includes(text)) return false
  if (["1", "true", "yes", "on"].includes(text)) return true
  problems.push(`${variable} must be 1 or 0, got ${JSON.stringify(env[variable])}`)
  return false
}

/**
 * The token from a file: read at start, its trailing line break(s) dropped.
 * Unreadable, empty or holding more than one line: a problem naming the
 * file. Readable by group or others: a warning (the token still works).
 */
export const readApiTokenFile = (
  option: { readonly value: string; readonly source: string },
  cwd: string,
  problems: Array<string>,
  warnings: Array<string>
): string | undefined => {
  const file = nodePath.resolve(cwd, option.value.trim())
  let text: string
  try {
    text = nodeFs.readFileSync(file, "utf8")
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? String(error)
    problems.push(`${option.source}: cannot read the token file ${JSON.stringify(file)} (${code})`)
    return undefined
  }
  const token = text.replace(/[\r\n]+$/, "")
  if (token.trim() === "") {
    problems.push(`${option.source}: the token file ${JSON.stringify(file)} is empty: put the token in it`)
    return undefined
  }
  // eslint-disable-next-line no-control-regex
  if (/[\x00-\x1f\x7f]/.test(token)) {
    problems.push(
      `${option.source}: the token file ${JSON.stringify(file)} holds more than one line or a control character: ` +
        "put only the token in it"
    )
    return undefined
  }
  try {
    const mode = nodeFs.statSync(file).mode
    if ((mode & 0o044) !== 0) {
      warnings.push(
        `${option.source}: the token file ${JSON.stringify(file)} is readable by other users ` +
          `(mode ${(mode & 0o777).toString(8).padStart(4, "0")}): chmod 600 it`
      )
    }
  } catch {
    // It was just read; a stat failing now changes nothing about the token.
  }
  return token
}

/**
 * The API token: `--api-token-file` (the flag), else TGSC_API_TOKEN, else
 * TGSC_API_TOKEN_FILE; both variables at once is a problem (which one was meant?).
 */
export const apiTokenOption = (
  pick: Pick,
  env: Readonly<Record<string, string | undefined>>,
  cwd: string,
  problems: Array<string>,
  warnings: Array<string>
): Option.Option<Redacted.Redacted<string>> => {
  const file = pick("api-token-file", "TGSC_API_TOKEN_FILE")
  const fromEnv = pick("api-token", "TGSC_API_TOKEN")
  if (file !== undefined && fromEnv !== undefined && file.source === "TGSC_API_TOKEN_FILE") {
    problems.push("TGSC_API_TOKEN and TGSC_API_TOKEN_FILE are both set: keep one")
    return Option.none()
  }
  const token = file !== undefined ? readApiTokenFile(file, cwd, problems, warnings) : fromEnv?.value
  return Option.map(Option.fromNullable(token), Redacted.make)
}

export interface Exposure {
  readonly host: string
  readonly port: number
  readonly hasToken: boolean
  /** --insecure-no-token or TGSC_INSECURE_NO_TOKEN=1. */
  readonly insecureNoToken: boolean
  /** TGSC_IN_CONTAINER=1, set by the Docker image: the bind is inside the container, `docker run -p` decides who reaches it. */
  readonly inContainer: boolean
}

/**
 * Without a token, a non-loopback bind lets anyone who reaches the port read
 * the account's history: refused (a problem), unless the user accepted the
 * risk (--insecure-no-token) or the server runs in the Docker image, both
 * with a warning at every start that names the fix.
 */
export const checkExposure = (exposure: Exposure, problems: Array<string>, warnings: Array<string>): void => {
  if (exposure.hasToken || isLoopbackHost(exposure.host)) return
  if (exposure.inContainer) {
    warnings.push(
      "SECURITY WARNING: no API token, and the server listens on every interface of its container: anyone who can " +
        "reach the published port can read your Telegram history and log sessions in. Publish it on the host's " +
        "loopback only (docker run -p 127.0.0.1:8000:8000 ...), or set TGSC_API_TOKEN (e.g. docker run --env-file) " +
        "and send Authorization: Bearer <token>"
    )
  } else if (exposure.insecureNoToken) {
    warnings.push(
      `SECURITY WARNING: --insecure-no-token: listening on ${exposure.host} port ${exposure.port} without an API ` +
        "token: anyone who can reach it can read your Telegram history and log sessions in. Set TGSC_API_TOKEN or " +
        "TGSC_API_TOKEN_FILE (--api-token-file <path>) to require one"
    )
  } else {
    problems.push(
      `refusing to listen on ${exposure.host} without an API token: anyone who can reach port ${exposure.port} could ` +
        "read your Telegram history. Set TGSC_API_TOKEN or TGSC_API_TOKEN_FILE (--api-token-file <path>), listen on " +
        "127.0.0.1, or pass --insecure-no-token (TGSC_INSECURE_NO_TOKEN=1) to accept the risk"
    )
  }
}
