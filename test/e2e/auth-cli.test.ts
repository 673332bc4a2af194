/**
 * tgsc-auth end to end: the real CLI as a child process against the
 * emulator. The QR code as terminal text with its qr_url line, redrawn on
 * refresh; the 2FA password from a pipe, and on a pseudo-terminal (`script`)
 * without echo; --force, Ctrl+C, expiry and refusals leaving nothing behind;
 * and a saved session the server then uses.
 */
import { type ChildProcessWithoutNullStreams, spawn, spawnSync } from "node:child_process"
import * as fs from "node:fs"
import * as path from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { type RunningEmulator, startEmulator } from "../emulator/Emulator.js"
import { World } from "../emulator/World.js"
import { listFiles, sampleScenario } from "../support/QrLoginSteps.js"
import { cleanEnv, commandArgs, makeTempDir, projectRoot, sessionFilePath, startServer } from "../support/ServerProcess.js"

const API_ID = "48151623"
const API_HASH = "9b2e4d6f8a0c1e3f5a7b9c1d3e5f7a9b"
const hasScript = spawnSync("script", ["--version"]).status === 0

let emulator: RunningEmulator
let dataDir: string

beforeAll(async () => {
  // Short-lived QR tokens, so the CLI redraws within the test.
  emulator = await startEmulator({ world: World.fromScenario(sampleScenario(3)) })
  dataDir = await makeTempDir("tgsc-auth-cli-")
})

afterAll(async () => {
  await emulator?.stop()
  if (dataDir !== undefined) fs.rmSync(dataDir, { recursive: true, force: true })
})

const cliEnv = (extra: Record<string, string | undefined> = {}) =>
  cleanEnv({ ...emulator.env, TELEGRAM_API_ID: API_ID, TELEGRAM_API_HASH: API_HASH, ...extra })

interface Cli {
  readonly child: ChildProcessWithoutNullStreams
  readonly stdout: () => string
  readonly stderr: () => string
  /** Resolves with the first match of `pattern` in stdout at or after `from` (a stdout length). */
  readonly waitFor: (pattern: RegExp, from?: number) => Promise<RegExpExecArray>
  readonly exited: Promise<number | null>
}

const track = (child: ChildProcessWithoutNullStreams): Cli => {
  let stdout = ""
  let stderr = ""
  child.stdout.on("data", (d) => (stdout += d))
  child.stderr.on("data", (d) => (stderr += d))
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)))
  const waitFor = (pattern: RegExp, from = 0) =>
    new Promise<RegExpExecArray>((resolve, reject) => {
      const check = () => {
        const match = pattern.exec(stdout.slice(from))
        if (match !== null) {
          clearInterval(timer)
          resolve(match)
        }
      }
      const timer = setInterval(check, 20)
      exited.then(() =>
        setTimeout(() => {
          clearInterval(timer)
          const match = pattern.exec(stdout.slice(from))
          if (match !== null) resolve(match)
          else reject(new Error(`tgsc-auth exited without printing ${pattern}:\n${stdout}\n${stderr}`))
        }, 50)
      )
    })
  return { child, stdout: () => stdout, stderr: () => stderr, waitFor, exited }
}

const runCli = (args: ReadonlyArray<string>, env = cliEnv()): Cli =>
  track(spawn(process.execPath, [...commandArgs("tgsc-auth"), ...args], { cwd: projectRoot, env }))

/** The CLI on a pseudo-terminal, as a person runs it (util-linux `script`). */
const runCliOnTerminal = (args: ReadonlyArray<string>, env = cliEnv()): Cli => {
  const command = [process.execPath, ...commandArgs("tgsc-auth"), ...args].map((a) => `'${a.replace(/'/g, "'\\''")}'`).join(" ")
  return track(spawn("script", ["-qfec", command, "/dev/null"], { cwd: projectRoot, env }))
}

const scan = async (qrUrl: string, userId: number) => {
  const res = await fetch(`${emulator.control}/scan`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ qr_url: qrUrl, user_id: userId })
  })
  return res.status
}

