/**
 * tgsc-auth's command line as authCommandLine reads it: the session name
 * (and `logout`), the shared settings, and the credentials from the
 * environment. The same through the real binary: test/e2e/auth-cli.test.ts
 * and test/e2e/sessions-cli.test.ts.
 */
import { generateKeyPairSync } from "node:crypto"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { Effect, Either, Redacted } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { AUTH_HELP, authCommandLine } from "../../src/cli/AuthOptions.js"
import { envConfigProvider } from "../../src/cli/CommandLine.js"
import { DEFAULTS } from "../../src/domain/Defaults.js"

const CREDENTIALS = { TELEGRAM_API_ID: "12345", TELEGRAM_API_HASH: "feedface" }

const parse = (argv: Array<string>, env: Record<string, string | undefined> = CREDENTIALS) =>
  Effect.runSync(Effect.either(Effect.withConfigProvider(authCommandLine(argv, "/work"), envConfigProvider(env))))
const accepted = (argv: Array<string>, env?: Record<string, string | undefined>) => {
  const parsed = parse(argv, env)
  if (Either.isLeft(parsed)) throw new Error(parsed.left.message)
  if (parsed.right._tag === "Help") throw new Error("expected a login or a logout")
  return parsed.right
}
const refused = (argv: Array<string>, env?: Record<string, string | undefined>) => {
  const parsed = parse(argv, env)
  if (Either.isRight(parsed)) throw new Error(`accepted ${JSON.stringify(argv)}`)
  expect(parsed.left.message).toMatch(/\nRun tgsc-auth --help for the options\.$/)
  return parsed.left.problems
}

let dir: string
let key: string
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "tgsc-auth-options-"))
  key = path.join(dir, "emulator.pem")
  fs.writeFileSync(key, generateKeyPairSync("rsa", { modulusLength: 1024 }).publicKey.export({ type: "spki", format: "pem" }))
})
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }))

describe("tgsc-auth's command line", () => {
  it("a login: the session name, ./data, the login timeout from DEFAULTS, the hash Redacted", () => {
    const login = accepted(["alice"])
    expect(login).toMatchObject({
      _tag: "Login",
      name: "alice",
      dataDir: "/work/data",
      force: false,
      loginTimeoutSeconds: DEFAULTS.loginTimeoutSeconds,
      emulator: undefined
    })
    expect(login.credentials.apiId).toBe(12345)
    expect(Redacted.isRedacted(login.credentials.apiHash)).toBe(true)
    expect(JSON.stringify(login)).not.toContain("feedface")
  })
  it("options before or after the name; --force", () => {
    expect(accepted(["--force", "alice", "--data-dir", "d"])).toMatchObject({ name: "alice", force: true, dataDir: "/work/d" })
  })
  it("logout <name> is a logout; logout alone a login of a session named logout", () => {
    expect(accepted(["logout", "alice"])).toMatchObject({ _tag: "Logout", name: "alice" })
    expect(accepted(["logout"])).toMatchObject({ _tag: "Login", name: "logout" })
  })
  it("the flags win over the variables, which win over the defaults", () => {
    const env = { ...CREDENTIALS, TGSC_DATA_DIR: "/srv/tg", TGSC_LOGIN_TIMEOUT_SECONDS: "30" }
    expect(accepted(["alice"], env)).toMatchObject({ dataDir: "/srv/tg", loginTimeoutSeconds: 30 })
    expect(accepted(["alice", "--login-timeout", "1.5", "--data-dir=x"], env)).toMatchObject({ dataDir: "/work/x", loginTimeoutSeconds: 1.5 })
  })
  it("the emulator switch from flags or variables", () => {
    expect(accepted(["alice"], { ...CREDENTIALS, TGSC_TELEGRAM_DC: "127.0.0.1:4000", TGSC_TELEGRAM_PUBLIC_KEY: key }).emulator)
      .toEqual({ dc: "127.0.0.1:4000", publicKeyPath: key })
    expect(accepted(["alice", "--telegram-dc", "127.0.0.1:4001", "--telegram-public-key", key]).emulator)
      .toEqual({ dc: "127.0.0.1:4001", publicKeyPath: key })
  })
  it("--help, and its defaults come from DEFAULTS", () => {
    expect(parse(["--help"])).toEqual(Either.right({ _tag: "Help" }))
    expect(parse(["-h", "alice"])).toEqual(Either.right({ _tag: "Help" }))
    expect(AUTH_HELP).toContain(`TGSC_DATA_DIR [${DEFAULTS.dataDir}]`)
    expect(AUTH_HELP).toContain(`TGSC_LOGIN_TIMEOUT_SECONDS [${DEFAULTS.loginTimeoutSeconds}]`)
    for (const flag of ["--data-dir", "--force", "--login-timeout", "--telegram-dc", "--telegram-public-key", "-h, --help"]) {
      expect(AUTH_HELP).toMatch(new RegExp(`^  ${flag}\\b`, "m"))
    }
  })
  it("reports every problem at once: the name, the options, the credentials", () => {
    expect(refused(["../escape", "--login-timeout", "0", "--telegram-dc", "127.0.0.1:1"], {})).toEqual([
      expect.stringMatching(/^Invalid session name "\.\.\/escape"/),
      '--login-timeout must be a number of seconds > 0, got "0"',
      "--telegram-dc is set but --telegram-public-key (or TGSC_TELEGRAM_PUBLIC_KEY) is not: the Telegram emulator needs both",
      expect.stringMatching(/^Telegram API credentials are not configured: set TELEGRAM_API_ID and TELEGRAM_API_HASH/)
    ])
  })
  it.each([
    [[], "expected exactly one session name (or logout and one)"],
    [["a", "b"], "expected exactly one session name (or logout and one)"],
    [["a", "b", "c"], "Unexpected argument 'c'"],
    [["alice", "--bogus"], "Unknown option '--bogus'"],
    [["alice", "--force", "--force"], "--force is given more than once"]
  ])("refuses %j", (argv, problem) => {
    expect(refused(argv)).toEqual([problem])
  })
  it("--phone: the number in international form, held Redacted; a malformed one refused without echoing it; not with logout", () => {
    const login = accepted(["alice", "--phone", "+44 (7700) 900-123"])
    expect(Redacted.isRedacted(login.phone)).toBe(true)
    expect(Redacted.value(login.phone!)).toBe("+447700900123")
    expect(JSON.stringify(login)).not.toContain("7700900123")
    expect(accepted(["alice"]).phone).toBeUndefined()
    const [problem] = refused(["alice", "--phone", "+31 612 abc"])
    expect(problem).toMatch(/^--phone: Invalid phone number: give it in international form/)
    expect(problem).not.toContain("612")
    expect(refused(["logout", "alice", "--phone", "+447700900123"])).toEqual(["--phone is for a login, not for logout"])
    expect(AUTH_HELP).toMatch(/^  --phone <number>\s+log in by a code Telegram sends/m)
  })
  it("a malformed TELEGRAM_API_ID is refused without echoing it", () => {
    const problems = refused(["alice"], { TELEGRAM_API_ID: "98x", TELEGRAM_API_HASH: "h" })
    expect(problems).toEqual(["TELEGRAM_API_ID must be a positive integer (the api_id from https://my.telegram.org/apps)"])
  })
})
