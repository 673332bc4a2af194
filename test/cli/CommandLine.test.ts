/**
 * The pieces every command line is built from: @effect/cli options with a
 * Config fallback (flag > variable > default), the environment as a
 * ConfigProvider, the typed CommandLineError, secrets held Redacted, and
 * --help rendered from the same settings.
 */
import { Options } from "@effect/cli"
import { Config, ConfigProvider, Effect, Either, Option, Redacted } from "effect"
import { describe, expect, it } from "vitest"
import { CommandLineError, envConfigProvider, parseFlags } from "../../src/cli/CommandLine.js"
import { serverCommandLine } from "../../src/cli/Config.js"
import { entryOf, renderOptions } from "../../src/cli/Help.js"
import { HELP } from "../../src/cli/ServerOptions.js"
import { optional, Problems, seconds, type Setting, withDefault } from "../../src/cli/Setting.js"
import { SESSION, telegramCredentials } from "../../src/cli/SharedOptions.js"
import { DEFAULTS } from "../../src/domain/Defaults.js"

const WAIT: Setting<number> & { readonly default: number } = {
  flag: "wait",
  variable: "TEST_WAIT",
  placeholder: "<s>",
  help: "how long to wait",
  default: 7,
  check: seconds({ zero: false })
}

const parse = <A>(options: Options.Options<A>, argv: Array<string>, env: Record<string, string> = {}, flags = ["wait"]) =>
  Effect.runSync(Effect.either(Effect.withConfigProvider(parseFlags("test-cmd", options, argv, flags), envConfigProvider(env))))

const valueOf = <A>(options: Options.Options<A>, argv: Array<string>, env: Record<string, string> = {}) =>
  Either.getOrThrowWith(parse(options, argv, env), (e) => new Error(e.message)).value

describe("a setting: the flag, else its variable (withFallbackConfig), else its default", () => {
  it("takes the flag over the variable and the variable over the default", () => {
    expect(valueOf(withDefault(WAIT), ["--wait", "2"], { TEST_WAIT: "3" })).toEqual(Either.right(2))
    expect(valueOf(withDefault(WAIT), ["--wait=2.5"], { TEST_WAIT: "3" })).toEqual(Either.right(2.5))
    expect(valueOf(withDefault(WAIT), [], { TEST_WAIT: "3" })).toEqual(Either.right(3))
    expect(valueOf(withDefault(WAIT), [])).toEqual(Either.right(7))
    expect(valueOf(optional(WAIT), [])).toEqual(Option.none())
  })
  it("an empty or blank variable counts as unset", () => {
    expect(valueOf(withDefault(WAIT), [], { TEST_WAIT: "" })).toEqual(Either.right(7))
    expect(valueOf(withDefault(WAIT), [], { TEST_WAIT: "  " })).toEqual(Either.right(7))
    const blank = Effect.runSync(Effect.withConfigProvider(Config.option(Config.string("X")), envConfigProvider({ X: " " })))
    expect(blank).toEqual(Option.none())
  })
  it("checks each value where it came from, and names that source", () => {
    expect(valueOf(withDefault(WAIT), ["--wait", "0"], { TEST_WAIT: "3" })).toEqual(
      Either.left('--wait must be a number of seconds > 0, got "0"')
    )
    expect(valueOf(withDefault(WAIT), [], { TEST_WAIT: "soon" })).toEqual(
      Either.left('TEST_WAIT must be a number of seconds > 0, got "soon"')
    )
  })
  it("collects the problems of several settings instead of stopping at the first", () => {
    const both = Options.all({ a: withDefault(WAIT), b: withDefault({ ...WAIT, flag: "other", variable: "TEST_OTHER" }) })
    const given = valueOf(both, ["--wait", "x"], { TEST_OTHER: "y" })
    const problems = new Problems()
    problems.take(given.a)
    problems.take(given.b)
    expect(problems.list).toEqual(['--wait must be a number of seconds > 0, got "x"', 'TEST_OTHER must be a number of seconds > 0, got "y"'])
  })
  it("reads the variables from the ConfigProvider in the context, whatever it is", () => {
    const fromMap = ConfigProvider.fromMap(new Map([["TEST_WAIT", "4"]]))
    const parsed = Effect.runSync(Effect.withConfigProvider(parseFlags("test-cmd", withDefault(WAIT), [], ["wait"]), fromMap))
    expect(parsed.value).toEqual(Either.right(4))
  })
})

