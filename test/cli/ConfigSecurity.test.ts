/**
 * The API token's sources (environment or file, never a flag) and the
 * refusal of a non-loopback bind without one, as parseCommandLine applies
 * them. The same through the real binary: test/http/exposure.test.ts.
 */
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { Either, Option, Redacted } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { parseCommandLine } from "../support/ServerCommandLine.js"
import { isLoopbackHost } from "../../src/cli/ConfigSecurity.js"

const SECRET = "s3cret-Token_value"

const parse = (argv: Array<string>, env: Record<string, string> = {}, cwd = "/work") => {
  const parsed = parseCommandLine(argv, env, cwd)
  if (Either.isLeft(parsed)) return { problem: parsed.left.message }
  if (parsed.right._tag !== "Run") throw new Error("expected Run")
  return { config: parsed.right.config, warnings: parsed.right.warnings }
}
const accepted = (argv: Array<string>, env: Record<string, string> = {}, cwd?: string) => {
  const result = parse(argv, env, cwd)
  if ("problem" in result) throw new Error(`refused: ${result.problem}`)
  return result
}
const refused = (argv: Array<string>, env: Record<string, string> = {}, cwd?: string) => {
  const result = parse(argv, env, cwd)
  if (!("problem" in result)) throw new Error(`accepted ${JSON.stringify([argv, env])}`)
  expect(result.problem).toMatch(/\nRun tgsc-server --help for the options\.$/)
  return result.problem
}

let dir: string
const tokenFile = (name: string, content: string, mode = 0o600) => {
  const file = path.join(dir, name)
  fs.writeFileSync(file, content, { mode })
  fs.chmodSync(file, mode)
  return file
}
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "tgsc-config-security-"))
})
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }))

describe("the API token", () => {
  it("none by default; TGSC_API_TOKEN as given", () => {
    expect(accepted([]).config.apiToken).toEqual(Option.none())
    expect(accepted([], { TGSC_API_TOKEN: SECRET }).config.apiToken.pipe(Option.map(Redacted.value))).toEqual(Option.some(SECRET))
  })
  it("--api-token-file / TGSC_API_TOKEN_FILE: read at start, the trailing line break dropped, relative to the working directory", () => {
    const file = tokenFile("token", `${SECRET}\n`)
    expect(accepted(["--api-token-file", file]).config.apiToken.pipe(Option.map(Redacted.value))).toEqual(Option.some(SECRET))
    expect(accepted([], { TGSC_API_TOKEN_FILE: "token" }, dir).config.apiToken.pipe(Option.map(Redacted.value))).toEqual(Option.some(SECRET))
    expect(accepted(["--api-token-file", tokenFile("crlf", `${SECRET}\r\n`)]).config.apiToken.pipe(Option.map(Redacted.value))).toEqual(Option.some(SECRET))
    expect(accepted(["--api-token-file", tokenFile("bare", SECRET)]).config.apiToken.pipe(Option.map(Redacted.value))).toEqual(Option.some(SECRET))
    expect(accepted(["--api-token-file", file]).warnings).toEqual([])
  })
  it("the flag wins over TGSC_API_TOKEN; both variables at once are refused", () => {
    const file = tokenFile("flag-token", "from-file\n")
    expect(accepted(["--api-token-file", file], { TGSC_API_TOKEN: SECRET }).config.apiToken.pipe(Option.map(Redacted.value))).toEqual(Option.some("from-file"))
    expect(refused([], { TGSC_API_TOKEN: SECRET, TGSC_API_TOKEN_FILE: file }))
      .toMatch(/^TGSC_API_TOKEN and TGSC_API_TOKEN_FILE are both set: keep one$/m)
  })
  it("an empty, missing, unreadable or multi-line token file is refused, naming the file", () => {
    const empty = tokenFile("empty", "\n")
    expect(refused(["--api-token-file", empty])).toMatch(new RegExp(`^--api-token-file: the token file ${JSON.stringify(empty)} is empty`, "m"))
    expect(refused([], { TGSC_API_TOKEN_FILE: tokenFile("blank", "  \n") })).toMatch(/^TGSC_API_TOKEN_FILE: the token file .* is empty/m)
    const missing = path.join(dir, "missing")
    expect(refused(["--api-token-file", missing]))
      .toMatch(new RegExp(`^--api-token-file: cannot read the token file ${JSON.stringify(missing)} \\(ENOENT\\)$`, "m"))
    expect(refused(["--api-token-file", dir])).toMatch(/cannot read the token file .* \(EISDIR\)$/m)
    if (process.getuid?.() !== 0) {
      const locked = tokenFile("locked", SECRET, 0o000)
      expect(refused(["--api-token-file", locked])).toMatch(/cannot read the token file .* \(EACCES\)$/m)
    }
    const twoLines = tokenFile("two-lines", `${SECRET}\nsecond\n`)
    const problem = refused(["--api-token-file", twoLines])
    expect(problem).toMatch(/holds more than one line or a control character: put only the token in it$/m)
    expect(problem).not.toContain(SECRET)
  })
  it("a token file others can read is warned about, without its content", () => {
    const file = tokenFile("shared", `${SECRET}\n`, 0o644)
    const { config, warnings } = accepted(["--api-token-file", file])
    expect(config.apiToken.pipe(Option.map(Redacted.value))).toEqual(Option.some(SECRET))
    // Redacted: printing the configuration (a log line, an error) never shows the token.
    expect(String(Option.getOrThrow(config.apiToken))).not.toContain(SECRET)
    expect(JSON.stringify(config)).not.toContain(SECRET)
    expect(warnings).toEqual([`--api-token-file: the token file ${JSON.stringify(file)} is readable by other users (mode 0644): chmod 600 it`])
    expect(accepted(["--api-token-file", tokenFile("group", SECRET, 0o640)]).warnings).toHaveLength(1)
  })
  it.each([
    [["--api-token", SECRET]],
    [[`--api-token=${SECRET}`]],
    [["--port", "9000", "--api-token", SECRET, "--host", "0.0.0.0"]],
    [["--api-token"]]
  ])("--api-token as a flag is refused, its value never echoed: %j", (argv) => {
    const problem = refused(argv)
    expect(problem).toMatch(/^--api-token is not accepted: .* Set TGSC_API_TOKEN .* --api-token-file <path>/)
    expect(problem).not.toContain(SECRET)
  })
})

