/**
 * --proxy / TGSC_PROXY: SOCKS5 and MTProxy URLs as parseTelegramProxy reads
 * them (the credentials Redacted, never in a message), the refusals (each a
 * command-line problem naming the flag or variable: exit code 2), and what
 * GramJS is given; the commands themselves (tgsc-server, tgsc-auth, as
 * bundled for the run) refusing a bad one. The connections themselves:
 * test/e2e/proxy.test.ts.
 */
import * as fs from "node:fs/promises"
import { Either, Redacted } from "effect"
import { describe, expect, it } from "vitest"
import { gramJsProxyOf } from "../../src/adapters/telegram/TelegramClientFactory.js"
import { describeTelegramProxy, parseTelegramProxy, type TelegramProxy } from "../../src/adapters/telegram/TelegramProxy.js"
import { parseCommandLine } from "../support/ServerCommandLine.js"
import { cleanEnv, makeTempDir, runCommand } from "../support/ServerProcess.js"

const HEX = "0123456789abcdef0123456789abcdef"
const ok = (text: string): TelegramProxy => Either.getOrThrowWith(parseTelegramProxy(text, "--proxy"), (e) => new Error(e))
const refusal = (text: string): string => {
  const parsed = parseTelegramProxy(text, "TGSC_PROXY")
  if (Either.isRight(parsed)) throw new Error(`accepted ${text}`)
  return parsed.left
}
const revealed = (p: TelegramProxy) => ({
  ...p,
  ...("password" in p && p.password !== undefined ? { password: Redacted.value(p.password) } : {}),
  ...("secret" in p ? { secret: Redacted.value(p.secret) } : {})
})