describe("parseFlags: what cannot be placed is a CommandLineError naming it", () => {
  const problemsOf = (argv: Array<string>, positionals = 0) => {
    const result = Effect.runSync(
      Effect.either(Effect.withConfigProvider(parseFlags("test-cmd", withDefault(WAIT), argv, ["wait"], positionals), envConfigProvider({})))
    )
    if (Either.isRight(result)) throw new Error(`accepted ${JSON.stringify(argv)}`)
    expect(result.left).toBeInstanceOf(CommandLineError)
    expect(result.left._tag).toBe("CommandLineError")
    expect(result.left.message).toMatch(/\nRun test-cmd --help for the options\.$/)
    return result.left.problems
  }
  it.each([
    [["--bogus"], "Unknown option '--bogus'"],
    [["--bogus", "--wait", "1"], "Unknown option '--bogus'"],
    [["--wait", "1", "--wait", "2"], "--wait is given more than once"],
    [["--wait=1", "--wait=2"], "--wait is given more than once"],
    [["--wait"], "Expected a value following option: '--wait'"],
    [["extra"], "Unexpected argument 'extra'"],
    [["--WAIT", "1"], "Unknown option '--WAIT'"]
  ])("%j: %s", (argv, problem) => {
    expect(problemsOf(argv)).toEqual([problem])
  })
  it("an empty value after = is a value", () => {
    expect(valueOf(withDefault(WAIT), ["--wait="])).toEqual(Either.left('--wait must be a number of seconds > 0, got ""'))
  })
  it("takes as many positional arguments as the command allows, in order, options around them", () => {
    const parsed = Effect.runSync(
      Effect.withConfigProvider(parseFlags("test-cmd", withDefault(WAIT), ["a", "--wait", "1", "b"], ["wait"], 2), envConfigProvider({}))
    )
    expect(parsed).toEqual({ value: Either.right(1), positionals: ["a", "b"] })
    expect(problemsOf(["a", "b", "c"], 2)).toEqual(["Unexpected argument 'c'"])
  })
})

describe("secrets are Redacted from the moment they are read", () => {
  const TOKEN = "tok-9f8e7d"
  const HASH = "0123456789abcdef0123456789abcdef"
  const run = (env: Record<string, string>) =>
    Effect.runSync(Effect.withConfigProvider(serverCommandLine([], "/work"), envConfigProvider(env)))

  it("the API token from TGSC_API_TOKEN and the API hash from TELEGRAM_API_HASH", () => {
    const parsed = run({ TGSC_API_TOKEN: TOKEN, TELEGRAM_API_ID: "12345", TELEGRAM_API_HASH: HASH })
    if (parsed._tag !== "Run") throw new Error("expected Run")
    const { apiToken, telegram } = parsed.config
    expect(Option.isSome(apiToken) && Redacted.isRedacted(apiToken.value)).toBe(true)
    expect(Either.isRight(telegram) && Redacted.isRedacted(telegram.right.apiHash)).toBe(true)
    expect(apiToken.pipe(Option.map(Redacted.value))).toEqual(Option.some(TOKEN))
    // Every way a log line or an error could print the configuration.
    for (const shown of [JSON.stringify(parsed), String(Option.getOrThrow(apiToken)), `${Either.getOrThrow(telegram).apiHash}`]) {
      expect(shown).not.toContain(TOKEN)
      expect(shown).not.toContain(HASH)
    }
  })
  it("a refused command line never echoes them", () => {
    const refused = Effect.runSync(
      Effect.either(Effect.withConfigProvider(serverCommandLine(["--port", "x"], "/work"), envConfigProvider({
        TGSC_API_TOKEN: TOKEN,
        TELEGRAM_API_ID: "1234567",
        TELEGRAM_API_HASH: HASH
      })))
    )
    if (Either.isRight(refused)) throw new Error("accepted")
    expect(refused.left.message).not.toContain(TOKEN)
    expect(refused.left.message).not.toContain(HASH)
    expect(JSON.stringify(refused.left)).not.toContain(HASH)
  })
})

