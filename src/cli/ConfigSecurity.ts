/**
 * The security side of the server's configuration: where the API token
 * comes from (the environment or a file, never a flag: a flag shows in the
 * process list and the shell history), and whether the server may listen
 * beyond loopback without one.
 *
 * Each check records a problem (CommandLineError, exit code 2) or a warning
 * (logged at every start) as a sentence naming the flag, variable or file;
 * the token itself never appears in one, and is held Redacted from the
 * moment it is read.
 */
import * as nodeFs from "node:fs"
import { isIPv4, isIPv6 } from "node:net"
import * as nodePath from "node:path"
import { Options } from "@effect/cli"
import { Config, Either, Option, Redacted } from "effect"
import { type Checked, type Problems, type Setting, sourced, type Sourced, yesOrNo } from "./Setting.js"

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

export const INSECURE_NO_TOKEN: Setting<boolean> = {
  flag: "insecure-no-token",
  variable: "TGSC_INSECURE_NO_TOKEN",
  help: "allow a --host other than loopback without an API token (refused otherwise; warned at every start)",
  check: yesOrNo
}

/** TGSC_IN_CONTAINER=1, set by the Docker image (environment only); unset is no. */
export const inContainer: Config.Config<Checked<boolean>> = Config.map(
  Config.option(Config.string("TGSC_IN_CONTAINER")),
  Option.match({ onNone: () => Either.right(false), onSome: (text) => yesOrNo(text, "TGSC_IN_CONTAINER") })
)

/**
 * The token from a file: read at start, its trailing line break(s) dropped.
 * Unreadable, empty or holding more than one line: a problem naming the
 * file. Readable by group or others: a warning (the token still works).
 */
const readApiTokenFile = (
  option: Sourced,
  cwd: string,
  problems: Problems,
  warnings: Array<string>
): string | undefined => {
  const file = nodePath.resolve(cwd, option.text.trim())
  let text: string
  try {
    text = nodeFs.readFileSync(file, "utf8")
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? String(error)
    problems.add(`${option.source}: cannot read the token file ${JSON.stringify(file)} (${code})`)
    return undefined
  }
  const token = text.replace(/[\r\n]+$/, "")
  if (token.trim() === "") {
    problems.add(`${option.source}: the token file ${JSON.stringify(file)} is empty: put the token in it`)
    return undefined
  }
  // eslint-disable-next-line no-control-regex
  if (/[\x00-\x1f\x7f]/.test(token)) {
    problems.add(
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

/** The flag and its help; its option is apiTokenOption, which reads two variables. */
export const API_TOKEN_FILE: Setting<Sourced> = {
  flag: "api-token-file",
  variable: "TGSC_API_TOKEN_FILE",
  placeholder: "<path>",
  help: 'the admin token: require "Authorization: Bearer <token>" with it (or a named token, see tgsc-auth token ' +
    "--help) on /api and /mcp, the token read from this file (or given in TGSC_API_TOKEN; never as a flag)",
  check: sourced
}

/** Where the API token comes from; `Both`: TGSC_API_TOKEN and TGSC_API_TOKEN_FILE at once (which one was meant?). */
export type ApiTokenSource =
  | { readonly _tag: "File"; readonly file: Sourced }
  | { readonly _tag: "Value"; readonly token: Redacted.Redacted<string> }
  | { readonly _tag: "Both" }

/**
 * `--api-token-file`, else TGSC_API_TOKEN (read as a Redacted value), else
 * TGSC_API_TOKEN_FILE; none when none is set. The flag wins over both
 * variables.
 */
export const apiTokenOption: Options.Options<Option.Option<ApiTokenSource>> = Options.text(API_TOKEN_FILE.flag).pipe(
  Options.map((text): Option.Option<ApiTokenSource> => Option.some({ _tag: "File", file: { text, source: `--${API_TOKEN_FILE.flag}` } })),
  Options.withFallbackConfig(
    Config.map(
      Config.all({
        file: Config.option(Config.string("TGSC_API_TOKEN_FILE")),
        token: Config.option(Config.redacted("TGSC_API_TOKEN"))
      }),
      ({ file, token }): Option.Option<ApiTokenSource> =>
        Option.isSome(file) && Option.isSome(token)
          ? Option.some({ _tag: "Both" })
          : Option.isSome(token)
          ? Option.some({ _tag: "Value", token: token.value })
          : Option.map(file, (text) => ({ _tag: "File", file: { text, source: "TGSC_API_TOKEN_FILE" } }))
    )
  )
)

/** The API token, its file read at start (relative to `cwd`); a problem or a warning names the file or the variables. */
export const apiTokenOf = (
  source: Option.Option<ApiTokenSource>,
  cwd: string,
  problems: Problems,
  warnings: Array<string>
): Option.Option<Redacted.Redacted<string>> => {
  if (Option.isNone(source)) return Option.none()
  switch (source.value._tag) {
    case "Value":
      return Option.some(source.value.token)
    case "Both":
      problems.add("TGSC_API_TOKEN and TGSC_API_TOKEN_FILE are both set: keep one")
      return Option.none()
    case "File":
      return Option.map(Option.fromNullable(readApiTokenFile(source.value.file, cwd, problems, warnings)), Redacted.make)
  }
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
export const checkExposure = (exposure: Exposure, problems: Problems, warnings: Array<string>): void => {
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
    problems.add(
      `refusing to listen on ${exposure.host} without an API token: anyone who can reach port ${exposure.port} could ` +
        "read your Telegram history. Set TGSC_API_TOKEN or TGSC_API_TOKEN_FILE (--api-token-file <path>), listen on " +
        "127.0.0.1, or pass --insecure-no-token (TGSC_INSECURE_NO_TOKEN=1) to accept the risk"
    )
  }
}