describe("parseTelegramProxy", () => {
  it("SOCKS5, with or without a user name and password (%-escapes decoded), IPv6 in brackets", () => {
    expect(ok("socks5://127.0.0.1:1080")).toEqual({ _tag: "Socks5", host: "127.0.0.1", port: 1080 })
    expect(revealed(ok("SOCKS5://me:p%40ss%3Aw0rd@proxy.lan:9050/"))).toEqual({
      _tag: "Socks5",
      host: "proxy.lan",
      port: 9050,
      username: "me",
      password: "p@ss:w0rd"
    })
    expect(ok("socks5://[::1]:1080")).toMatchObject({ host: "::1", port: 1080 })
    const withPassword = ok("socks5://me:hunter2@h:1")
    expect(Redacted.isRedacted((withPassword as { password: unknown }).password)).toBe(true)
    expect(JSON.stringify(withPassword)).not.toContain("hunter2")
  })

  it("MTProxy: the secret in hex, with dd, or in base64 / base64url, kept as its 16 key bytes in hex", () => {
    const key = Buffer.from(HEX, "hex")
    for (const secret of [HEX, `dd${HEX}`, key.toString("base64"), key.toString("base64url"), Buffer.concat([Buffer.from([0xdd]), key]).toString("base64")]) {
      expect(revealed(ok(`mtproxy://${secret}@mt.example:443`)), secret).toEqual({ _tag: "MtProxy", host: "mt.example", port: 443, secret: HEX })
    }
    expect(JSON.stringify(ok(`mtproxy://${HEX}@h:1`))).not.toContain(HEX)
  })

  it("refuses what GramJS cannot use, naming the source and never repeating a password or secret", () => {
    const fakeTls = `ee${HEX}${Buffer.from("example.com").toString("hex")}`
    const cases: Array<[string, RegExp]> = [
      ["http://h:1", /^TGSC_PROXY: unsupported proxy type "http": SOCKS5 and MTProxy are supported/],
      ["socks4://h:1", /unsupported proxy type "socks4"/],
      ["127.0.0.1:1080", /^TGSC_PROXY: not a proxy URL \(expected socks5:\/\/\[user:password@\]host:port or mtproxy:/],
      ["socks5://me:topsecret@h", /expected host:port after the credentials/],
      ["socks5://h:0", /expected host:port/],
      ["socks5://h:70000", /expected host:port/],
      ["socks5://:topsecret@h:1", /a SOCKS5 user name must be 1-255 characters/],
      ["socks5://me:%zz@h:1", /malformed %-escape/],
      ["mtproxy://h:443", /an MTProxy needs its secret before the @/],
      [`mtproxy://${fakeTls}@h:443`, /^TGSC_PROXY: fake-TLS MTProxy secrets \(starting with ee\) are not supported: GramJS 2\.26\.22 speaks only/],
      ["mtproxy://00112233@h:443", /must be 16 bytes \(32 hex digits\), or 17 starting with dd; got 4 bytes/],
      ["mtproxy://not*a*secret@h:443", /must be hex or base64/]
    ]
    for (const [text, expected] of cases) {
      const problem = refusal(text)
      expect(problem, text).toMatch(expected)
      for (const secret of ["topsecret", HEX, "00112233", fakeTls]) expect(problem, text).not.toContain(secret)
    }
  })

  it("describes a proxy by its kind and address only", () => {
    expect(describeTelegramProxy(ok("socks5://me:hunter2@h:1080"))).toBe("SOCKS5 proxy h:1080 (with a user name and password)")
    expect(describeTelegramProxy(ok("socks5://h:1080"))).toBe("SOCKS5 proxy h:1080")
    expect(describeTelegramProxy(ok(`mtproxy://${HEX}@mt:443`))).toBe("MTProxy mt:443")
  })

  it("hands GramJS a SOCKS5 proxy (with a longer connect timeout) or an MTProxy", () => {
    expect(gramJsProxyOf(ok("socks5://me:hunter2@h:1080"))).toEqual({
      ip: "h",
      port: 1080,
      socksType: 5,
      timeout: 10,
      username: "me",
      password: "hunter2"
    })
    expect(gramJsProxyOf(ok(`mtproxy://dd${HEX}@mt:443`))).toEqual({ ip: "mt", port: 443, secret: HEX, MTProxy: true })
  })
})

describe("tgsc-server --proxy / TGSC_PROXY", () => {
  const env = { TELEGRAM_API_ID: "1", TELEGRAM_API_HASH: "h" }
  const config = (argv: Array<string>, extra: Record<string, string> = {}) => {
    const parsed = parseCommandLine(argv, { ...env, ...extra }, "/work")
    if (Either.isLeft(parsed)) throw new Error(parsed.left.message)
    if (parsed.right._tag !== "Run") throw new Error("help")
    return parsed.right.config
  }
  it("from the flag, else the variable; none by default", () => {
    expect(config([]).proxy).toBeUndefined()
    expect(config([], { TGSC_PROXY: "socks5://127.0.0.1:1080" }).proxy).toEqual({ _tag: "Socks5", host: "127.0.0.1", port: 1080 })
    expect(config(["--proxy", "socks5://127.0.0.1:9050"], { TGSC_PROXY: "socks5://127.0.0.1:1080" }).proxy).toMatchObject({ port: 9050 })
    expect(JSON.stringify(config(["--proxy", "socks5://u:hunter2@h:1"]))).not.toContain("hunter2")
  })
  it("a bad one is a command-line problem (exit code 2) naming the flag or the variable, with the others", () => {
    const parsed = parseCommandLine(["--proxy", "socks5://u:hunter2@h", "--port", "x"], env, "/work")
    expect(Either.isLeft(parsed) && parsed.left.problems).toEqual([
      '--port must be a port number 0-65535, got "x"',
      expect.stringMatching(/^--proxy: expected host:port after the credentials/)
    ])
    expect(Either.isLeft(parsed) && parsed.left.message).not.toContain("hunter2")
    const fromEnv = parseCommandLine([], { ...env, TGSC_PROXY: `mtproxy://ee${HEX}6578616d706c65@h:443` }, "/work")
    expect(Either.isLeft(fromEnv) && fromEnv.left.problems[0]).toMatch(/^TGSC_PROXY: fake-TLS MTProxy secrets/)
  })
})

// The processes, as a person starts them: no Telegram (nor emulator) is reached, the proxy is refused first.
describe("the commands refuse a bad --proxy / TGSC_PROXY: exit code 2, a message naming it, no password or secret", () => {
  const PASSWORD = "secretpw-5521"
  const credentials = { TELEGRAM_API_ID: "12345", TELEGRAM_API_HASH: "0123456789abcdef0123456789abcdef" }
  const cases: Array<[string, string, RegExp]> = [
    ["socks5", `socks5://u:${PASSWORD}@host:notaport`, /expected host:port after the credentials/],
    ["mtproxy", `mtproxy://${HEX}${PASSWORD.replace(/\W/g, "")}@host:1`, /the MTProxy secret must be 16 bytes/]
  ]
  it.each([
    ["tgsc-server", "flag"],
    ["tgsc-server", "variable"],
    ["tgsc-auth", "flag"],
    ["tgsc-auth", "variable"]
  ] as const)("%s, the proxy given by %s", async (command, by) => {
    const dataDir = await makeTempDir("tgsc-proxy-cli-")
    const name = by === "flag" ? "--proxy" : "TGSC_PROXY"
    const args = [...(command === "tgsc-auth" ? ["alice"] : ["--port", "0"]), "--data-dir", dataDir]
    try {
      const runs = await Promise.all(cases.map(([, url]) =>
        runCommand(
          command,
          by === "flag" ? [...args, "--proxy", url] : args,
          cleanEnv({ ...credentials, ...(by === "variable" ? { TGSC_PROXY: url } : {}) })
        )
      ))
      cases.forEach(([kind, , problem], i) => {
        const run = runs[i]!
        const output = run.stdout + run.stderr
        expect(run.code, `${kind}: ${output}`).toBe(2)
        expect(run.stderr, kind).toMatch(new RegExp(`^${command}: ${name}: `, "m"))
        expect(run.stderr, kind).toMatch(problem)
        for (const secret of [PASSWORD, PASSWORD.replace(/\W/g, ""), HEX]) expect(output, kind).not.toContain(secret)
      })
    } finally {
      await fs.rm(dataDir, { recursive: true, force: true })
    }
  })
})
