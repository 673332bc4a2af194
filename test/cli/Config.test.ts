import { generateKeyPairSync } from "node:crypto"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { Effect, Either, Option, Redacted } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { envConfigProvider } from "../../src/cli/CommandLine.js"
import { parseCommandLine } from "../support/ServerCommandLine.js"
import { HELP } from "../../src/cli/ServerOptions.js"
import { telegramCredentials } from "../../src/cli/SharedOptions.js"
import { projectRoot } from "../support/ServerProcess.js"

const run = (argv: Array<string>, env: Record<string, string> = {}) => {
  const parsed = parseCommandLine(argv, env, "/work")
  if (Either.isLeft(parsed)) throw new Error(parsed.left.message)
  if (parsed.right._tag !== "Run") throw new Error("expected Run")
  return parsed.right.config
}

describe("parseCommandLine", () => {
  it("defaults: ./data, loopback, port 8000, 120 s flood threshold", () => {
    const c = run([])
    expect(c.dataDir).toBe("/work/data")
    expect(c.host).toBe("127.0.0.1")
    expect(c.port).toBe(8000)
    expect(c.floodThresholdSeconds).toBe(120)
    expect(c.sseKeepAliveSeconds).toBe(15)
    expect(c.dialogCacheTtlSeconds).toBe(60)
    expect(Option.isNone(c.apiToken)).toBe(true)
    expect(c.logLevel).toBe("info")
    expect(c.logFormat).toBe("text")
    expect(c.allowedHosts).toEqual([])
  })
  it("--allowed-hosts / TGSC_ALLOWED_HOSTS: comma-separated names and IPs, normalized; the flag wins", () => {
    expect(run([], { TGSC_ALLOWED_HOSTS: "NAS.lan., 192.168.1.20 ,[2001:DB8::1]" }).allowedHosts)
      .toEqual(["nas.lan", "192.168.1.20", "2001:db8::1"])
    expect(run(["--allowed-hosts", "proxy.example"], { TGSC_ALLOWED_HOSTS: "nas.lan" }).allowedHosts).toEqual(["proxy.example"])
    expect(run(["--allowed-hosts=a.lan,A.lan"]).allowedHosts).toEqual(["a.lan"])
    expect(run([], { TGSC_ALLOWED_HOSTS: " " }).allowedHosts).toEqual([])
  })
  it("--allowed-hosts * turns the Host check off", () => {
    expect(run(["--allowed-hosts", "*"]).allowedHosts).toBe("*")
    expect(run([], { TGSC_ALLOWED_HOSTS: " * " }).allowedHosts).toBe("*")
  })
  it("flags win over environment variables, which win over defaults", () => {
    const env = {
      TGSC_PORT: "9000",
      TGSC_HOST: "0.0.0.0",
      TGSC_API_TOKEN: "t",
      TGSC_DATA_DIR: "/srv/tg",
      TGSC_FLOOD_THRESHOLD: "30",
      LOG_LEVEL: "debug"
    }
    expect(run([], env)).toMatchObject({ port: 9000, host: "0.0.0.0", dataDir: "/srv/tg", floodThresholdSeconds: 30, logLevel: "debug" })
    expect(run(["--port", "9100", "--data-dir", "rel"], env)).toMatchObject({ port: 9100, dataDir: "/work/rel" })
  })
  it("--dialog-cache-ttl / TGSC_DIALOG_CACHE_TTL, 0 allowed", () => {
    expect(run([], { TGSC_DIALOG_CACHE_TTL: "15" }).dialogCacheTtlSeconds).toBe(15)
    expect(run(["--dialog-cache-ttl", "0"], { TGSC_DIALOG_CACHE_TTL: "15" }).dialogCacheTtlSeconds).toBe(0)
    expect(run(["--dialog-cache-ttl", "2.5"]).dialogCacheTtlSeconds).toBe(2.5)
  })
  it("--sse-keepalive-seconds and TGSC_SSE_KEEPALIVE_SECONDS set the keep-alive interval", () => {
    expect(run([], { TGSC_SSE_KEEPALIVE_SECONDS: "0.5" }).sseKeepAliveSeconds).toBe(0.5)
    expect(run(["--sse-keepalive-seconds", "3"], { TGSC_SSE_KEEPALIVE_SECONDS: "9" }).sseKeepAliveSeconds).toBe(3)
  })
  it("login and client timings: unset unless given (the defaults live in TgscLive), from a flag or the environment", () => {
    const c = run([])
    expect([c.loginTimeoutSeconds, c.loginKeepSeconds, c.clientIdleSeconds]).toEqual([undefined, undefined, undefined])
    expect(run([], { TGSC_LOGIN_TIMEOUT_SECONDS: "2", TGSC_LOGIN_KEEP_SECONDS: "1.5", TGSC_CLIENT_IDLE_SECONDS: "30" }))
      .toMatchObject({ loginTimeoutSeconds: 2, loginKeepSeconds: 1.5, clientIdleSeconds: 30 })
    expect(run(["--login-timeout", "7", "--login-keep", "0.5", "--client-idle=45"]))
      .toMatchObject({ loginTimeoutSeconds: 7, loginKeepSeconds: 0.5, clientIdleSeconds: 45 })
    expect(run([]).telegramTimeoutSeconds).toBeUndefined()
    expect(run([], { TGSC_TELEGRAM_TIMEOUT_SECONDS: "5" }).telegramTimeoutSeconds).toBe(5)
    expect(run(["--telegram-timeout", "2.5"], { TGSC_TELEGRAM_TIMEOUT_SECONDS: "5" }).telegramTimeoutSeconds).toBe(2.5)
  })
  it("the timing flags win over their variables", () => {
    const env = { TGSC_LOGIN_TIMEOUT_SECONDS: "2", TGSC_LOGIN_KEEP_SECONDS: "3", TGSC_CLIENT_IDLE_SECONDS: "4" }
    expect(run(["--login-timeout", "20"], env)).toMatchObject({ loginTimeoutSeconds: 20, loginKeepSeconds: 3, clientIdleSeconds: 4 })
    expect(run(["--login-keep", "30"], env)).toMatchObject({ loginTimeoutSeconds: 2, loginKeepSeconds: 30, clientIdleSeconds: 4 })
    expect(run(["--client-idle", "40"], env)).toMatchObject({ loginTimeoutSeconds: 2, loginKeepSeconds: 3, clientIdleSeconds: 40 })
  })
  it("an empty variable counts as unset", () => {
    expect(run([], { TGSC_LOGIN_TIMEOUT_SECONDS: " ", TGSC_TELEGRAM_DC: "" }).loginTimeoutSeconds).toBeUndefined()
  })
  it("--help", () => {
    expect(Either.getOrThrow(parseCommandLine(["--help"], {}))._tag).toBe("Help")
  })
  it.each([
    [["--port", "x"], {}, /--port/],
    [[], { TGSC_PORT: "-1" }, /TGSC_PORT/],
    [[], { TGSC_FLOOD_THRESHOLD: "soon" }, /TGSC_FLOOD_THRESHOLD/],
    [["--sse-keepalive-seconds", "0"], {}, /--sse-keepalive-seconds must be a number of seconds > 0/],
    [[], { TGSC_SSE_KEEPALIVE_SECONDS: "-2" }, /TGSC_SSE_KEEPALIVE_SECONDS/],
    [["--dialog-cache-ttl=-5"], {}, /--dialog-cache-ttl must be a number of seconds/],
    [[], { TGSC_DIALOG_CACHE_TTL: "1m" }, /TGSC_DIALOG_CACHE_TTL must be a number of seconds/],
    [[], { LOG_FORMAT: "xml" }, /LOG_FORMAT/],
    [[], { TELEGRAM_API_ID: "abc", TELEGRAM_API_HASH: "h" }, /TELEGRAM_API_ID must be/],
    [[], { TGSC_LOGIN_TIMEOUT_SECONDS: "0" }, /TGSC_LOGIN_TIMEOUT_SECONDS must be a number of seconds > 0/],
    [[], { TGSC_LOGIN_KEEP_SECONDS: "soon" }, /TGSC_LOGIN_KEEP_SECONDS/],
    [[], { TGSC_CLIENT_IDLE_SECONDS: "-1" }, /TGSC_CLIENT_IDLE_SECONDS must be a number of seconds > 0, got "-1"/],
    [["--login-timeout", "0"], {}, /^--login-timeout must be a number of seconds > 0, got "0"$/m],
    [["--login-timeout", "5m"], { TGSC_LOGIN_TIMEOUT_SECONDS: "5" }, /--login-timeout must be a number of seconds > 0, got "5m"/],
    [["--login-keep", "soon"], {}, /^--login-keep must be a number of seconds > 0, got "soon"$/m],
    [["--client-idle=-1"], {}, /^--client-idle must be a number of seconds > 0, got "-1"$/m],
    [["--telegram-timeout", "0"], {}, /^--telegram-timeout must be a number of seconds > 0, got "0"$/m],
    [[], { TGSC_TELEGRAM_TIMEOUT_SECONDS: "soon" }, /^TGSC_TELEGRAM_TIMEOUT_SECONDS must be a number of seconds > 0, got "soon"$/m],
    [["--client-idle", ""], {}, /^--client-idle must be a number of seconds > 0, got ""$/m],
    [[], { TELEGRAM_API_ID: "0", TELEGRAM_API_HASH: "h" }, /TELEGRAM_API_ID must be a positive integer/],
    [[], { TELEGRAM_API_ID: "99999999999", TELEGRAM_API_HASH: "h" }, /TELEGRAM_API_ID must be a positive integer/],
    [["--allowed-hosts", ""], {}, /^--allowed-hosts has an empty entry in "": separate host names with single commas$/m],
    [[], { TGSC_ALLOWED_HOSTS: "a.lan,,b.lan" }, /^TGSC_ALLOWED_HOSTS has an empty entry in "a.lan,,b.lan"/m],
    [["--allowed-hosts", "a.lan,"], {}, /^--allowed-hosts has an empty entry/m],
    [["--allowed-hosts", "nas.lan:8000"], {}, /^--allowed-hosts entry "nas.lan:8000" is not a host name or IP address \(no scheme, port/m],
    [[], { TGSC_ALLOWED_HOSTS: "http://nas.lan" }, /^TGSC_ALLOWED_HOSTS entry "http:\/\/nas.lan" is not a host name or IP address/m],
    [["--allowed-hosts", "*.lan"], {}, /^--allowed-hosts entry "\*.lan" is not a host name/m],
    [["--allowed-hosts", "*,nas.lan"], {}, /^--allowed-hosts: \* \(any host\) must be the only entry, got "\*,nas.lan"$/m],
    [["extra"], {}, /Unexpected argument|positional/i]
  ])("rejects %j %j", (argv, env, message) => {
    const parsed = parseCommandLine(argv, env as Record<string, string>)
    expect(Either.isLeft(parsed)).toBe(true)
    if (Either.isLeft(parsed)) {
      expect(parsed.left.message).toMatch(message)
      expect(parsed.left.message).toMatch(/\nRun tgsc-server --help for the options\.$/)
    }
  })
  it("reports every problem at once, one a line", () => {
    const parsed = parseCommandLine(["--login-keep", "x", "--telegram-dc", "nowhere"], { TGSC_PORT: "p" })
    expect(Either.isLeft(parsed) && parsed.left.message.split("\n")).toEqual([
      'TGSC_PORT must be a port number 0-65535, got "p"',
      '--login-keep must be a number of seconds > 0, got "x"',
      "--telegram-dc is set but --telegram-public-key (or TGSC_TELEGRAM_PUBLIC_KEY) is not: the Telegram emulator needs both",
      "Run tgsc-server --help for the options."
    ])
  })
})

describe("the emulator switch: --telegram-dc / TGSC_TELEGRAM_DC and --telegram-public-key / TGSC_TELEGRAM_PUBLIC_KEY", () => {
  let dir: string
  let rsaKey: string
  let otherRsaKey: string
  let ecKey: string
  let notAKey: string
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "tgsc-config-"))
    const write = (name: string, text: string) => {
      const file = path.join(dir, name)
      fs.writeFileSync(file, text)
      return file
    }
    const pem = (type: "rsa" | "ec") =>
      (type === "rsa"
        ? generateKeyPairSync("rsa", { modulusLength: 1024 })
        : generateKeyPairSync("ec", { namedCurve: "prime256v1" })).publicKey.export({ type: "spki", format: "pem" }) as string
    rsaKey = write("emulator.pem", pem("rsa"))
    otherRsaKey = write("other.pem", pem("rsa"))
    ecKey = write("ec.pem", pem("ec"))
    notAKey = write("notes.txt", "not a key\n")
  })
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }))

  const rejects = (argv: Array<string>, env: Record<string, string>) => {
    const parsed = parseCommandLine(argv, env, "/work")
    if (Either.isRight(parsed)) throw new Error(`accepted ${JSON.stringify([argv, env])}`)
    return parsed.left.message
  }

  it("off unless given", () => {
    expect(run([]).emulator).toBeUndefined()
  })
  it("from the environment, as the emulator prints it", () => {
    expect(run([], { TGSC_TELEGRAM_DC: "127.0.0.1:40123", TGSC_TELEGRAM_PUBLIC_KEY: rsaKey }).emulator)
      .toEqual({ dc: "127.0.0.1:40123", publicKeyPath: rsaKey })
  })
  it("from the flags, the key path relative to the working directory", () => {
    const relative = path.relative("/work", rsaKey)
    expect(run(["--telegram-dc", "1=127.0.0.1:4001,2=[::1]:4002", "--telegram-public-key", relative]).emulator)
      .toEqual({ dc: "1=127.0.0.1:4001,2=[::1]:4002", publicKeyPath: rsaKey })
  })
  it("each flag wins over its variable, and may pair with the other's variable", () => {
    const env = { TGSC_TELEGRAM_DC: "127.0.0.1:1111", TGSC_TELEGRAM_PUBLIC_KEY: rsaKey }
    expect(run(["--telegram-dc", "127.0.0.1:2222"], env).emulator).toEqual({ dc: "127.0.0.1:2222", publicKeyPath: rsaKey })
    expect(run(["--telegram-public-key", otherRsaKey], env).emulator).toEqual({ dc: "127.0.0.1:1111", publicKeyPath: otherRsaKey })
    expect(run(["--telegram-dc", "127.0.0.1:3333"], { TGSC_TELEGRAM_PUBLIC_KEY: otherRsaKey }).emulator)
      .toEqual({ dc: "127.0.0.1:3333", publicKeyPath: otherRsaKey })
  })
  it("one without the other is an error naming the one missing", () => {
    expect(rejects([], { TGSC_TELEGRAM_DC: "127.0.0.1:1" })).toMatch(
      /^TGSC_TELEGRAM_DC is set but --telegram-public-key \(or TGSC_TELEGRAM_PUBLIC_KEY\) is not: the Telegram emulator needs both$/m
    )
    expect(rejects([], { TGSC_TELEGRAM_PUBLIC_KEY: rsaKey })).toMatch(
      /^TGSC_TELEGRAM_PUBLIC_KEY is set but --telegram-dc \(or TGSC_TELEGRAM_DC\) is not/m
    )
    expect(rejects(["--telegram-dc", "127.0.0.1:1"], {})).toMatch(/^--telegram-dc is set but --telegram-public-key/m)
    expect(rejects(["--telegram-public-key", rsaKey], {})).toMatch(/^--telegram-public-key is set but --telegram-dc/m)
  })
  it.each([
    ["localhost", /^--telegram-dc: expected host:port, got "localhost"$/m],
    ["127.0.0.1:", /^--telegram-dc: expected host:port, got "127.0.0.1:"$/m],
    ["127.0.0.1:0", /^--telegram-dc: expected host:port/m],
    ["127.0.0.1:70000", /^--telegram-dc: expected host:port, got "127.0.0.1:70000"$/m],
    ["1=127.0.0.1:1,two=127.0.0.1:2", /^--telegram-dc: expected dc=host:port, got "two=127.0.0.1:2"$/m],
    ["1=127.0.0.1", /^--telegram-dc: expected host:port, got "1=127.0.0.1"$/m],
    [",", /^--telegram-dc: expected host:port, got ","$/m]
  ])("a malformed address %j is an error", (dc, message) => {
    expect(rejects(["--telegram-dc", dc, "--telegram-public-key", rsaKey], {})).toMatch(message)
  })
  it("a malformed TGSC_TELEGRAM_DC is named as such", () => {
    expect(rejects([], { TGSC_TELEGRAM_DC: "somewhere", TGSC_TELEGRAM_PUBLIC_KEY: rsaKey }))
      .toMatch(/^TGSC_TELEGRAM_DC: expected host:port, got "somewhere"$/m)
  })
  it("an unreadable, non-PEM or non-RSA key file is an error naming the file", () => {
    const missing = path.join(dir, "missing.pem")
    expect(rejects(["--telegram-dc", "127.0.0.1:1", "--telegram-public-key", missing], {}))
      .toMatch(new RegExp(`^--telegram-public-key: cannot read ${JSON.stringify(missing)} \\(ENOENT\\)$`, "m"))
    expect(rejects([], { TGSC_TELEGRAM_DC: "127.0.0.1:1", TGSC_TELEGRAM_PUBLIC_KEY: dir }))
      .toMatch(new RegExp(`^TGSC_TELEGRAM_PUBLIC_KEY: cannot read ${JSON.stringify(dir)} \\(EISDIR\\)$`, "m"))
    expect(rejects(["--telegram-dc", "127.0.0.1:1", "--telegram-public-key", notAKey], {}))
      .toMatch(new RegExp(`^--telegram-public-key: ${JSON.stringify(notAKey)} is not a PEM public key$`, "m"))
    expect(rejects(["--telegram-dc", "127.0.0.1:1", "--telegram-public-key", ecKey], {}))
      .toMatch(new RegExp(`^--telegram-public-key: ${JSON.stringify(ecKey)} is not an RSA public key$`, "m"))
  })
  it("a bad address and a bad key are both reported", () => {
    expect(rejects(["--telegram-dc", "x", "--telegram-public-key", notAKey], {}).split("\n")).toHaveLength(3)
  })
})

