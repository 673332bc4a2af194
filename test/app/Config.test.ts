import { Either, Option } from "effect"
import { describe, expect, it } from "vitest"
import { HELP, parseCommandLine, telegramCredentialsFromEnv } from "../../src/app/Config.js"

const run = (argv: Array<string>, env: Record<string, string> = {}) => {
  const parsed = parseCommandLine(argv, env, "/work")
  if (Either.isLeft(parsed)) throw new Error(parsed.left)
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
  })
  it("flags win over environment variables, which win over defaults", () => {
    const env = { TGSC_PORT: "9000", TGSC_HOST: "0.0.0.0", TGSC_DATA_DIR: "/srv/tg", TGSC_FLOOD_THRESHOLD: "30", LOG_LEVEL: "debug" }
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
  it("login and client timings come from the environment only, unset unless given", () => {
    const c = run([])
    expect([c.loginTimeoutSeconds, c.loginKeepSeconds, c.clientIdleSeconds]).toEqual([undefined, undefined, undefined])
    expect(run([], { TGSC_LOGIN_TIMEOUT_SECONDS: "2", TGSC_LOGIN_KEEP_SECONDS: "1.5", TGSC_CLIENT_IDLE_SECONDS: "30" }))
      .toMatchObject({ loginTimeoutSeconds: 2, loginKeepSeconds: 1.5, clientIdleSeconds: 30 })
    expect(HELP).toMatch(/TGSC_LOGIN_TIMEOUT_SECONDS[\s\S]*TGSC_LOGIN_KEEP_SECONDS[\s\S]*TGSC_CLIENT_IDLE_SECONDS/)
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
    [[], { TGSC_CLIENT_IDLE_SECONDS: "-1" }, /TGSC_CLIENT_IDLE_SECONDS/],
    [["extra"], {}, /Unexpected argument|positional/i]
  ])("rejects %j %j", (argv, env, message) => {
    const parsed = parseCommandLine(argv, env as Record<string, string>)
    expect(Either.isLeft(parsed)).toBe(true)
    if (Either.isLeft(parsed)) expect(parsed.left).toMatch(message)
  })
})

describe("telegramCredentialsFromEnv", () => {
  it("names each missing variable", () => {
    expect(telegramCredentialsFromEnv({})).toEqual(Either.left(expect.stringContaining("TELEGRAM_API_ID and TELEGRAM_API_HASH")))
    const onlyId = telegramCredentialsFromEnv({ TELEGRAM_API_ID: "1" })
    expect(Either.isLeft(onlyId) && onlyId.left).toMatch(/set TELEGRAM_API_HASH in/)
  })
  it("reads both", () => {
    expect(telegramCredentialsFromEnv({ TELEGRAM_API_ID: "12345", TELEGRAM_API_HASH: "abc" })).toEqual(
      Either.right({ apiId: 12345, apiHash: "abc" })
    )
  })
})