const QR_URL = /qr_url: (tg:\/\/login\?token=[A-Za-z0-9_-]+)/
const sessionFile = (name: string) => sessionFilePath(dataDir, name)
const noSecrets = (cli: Cli, ...more: Array<string>) => {
  for (const secret of [API_ID, API_HASH, ...more]) {
    expect(cli.stdout().includes(secret), `${secret} on stdout`).toBe(false)
    expect(cli.stderr().includes(secret), `${secret} on stderr`).toBe(false)
  }
}

describe("tgsc-auth", () => {
  it("draws the QR code with its qr_url, and saves the session (0600) once the phone scans it", async () => {
    const cli = runCli(["cli-alice", "--data-dir", dataDir])
    const [, url] = await cli.waitFor(QR_URL)
    expect(cli.stdout()).toMatch(/Settings > Devices > Link Desktop Device/)
    expect(cli.stdout()).toMatch(/[█▀▄]{10,}/) // the code as text
    expect(cli.stdout()).toMatch(/Waiting for the scan/)
    expect(fs.existsSync(sessionFile("cli-alice"))).toBe(false)
    expect(await scan(url!, 1001)).toBe(200)
    expect(await cli.exited).toBe(0)
    expect(cli.stdout()).toMatch(new RegExp(`Logged in as Alice Liddell; session 'cli-alice' saved in ${dataDir}/sessions`))
    expect(fs.statSync(sessionFile("cli-alice")).mode & 0o777).toBe(0o600)
    noSecrets(cli)
  })

  it("redraws the code when Telegram refreshes it, and reads the 2FA password from a pipe, retrying a wrong one", async () => {
    const cli = runCli(["cli-bob", "--data-dir", dataDir])
    const [, first] = await cli.waitFor(QR_URL)
    const mark = cli.stdout().length
    const [, second] = await cli.waitFor(/The code was refreshed\.[\s\S]*?qr_url: (tg:\/\/login\?token=[A-Za-z0-9_-]+)/, mark)
    expect(second).not.toBe(first)
    expect(await scan(second!, 1002)).toBe(200)
    await cli.waitFor(/This account has two-step verification\.\nTwo-step verification password \(hint: the usual\): $/)
    let at = cli.stdout().length
    cli.child.stdin.write("not-it-7731\n")
    await cli.waitFor(/Wrong 2FA password, try again\nTwo-step verification password \(hint: the usual\): $/, at)
    expect(fs.existsSync(sessionFile("cli-bob"))).toBe(false)
    at = cli.stdout().length
    cli.child.stdin.write("hunter2\n")
    expect(await cli.exited).toBe(0)
    expect(cli.stdout().slice(at)).toMatch(/Logged in as Bob Builder; session 'cli-bob' saved/)
    noSecrets(cli, "hunter2", "not-it-7731")
  })

  it.skipIf(!hasScript)("on a terminal, asks for the password without echoing it", async () => {
    const cli = runCliOnTerminal(["cli-tty", "--data-dir", dataDir])
    const [, url] = await cli.waitFor(QR_URL)
    expect(cli.stdout()).toContain("\x1b[2J") // a terminal gets the code redrawn in place
    expect(await scan(url!, 1002)).toBe(200)
    await cli.waitFor(/Two-step verification password \(hint: the usual\): $/)
    cli.child.stdin.write("hunter2\r")
    expect(await cli.exited).toBe(0)
    expect(cli.stdout()).toMatch(/Logged in as Bob Builder; session 'cli-tty' saved/)
    expect(cli.stdout()).not.toContain("hunter2")
    expect(cli.stdout()).not.toMatch(/\*{7}/)
  })

  it("refuses an existing session without --force, a malformed name, and missing credentials", async () => {
    // All at once: each is a process start.
    const exists = runCli(["cli-alice", "--data-dir", dataDir])
    const bad = ["../escape"].map((name) => runCli([name, "--data-dir", dataDir]))
    const noCredentials = runCli(["cli-x", "--data-dir", dataDir], cleanEnv({ ...emulator.env }))
    const halfEmulator = runCli(["cli-x", "--data-dir", dataDir, "--telegram-dc", emulator.env.TGSC_TELEGRAM_DC], cliEnv({
      TGSC_TELEGRAM_DC: undefined,
      TGSC_TELEGRAM_PUBLIC_KEY: undefined
    }))

    expect(await exists.exited).toBe(1)
    expect(exists.stderr()).toMatch(/Session 'cli-alice' already exists.*--force/)
    for (const cli of bad) {
      expect(await cli.exited).toBe(2)
      expect(cli.stderr()).toMatch(/Invalid session name/)
    }
    expect(await noCredentials.exited).toBe(2)
    expect(noCredentials.stderr()).toMatch(/TELEGRAM_API_ID and TELEGRAM_API_HASH/)
    expect(await halfEmulator.exited).toBe(2)
    expect(halfEmulator.stderr()).toMatch(/--telegram-dc is set but --telegram-public-key \(or TGSC_TELEGRAM_PUBLIC_KEY\) is not/)
    expect(listFiles(dataDir).filter((f) => !/^sessions\/cli-(alice|bob|tty)\.session$/.test(f))).toEqual([])
  })

  it("--force keeps the old session through a cancelled (Ctrl+C) login and replaces it only on success", async () => {
    const before = fs.readFileSync(sessionFile("cli-alice"), "utf8")
    const cancelled = runCli(["cli-alice", "--force", "--data-dir", dataDir])
    await cancelled.waitFor(QR_URL)
    cancelled.child.kill("SIGINT")
    expect(await cancelled.exited).toBe(130)
    expect(cancelled.stderr()).toMatch(/cancelled: nothing was saved/)
    expect(fs.readFileSync(sessionFile("cli-alice"), "utf8")).toBe(before)

    const forced = runCli(["cli-alice", "--force", "--data-dir", dataDir])
    const [, url] = await forced.waitFor(QR_URL)
    expect(fs.readFileSync(sessionFile("cli-alice"), "utf8")).toBe(before)
    expect(await scan(url!, 1001)).toBe(200)
    expect(await forced.exited).toBe(0)
    expect(fs.readFileSync(sessionFile("cli-alice"), "utf8")).not.toBe(before)
    expect(listFiles(path.join(dataDir, "sessions"))).toEqual(["cli-alice.session", "cli-bob.session", "cli-tty.session"])
  })

  it("gives up when the login expires or stdin ends before the password, saving nothing", async () => {
    // The emulator and the timeout as flags this time (the flags win over the variables).
    const slow = runCli([
      "cli-slow",
      "--data-dir",
      dataDir,
      "--login-timeout",
      "1.5",
      "--telegram-dc",
      emulator.env.TGSC_TELEGRAM_DC,
      "--telegram-public-key",
      emulator.env.TGSC_TELEGRAM_PUBLIC_KEY
    ], cliEnv({ TGSC_LOGIN_TIMEOUT_SECONDS: "600", TGSC_TELEGRAM_DC: undefined, TGSC_TELEGRAM_PUBLIC_KEY: undefined }))
    const mute = runCli(["cli-mute", "--data-dir", dataDir])
    const [, url] = await mute.waitFor(QR_URL)
    expect(await scan(url!, 1002)).toBe(200)
    await mute.waitFor(/password \(hint: the usual\): $/)
    mute.child.stdin.end()
    expect(await mute.exited).toBe(1)
    expect(mute.stderr()).toMatch(/stdin closed before the 2FA password was given/)
    expect(await slow.exited).toBe(1)
    expect(slow.stderr()).toMatch(/the login expired after 1\.5 s without completing: nothing was saved/)
    expect(listFiles(path.join(dataDir, "sessions"))).toEqual(["cli-alice.session", "cli-bob.session", "cli-tty.session"])
  })

  it("saves sessions where tgsc-server finds them", async () => {
    const server = await startServer({
      dataDir,
      env: { ...emulator.env, TELEGRAM_API_ID: API_ID, TELEGRAM_API_HASH: API_HASH }
    })
    try {
      const ids = async (session: string) => {
        const res = await fetch(`${server.url}/api/v3/search/dialogs?limit=500`, { headers: { "X-Telegram-Username": session } })
        expect(res.status, session).toBe(200)
        return ((await res.json()) as { results: Array<{ id: number }> }).results.map((d) => d.id).sort()
      }
      const alice = await ids("cli-alice")
      const bob = await ids("cli-bob")
      expect(alice).toContain(1005) // Alice's bot, not Bob's
      expect(bob).not.toContain(1005)
      expect(bob).toContain(1001)
      expect(await ids("cli-tty")).toEqual(bob)
    } finally {
      await server.stop()
    }
  })
})