describe("caps on concurrent work", () => {
  const run = (argv: ReadonlyArray<string>, env: Record<string, string> = {}) => parseCommandLine(argv, env, "/tmp")
  it("unset by default (the defaults live with the caps), set by flag or variable", () => {
    const byDefault = Either.getOrThrow(run([]))
    expect(byDefault._tag === "Run" && byDefault.config).not.toHaveProperty("maxStreams")
    const given = Either.getOrThrow(run(["--max-streams-per-session", "2", "--max-streams", "3"], { TGSC_MAX_PENDING_LOGINS: "4" }))
    expect(given._tag === "Run" && given.config).toMatchObject({ maxStreamsPerSession: 2, maxStreams: 3, maxPendingLogins: 4 })
  })
  it.each([["--max-streams", "0"], ["--max-streams-per-session", "1.5"], ["--max-pending-logins", "many"]])("%s %s is refused", (flag, value) => {
    const parsed = run([flag, value])
    expect(Either.isLeft(parsed) && parsed.left.message).toMatch(new RegExp(`^${flag} must be a whole number >= 1, got "${value}"`))
  })
})

describe("--help and the README's options table", () => {
  const readme = fs.readFileSync(path.join(projectRoot, "README.md"), "utf8")
  const section = readme.slice(readme.indexOf("\n## Command line and environment\n"), readme.indexOf("\n## Data layout\n"))
  const rows = section.split("\n").filter((line) => line.startsWith("| ") && !line.startsWith("| flag |")).map((line) => {
    const [flag, variables, defaultValue] = line.split(" |").map((cell) => cell.replace(/^\|? ?/, "").trim())
    return {
      flag: /^`(--[a-z-]+)/.exec(flag!)?.[1],
      variables: [...variables!.matchAll(/`([A-Z_]+)`/g)].map((v) => v[1]!),
      defaultValue: /^`(.*)`$/.exec(defaultValue!)?.[1]
    }
  })
  /** HELP's entry for a flag: its line and the continuation lines under it. */
  const helpEntry = (flag: string) => {
    const start = HELP.search(new RegExp(`^  (-h, )?${flag}\\b`, "m"))
    if (start < 0) return undefined
    const continuation = HELP.indexOf("\n", start) + 1
    const end = HELP.slice(continuation).search(/^( {2}-|\S|$)/m)
    return HELP.slice(start, continuation + end)
  }

  it("list the same flags", () => {
    const helpFlags = [...HELP.matchAll(/^ {2}(?:-h, )?(--[a-z-]+)/gm)].map((m) => m[1]).filter((f) => f !== "--help")
    expect(rows.map((r) => r.flag).filter((f) => f !== undefined).sort()).toEqual(helpFlags.sort())
  })
  it("give each flag the same variable and default", () => {
    for (const row of rows.filter((r) => r.flag !== undefined)) {
      const entry = helpEntry(row.flag!)
      expect(entry, row.flag).toBeDefined()
      for (const variable of row.variables) expect(entry, row.flag).toContain(variable)
      if (row.defaultValue !== undefined) expect(entry, row.flag).toContain(`[${row.defaultValue}]`)
      else expect(entry, row.flag).not.toMatch(/\[[^\]]*\]\s*$/)
    }
  })
  it("the credentials are environment only, in both", () => {
    expect(rows.find((r) => r.variables.includes("TELEGRAM_API_ID"))?.flag).toBeUndefined()
    expect(HELP).toMatch(/Environment only:\n\s+TELEGRAM_API_ID, TELEGRAM_API_HASH/)
    expect(HELP).not.toMatch(/--(telegram-)?api-(id|hash)/)
  })
})

describe("the Telegram credentials, from the environment only", () => {
  const credentialsFrom = (env: Record<string, string>) =>
    Effect.runSync(Effect.withConfigProvider(telegramCredentials, envConfigProvider(env)))
  it("names each missing variable", () => {
    expect(Either.mapLeft(credentialsFrom({}), (e) => e.message))
      .toEqual(Either.left(expect.stringContaining("TELEGRAM_API_ID and TELEGRAM_API_HASH")))
    const onlyId = credentialsFrom({ TELEGRAM_API_ID: "1" })
    expect(Either.isLeft(onlyId) && onlyId.left.message).toMatch(/set TELEGRAM_API_HASH in/)
  })
  it("reads both", () => {
    const read = credentialsFrom({ TELEGRAM_API_ID: "12345", TELEGRAM_API_HASH: "abc" })
    expect(Either.map(read, (c) => ({ apiId: c.apiId, apiHash: Redacted.isRedacted(c.apiHash) ? Redacted.value(c.apiHash) : c.apiHash })))
      .toEqual(Either.right({ apiId: 12345, apiHash: "abc" }))
    // The hash is redacted from the start: a log line or an error that prints the credentials never shows it.
    expect(JSON.stringify(read)).not.toContain("abc")
  })
})
