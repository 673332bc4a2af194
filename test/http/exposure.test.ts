/**
 * Safe exposure through the real tgsc-server binary: a non-loopback bind
 * without an API token is refused before anything is touched; accepted with
 * --insecure-no-token or in the Docker image (TGSC_IN_CONTAINER=1, as the
 * Dockerfile sets it), each with a warning; with a token from a file it
 * starts and the token is required; the token is never a flag value.
 * Processes all: the exit codes and what the binary prints at start are
 * the point.
 */
import * as fs from "node:fs"
import * as path from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { cleanEnv, makeTempDir, runServerCommand, seedSession, type ServerProcess, startServer } from "../support/ServerProcess.js"

const SECRET = "exposure-test-Token-7f3a9c"

let dir: string
beforeAll(async () => {
  dir = await makeTempDir("tgsc-exposure-")
})
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }))

const tokenFile = (name: string, content: string, mode: number) => {
  const file = path.join(dir, name)
  fs.writeFileSync(file, content)
  fs.chmodSync(file, mode)
  return file
}

/** /api/v3/settings on the server's loopback address as a saved session, with or without the token. */
const settingsStatus = async (server: ServerProcess, token?: string) => {
  await seedSession(server.dataDir, "alice")
  return (await fetch(`http://127.0.0.1:${server.port}/api/v3/settings`, {
    headers: { "X-Telegram-Username": "alice", ...(token === undefined ? {} : { authorization: `Bearer ${token}` }) }
  })).status
}

describe("a non-loopback address without an API token", () => {
  it.each([
    [["--host", "0.0.0.0"], {}],
    [[], { TGSC_HOST: "::" }],
    [["--host", "192.0.2.10"], { TGSC_INSECURE_NO_TOKEN: "0" }]
  ])("is refused: exit code 2, a message naming the fix, the data directory untouched (%j %j)", async (args, env) => {
    const dataDir = path.join(dir, "never-made")
    const { code, stdout, stderr } = await runServerCommand(["--data-dir", dataDir, "--port", "0", ...args], cleanEnv(env))
    expect(code).toBe(2)
    expect(stdout).toBe("")
    expect(stderr).toMatch(/^tgsc-server: refusing to listen on \S+ without an API token: anyone who can reach port 0 could read your Telegram history\./)
    expect(stderr).toContain("Set TGSC_API_TOKEN or TGSC_API_TOKEN_FILE (--api-token-file <path>), listen on 127.0.0.1, or pass --insecure-no-token (TGSC_INSECURE_NO_TOKEN=1) to accept the risk")
    expect(fs.existsSync(dataDir)).toBe(false)
  })

  it("starts with --insecure-no-token, warning at start that anyone can read the history", async () => {
    const server = await startServer({ args: ["--host", "0.0.0.0", "--insecure-no-token"] })
    try {
      expect(server.output()).toMatch(/level=WARN .*message="SECURITY WARNING: --insecure-no-token: listening on 0\.0\.0\.0 port 0 without an API token: anyone who can reach it can read your Telegram history/)
      expect(server.output()).toMatch(/Listening on http:\/\/0\.0\.0\.0:\d+/)
      expect(await settingsStatus(server)).toBe(200)
    } finally {
      await server.stop()
    }
  })

  it("starts in the Docker image's configuration (TGSC_IN_CONTAINER=1, TGSC_HOST=0.0.0.0), warning with the fix", async () => {
    const server = await startServer({ env: { TGSC_IN_CONTAINER: "1", TGSC_HOST: "0.0.0.0" } })
    try {
      const warning = /level=WARN .*message="SECURITY WARNING: no API token, and the server listens on every interface of its container: .*-p 127\.0\.0\.1:8000:8000.*set TGSC_API_TOKEN \(e\.g\. docker run --env-file\)/
      expect(server.output()).toMatch(warning)
    } finally {
      await server.stop()
    }
  })

  it("starts with a token from --api-token-file: no warning, the token required, never logged", async () => {
    const file = tokenFile("token", `${SECRET}\n`, 0o600)
    const server = await startServer({ args: ["--host", "0.0.0.0", "--api-token-file", file] })
    try {
      expect(await settingsStatus(server)).toBe(401)
      expect(await settingsStatus(server, SECRET)).toBe(200)
      expect(server.output()).not.toContain("SECURITY WARNING")
      expect(server.output()).not.toContain(SECRET)
    } finally {
      await server.stop()
    }
  })

  it("warns about a token file others can read (TGSC_API_TOKEN_FILE), without its content", async () => {
    const file = tokenFile("shared-token", `${SECRET}\n`, 0o644)
    const server = await startServer({ env: { TGSC_API_TOKEN_FILE: file } })
    try {
      // A warning line of the log (which fiber logged it is not the point).
      const warning = `message="TGSC_API_TOKEN_FILE: the token file \\"${file}\\" is readable by other users (mode 0644): chmod 600 it"`
      expect(server.output().split("\n").find((line) => line.includes(warning))).toMatch(/ level=WARN fiber=#\d+ message=/)
      expect(server.output()).not.toContain(SECRET)
      expect(await settingsStatus(server, SECRET)).toBe(200)
    } finally {
      await server.stop()
    }
  })
})

describe("the token as a flag value", () => {
  it.each([[["--api-token", SECRET]], [[`--api-token=${SECRET}`]], [["--host", "0.0.0.0", "--api-token", SECRET]]])(
    "is refused with exit code 2, the value never echoed: %j",
    async (args) => {
      const { code, stdout, stderr } = await runServerCommand(["--data-dir", path.join(dir, "never-made"), ...args])
      expect(code).toBe(2)
      expect(stderr).toMatch(/^tgsc-server: --api-token is not accepted: a token on the command line shows in the process list/)
      expect(stderr).toContain("Set TGSC_API_TOKEN in the environment, or put the token in a file readable only by you and pass --api-token-file <path>")
      expect(stdout + stderr).not.toContain(SECRET)
    }
  )

  it("an empty token file stops the server with a message naming the file", async () => {
    const file = tokenFile("empty", "\n", 0o600)
    const { code, stderr } = await runServerCommand(["--api-token-file", file])
    expect(code).toBe(2)
    expect(stderr).toContain(`--api-token-file: the token file ${JSON.stringify(file)} is empty`)
  })
})
