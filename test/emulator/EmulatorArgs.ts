/**
 * The emulator CLI's arguments: `--scenario <file.json> [--realism all|none|<json>] [--updates <json>]
 * [--rate <method>=<n>/s[,burst=<n>]]... [--latency 150ms[±20ms]] [--latency-jitter 20ms] [--port n] [--control-port n]
 * [--only-from addr] [--verbose]`.
 */
import { parseArgs } from "node:util"
import { type Latency, parseDuration, parseLatency } from "./Latency.js"
import { parseRateLimit, type RateLimit } from "./RateLimits.js"
import { parseRealism, type Realism } from "./Realism.js"
import { DEFAULT_UPDATE_SETTINGS, parseUpdateSettings, type UpdateSettings } from "./UpdateSettings.js"

export const EMULATOR_USAGE =
  "usage: npm run emulator -- --scenario <file.json> [--realism all|none|<json flags>] [--updates <json settings>] " +
  "[--rate <method>=<n>/s[,burst=<n>]]... [--latency <ms>[±<ms>]] [--latency-jitter <ms>] [--port <n>] [--control-port <n>] " +
  "[--only-from <addr>] [--verbose]"

/** The arguments do not follow the usage line; the message says which one. */
export class UsageError extends Error {}

export interface EmulatorArgs {
  readonly scenario: string
  /** Telegram's imperfections (Realism.ts) in place of the scenario's `options.realism`; undefined: the scenario's. */
  readonly realism?: Realism
  /** Per-account rate budgets (RateLimits.ts) in place of the scenario's `options.rate`; undefined: the scenario's. */
  readonly rate?: ReadonlyArray<RateLimit>
  /** The delay on every answer (Latency.ts) in place of the scenario's `options.latency`; undefined: the scenario's. */
  readonly latency?: Latency
  /** The update machinery's settings (UpdateSettings.ts), e.g. `{"difference_limit":50,"retention":1000}`; undefined: the defaults. */
  readonly updates?: UpdateSettings
  readonly port: number
  readonly controlPort: number
  /** Accept MTProto connections from this address only (a proxy's); see EmulatorOptions.onlyFrom. */
  readonly onlyFrom?: string
  readonly verbose: boolean
}

const portOption = (name: string, text: string | undefined): number => {
  if (text === undefined) return 0
  if (!/^\d{1,5}$/.test(text) || Number(text) > 65535) {
    throw new UsageError(`--${name}: expected a port number 0-65535, got ${JSON.stringify(text)}`)
  }
  return Number(text)
}

const realismOption = (text: string): Realism => {
  let value: unknown = text.trim()
  if (text.trim().startsWith("{")) {
    try {
      value = JSON.parse(text)
    } catch {
      throw new UsageError(`--realism: invalid JSON ${JSON.stringify(text)}`)
    }
  }
  const realism = parseRealism(value)
  if (typeof realism === "string") throw new UsageError(`--realism: ${realism}`)
  return realism
}

const latencyOption = (text: string | undefined, jitterText: string | undefined): Latency | undefined => {
  if (text === undefined) {
    if (jitterText !== undefined) throw new UsageError("--latency-jitter needs --latency")
    return undefined
  }
  const latency = parseLatency(text)
  if (typeof latency === "string") throw new UsageError(`--latency: ${latency}`)
  if (jitterText === undefined) return latency
  const jitterMs = parseDuration(jitterText)
  if (jitterMs === undefined) throw new UsageError(`--latency-jitter: expected a duration such as 20ms, got ${JSON.stringify(jitterText)}`)
  return { ...latency, jitterMs }
}

const updatesOption = (text: string): UpdateSettings => {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    throw new UsageError(`--updates: invalid JSON ${JSON.stringify(text)}`)
  }
  const settings = parseUpdateSettings(value, DEFAULT_UPDATE_SETTINGS)
  if (typeof settings === "string") throw new UsageError(`--updates: ${settings}`)
  return settings
}

export const parseEmulatorArgs = (args: ReadonlyArray<string>): EmulatorArgs => {
  let values
  try {
    values = parseArgs({
      args: [...args],
      options: {
        scenario: { type: "string" },
        realism: { type: "string" },
        rate: { type: "string", multiple: true },
        latency: { type: "string" },
        "latency-jitter": { type: "string" },
        updates: { type: "string" },
        port: { type: "string" },
        "control-port": { type: "string" },
        "only-from": { type: "string" },
        verbose: { type: "boolean", default: false }
      },
      strict: true,
      allowPositionals: false
    }).values
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error))
  }
  if (values.scenario === undefined || values.scenario === "") throw new UsageError("--scenario <file.json> is required")
  const rate = values.rate?.map((text) => {
    const limit = parseRateLimit(text)
    if (typeof limit === "string") throw new UsageError(`--rate: ${limit}`)
    return limit
  })
  if (rate !== undefined && new Set(rate.map((l) => l.method)).size < rate.length) throw new UsageError("--rate: a method is given twice")
  const latency = latencyOption(values.latency, values["latency-jitter"])
  return {
    scenario: values.scenario,
    ...(values.realism === undefined ? {} : { realism: realismOption(values.realism) }),
    ...(rate === undefined ? {} : { rate }),
    ...(latency === undefined ? {} : { latency }),
    ...(values.updates === undefined ? {} : { updates: updatesOption(values.updates) }),
    port: portOption("port", values.port),
    controlPort: portOption("control-port", values["control-port"]),
    ...(values["only-from"] === undefined || values["only-from"] === "" ? {} : { onlyFrom: values["only-from"] }),
    verbose: values.verbose ?? false
  }
}