describe("a non-loopback address without an API token", () => {
  it.each(["127.0.0.1", "127.8.9.10", "localhost", "::1", "[::1]", "::ffff:127.0.0.1"])("loopback %s needs no token", (host) => {
    expect(isLoopbackHost(host)).toBe(true)
    expect(accepted(["--host", host]).warnings).toEqual([])
  })
  it.each(["0.0.0.0", "::", "192.168.1.20", "nas.lan", "::ffff:10.0.0.1", "128.0.0.1"])("%s is refused, the message naming the fix", (host) => {
    expect(isLoopbackHost(host)).toBe(false)
    const problem = refused(["--host", host])
    expect(problem).toMatch(new RegExp(`^refusing to listen on ${host.replace(/\./g, "\\.")} without an API token`))
    expect(problem).toMatch(/Set TGSC_API_TOKEN or TGSC_API_TOKEN_FILE .* or pass --insecure-no-token \(TGSC_INSECURE_NO_TOKEN=1\) to accept the risk/)
  })
  it("starts with a token (from the environment or a file), without a warning", () => {
    expect(accepted(["--host", "0.0.0.0"], { TGSC_API_TOKEN: SECRET }).warnings).toEqual([])
    expect(accepted([], { TGSC_HOST: "0.0.0.0", TGSC_API_TOKEN_FILE: tokenFile("exposed", SECRET) }).warnings).toEqual([])
  })
  it("--insecure-no-token or TGSC_INSECURE_NO_TOKEN=1 accepts the risk, with a warning naming the fix", () => {
    for (const [argv, env] of [[["--insecure-no-token"], {}], [[], { TGSC_INSECURE_NO_TOKEN: "1" }], [[], { TGSC_INSECURE_NO_TOKEN: "true" }]] as const) {
      const { warnings } = accepted(["--host", "0.0.0.0", "--port", "8080", ...argv], env)
      expect(warnings).toHaveLength(1)
      expect(warnings[0]).toMatch(/^SECURITY WARNING: --insecure-no-token: listening on 0\.0\.0\.0 port 8080 without an API token: .* Set TGSC_API_TOKEN or TGSC_API_TOKEN_FILE/)
    }
    expect(refused(["--host", "0.0.0.0"], { TGSC_INSECURE_NO_TOKEN: "0" })).toMatch(/^refusing to listen/)
    expect(refused([], { TGSC_INSECURE_NO_TOKEN: "maybe" })).toMatch(/^TGSC_INSECURE_NO_TOKEN must be 1 or 0, got "maybe"$/m)
  })
  it("in the Docker image (TGSC_IN_CONTAINER=1, as its Dockerfile sets with TGSC_HOST=0.0.0.0): a warning naming the exposure and the fix", () => {
    const { warnings } = accepted([], { TGSC_IN_CONTAINER: "1", TGSC_HOST: "0.0.0.0" })
    expect(warnings).toHaveLength(1)
    expect(warnings[0]).toMatch(/^SECURITY WARNING: no API token, .* anyone who can reach the published port can read your Telegram history/)
    expect(warnings[0]).toContain("-p 127.0.0.1:8000:8000")
    expect(warnings[0]).toContain("set TGSC_API_TOKEN (e.g. docker run --env-file)")
    expect(accepted([], { TGSC_IN_CONTAINER: "1", TGSC_HOST: "0.0.0.0", TGSC_API_TOKEN: SECRET }).warnings).toEqual([])
  })
})