describe("the Telegram credentials' errors are typed", () => {
  const credentials = (env: Record<string, string>) =>
    Effect.runSync(Effect.withConfigProvider(telegramCredentials, envConfigProvider(env)))
  it("missing: TelegramCredentialsMissing naming the variables; the server still starts, Telegram's routes answer 503", () => {
    const missing = credentials({ TELEGRAM_API_HASH: "h" })
    expect(Either.isLeft(missing) && missing.left._tag).toBe("TelegramCredentialsMissing")
    expect(Either.isLeft(missing) && missing.left._tag === "TelegramCredentialsMissing" && missing.left.variables).toEqual(["TELEGRAM_API_ID"])
    const parsed = Effect.runSync(Effect.withConfigProvider(serverCommandLine([], "/work"), envConfigProvider({ TELEGRAM_API_HASH: "h" })))
    expect(parsed._tag === "Run" && parsed.config.telegram).toEqual(Either.left(expect.stringMatching(/^Telegram API credentials are not configured: set TELEGRAM_API_ID in/)))
  })
  it("a malformed api_id: TelegramApiIdInvalid, which refuses the start without echoing the value", () => {
    const invalid = credentials({ TELEGRAM_API_ID: "12ab34", TELEGRAM_API_HASH: "h" })
    expect(Either.isLeft(invalid) && invalid.left._tag).toBe("TelegramApiIdInvalid")
    const refused = Effect.runSync(Effect.either(Effect.withConfigProvider(
      serverCommandLine([], "/work"),
      envConfigProvider({ TELEGRAM_API_ID: "12ab34", TELEGRAM_API_HASH: "h" })
    )))
    expect(Either.isLeft(refused) && refused.left.problems).toEqual([
      "TELEGRAM_API_ID must be a positive integer (the api_id from https://my.telegram.org/apps)"
    ])
    expect(Either.isLeft(refused) && refused.left.message).not.toContain("12ab34")
  })
})

describe("--help from the settings", () => {
  it("shows each setting's flag, variable and default, its help wrapped beside it", () => {
    const text = renderOptions([entryOf({ ...WAIT, help: "word ".repeat(30).trim() })])
    const lines = text.trimEnd().split("\n")
    expect(lines[0]).toMatch(/^ {2}--wait <s> {15}word word/)
    expect(lines.slice(1).every((line) => line.startsWith(" ".repeat(27) + "word"))).toBe(true)
    expect(lines.at(-1)).toMatch(/ TEST_WAIT \[7\]$/)
    expect(Math.max(...lines.map((line) => line.replace(/ +TEST_WAIT \[7\]$/, "").length))).toBeLessThanOrEqual(77)
  })
  it("a long usage puts the help on the next line", () => {
    expect(renderOptions([{ usage: "--a-rather-long-flag-name <value>", help: "does it" }]))
      .toBe("  --a-rather-long-flag-name <value>\n                           does it\n")
  })
  it("tgsc-server's defaults are DEFAULTS'", () => {
    for (const value of [DEFAULTS.dataDir, DEFAULTS.host, DEFAULTS.port, DEFAULTS.floodThresholdSeconds, DEFAULTS.maxStreams, DEFAULTS.logLevel]) {
      expect(HELP).toContain(`[${value}]`)
    }
  })
})

describe("the shared session-name setting (tgsc-mcp's --session)", () => {
  it("accepts a session name and refuses what could climb out of the sessions folder, naming the flag", () => {
    expect(SESSION.check("work_1", "--session")).toEqual(Either.right("work_1"))
    expect(SESSION.check("../x", "--session")).toEqual(Either.left(expect.stringMatching(/^--session: Invalid session name "\.\.\/x"/)))
  })
})
