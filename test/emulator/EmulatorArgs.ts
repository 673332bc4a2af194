/** The emulator CLI's arguments: `--scenario <file.json> [--realism all|none|<json>] [--updates <json>] [--port n] [--control-port n] [--only-from addr] [--verbose]`. */
import { parseArgs } from "node:util"
import { parseRealism, type Realism } from "./Realism.js"
import { DEFAULT_UPDATE_SETTINGS, parseUpdateSettings, type UpdateSettings } from "./UpdateSettings.js"

export const EMULATOR_USAGE =
  "usage: npm run emulator -- --scenario <file.json> [--realism all|none|<json flags>] [--updates <json settings>] [--port <n>] [--control-port <n>] [--only-from <addr>] [--verbose]"

/** The arguments do not follow the usage line; the message says which one. */
export class UsageError extends Error {}

export interface EmulatorArgs {
  readonly scenario: string
  /** Telegram's imperfections (Realism.ts) in place of the scenario's `options.realism`; undefined: the scenario's. */
  readonly realism?: Realism
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
  return {
    scenario: values.scenario,
    ...(values.realism === undefined ? {} : { realism: realismOption(values.realism) }),
    ...(values.updates === undefined ? {} : { updates: updatesOption(values.updates) }),
    port: portOption("port", values.port),
    controlPort: portOption("control-port", values["control-port"]),
    ...(values["only-from"] === undefined || values["only-from"] === "" ? {} : { onlyFrom: values["only-from"] }),
    verbose: values.verbose ?? false
  }
}
