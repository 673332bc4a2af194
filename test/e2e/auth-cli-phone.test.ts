/**
 * `tgsc-auth <name> --phone <number>` end to end: the real CLI as a child
 * process against the emulator, the code read from the account's phone
 * (the emulator's GET /codes) and typed into a pipe, or on a
 * pseudo-terminal (`script`). A wrong then a right code, `r` for a resend,
 * 2FA after the code, 5 wrong codes, refusals; the number shown masked, the
 * code and the password never printed.
 */
import { type ChildProcessWithoutNullStreams, spawn, spawnSync } from "node:child_process"
import * as fs from "node:fs"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { type RunningEmulator, startEmulator } from "../emulator/Emulator.js"
import { World } from "../emulator/World.js"
import { ALICE_PHONE, BANNED_PHONE, BOB_PHONE, phoneScenario, wrongCodeFor } from "../support/PhoneLoginSteps.js"
import { cleanEnv, commandArgs, makeTempDir, projectRoot, sessionFilePath } from "../support/ServerProcess.js"

const API_ID = "48151623"
const API_HASH = "9b2e4d6f8a0c1e3f5a7b9c1d3e5f7a9b"
const hasScript = spawnSync("script", ["--version"]).status === 0

let emulator: RunningEmulator
let dataDir: string

beforeAll(async () => {
  emulator = await startEmulator({ world: World.fromScenario(phoneScenario({ phone_codes_per_hour: 1000 })) })
  dataDir = await makeTempDir("tgsc-auth-phone-")
})

afterAll(async () => {
  await emulator?.stop()
  if (dataDir !== undefined) fs.rmSync(dataDir, { recursive: true, force: true })
})

const cliEnv = () => cleanEnv({ ...emulator.env, TELEGRAM_API_ID: API_ID, TELEGRAM_API_HASH: API_HASH })

interface Cli {
  readonly child: ChildProcessWithoutNullStreams
  readonly stdout: () => string
  readonly stderr: () => string
  /** The first match of `pattern` in stdout at or after `from` (a stdout length). */
  readonly waitFor: (pattern: RegExp, from?: number) => Promise<RegExpExecArray>
  /** Waits for `pattern` after what was printed so far, then types `line`. */
  readonly answer: (pattern: RegExp, line: string, enter?: string) => Promise<void>
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
      const timer = setInterval(() => {
        const match = pattern.exec(stdout.slice(from))
        if (match !== null) {
          clearInterval(timer)
          resolve(match)
        }
      }, 20)
      void exited.then(() =>
        setTimeout(() => {
          clearInterval(timer)
          const match = pattern.exec(stdout.slice(from))
          if (match !== null) resolve(match)
          else reject(new Error(`tgsc-auth exited without printing ${pattern}:\n${stdout}\n${stderr}`))
        }, 50)
      )
    })
  let seen = 0
  const answer = async (pattern: RegExp, line: string, enter = "\n") => {
    const match = await waitFor(pattern, seen)
    seen += match.index + match[0].length
    child.stdin.write(line + enter)
  }
  return { child, stdout: () => stdout, stderr: () => stderr, waitFor, answer, exited }
}

const runCli = (args: ReadonlyArray<string>): Cli =>
  track(spawn(process.execPath, [...commandArgs("tgsc-auth"), ...args], { cwd: projectRoot, env: cliEnv() }))

const runCliOnTerminal = (args: ReadonlyArray<string>): Cli => {
  const command = [process.execPath, ...commandArgs("tgsc-auth"), ...args].map((a) => `'${a.replace(/'/g, "'\\''")}'`).join(" ")
  return track(spawn("script", ["-qfec", command, "/dev/null"], { cwd: projectRoot, env: cliEnv() }))
}

/** The newest code Telegram sent to `phone`, and its status. */
const lastCode = async (phone: string) => {
  const res = await fetch(`${emulator.control}/codes?phone=${encodeURIComponent(phone)}`)
  const { codes } = await res.json() as { codes: Array<{ code: string; type: string; status: string }> }
  return codes.at(-1)!
}

const PROMPT = /Login code: $/

/** Neither the number nor any secret in what the CLI printed. */
const noSecrets = (cli: Cli, ...secrets: Array<string>) => {
  for (const secret of [API_ID, API_HASH, "15550001001", "15550001002", ...secrets]) {
    expect(cli.stdout().includes(secret), `${secret} on stdout`).toBe(false)
    expect(cli.stderr().includes(secret), `${secret} on stderr`).toBe(false)
  }
}

describe("tgsc-auth --phone", () => {
  it("asks for the code sent to the masked number: a wrong one (attempts left), then the right one saves the session", async () => {
    const cli = runCli(["phone-alice", "--data-dir", dataDir, "--phone", ALICE_PHONE])
    await cli.waitFor(/Telegram sent a login code to \+15\*{7}01 in the Telegram app where this account is logged in\. Type r to have it sent by SMS instead \(after 60 s\)\.\nLogin code: $/)
    const { code } = await lastCode(ALICE_PHONE)
    const wrong = wrongCodeFor(code)
    await cli.answer(PROMPT, wrong)
    await cli.answer(/The code is wrong \(PHONE_CODE_INVALID\): 4 attempts left\.\nLogin code: $/, code)
    expect(await cli.exited).toBe(0)
    expect(cli.stdout()).toMatch(new RegExp(`Logged in as Alice Liddell; session 'phone-alice' saved in ${dataDir}/sessions`))
    expect(fs.statSync(sessionFilePath(dataDir, "phone-alice")).mode & 0o777).toBe(0o600)
    expect((await lastCode(ALICE_PHONE)).status).toBe("used")
    noSecrets(cli, code, wrong)
  })

  it("r has the code sent again by SMS; then the 2FA password from the pipe, a wrong one retried", async () => {
    const cli = runCli(["phone-bob", "--data-dir", dataDir, "--phone", BOB_PHONE])
    await cli.answer(PROMPT, "r")
    await cli.waitFor(/Telegram sent a login code to \+15\*{7}02 by SMS\. Type r to have it sent by a phone call instead \(after 60 s\)\.\nLogin code: $/)
    const sms = await lastCode(BOB_PHONE)
    expect(sms.type).toBe("sms")
    await cli.answer(/by SMS[\s\S]*Login code: $/, sms.code)
    await cli.answer(/This account has two-step verification\.\nTwo-step verification password \(hint: the usual\): $/, "not-it-5521")
    await cli.answer(/Wrong 2FA password, try again\nTwo-step verification password \(hint: the usual\): $/, "hunter2")
    expect(await cli.exited).toBe(0)
    expect(cli.stdout()).toMatch(/Logged in as Bob Builder; session 'phone-bob' saved/)
    noSecrets(cli, sms.code, "hunter2", "not-it-5521")
  })

  it.skipIf(!hasScript)("on a terminal: the code is typed as usual, the password without echo", async () => {
    const cli = runCliOnTerminal(["phone-tty", "--data-dir", dataDir, "--phone", BOB_PHONE])
    await cli.waitFor(PROMPT)
    const { code } = await lastCode(BOB_PHONE)
    await cli.answer(PROMPT, code, "\r")
    await cli.answer(/Two-step verification password \(hint: the usual\): $/, "hunter2", "\r")
    expect(await cli.exited).toBe(0)
    expect(cli.stdout()).toMatch(/Logged in as Bob Builder; session 'phone-tty' saved/)
    expect(cli.stdout()).not.toContain("hunter2")
    expect(cli.stdout()).not.toContain("15550001002")
  })

  it("5 wrong codes end the login (the code withdrawn at Telegram); stdin closed before the code; nothing saved", async () => {
    const cli = runCli(["phone-wrong", "--data-dir", dataDir, "--phone", ALICE_PHONE])
    await cli.waitFor(PROMPT)
    const wrong = wrongCodeFor((await lastCode(ALICE_PHONE)).code)
    for (let i = 0; i < 5; i++) await cli.answer(PROMPT, wrong)
    expect(await cli.exited).toBe(1)
    expect(cli.stdout()).toMatch(/The code is wrong \(PHONE_CODE_INVALID\): 0 attempts left\./)
    expect(cli.stderr()).toMatch(/tgsc-auth: The code is wrong \(PHONE_CODE_INVALID\) for the 5th time: the login was ended; start a new one \(nothing was saved\)/)
    expect((await lastCode(ALICE_PHONE)).status).toBe("cancelled")

    const closed = runCli(["phone-closed", "--data-dir", dataDir, "--phone", ALICE_PHONE])
    await closed.waitFor(PROMPT)
    closed.child.stdin.end()
    expect(await closed.exited).toBe(1)
    expect(closed.stderr()).toMatch(/stdin closed before the login code was given/)
    expect(fs.existsSync(sessionFilePath(dataDir, "phone-wrong"))).toBe(false)
    expect(fs.existsSync(sessionFilePath(dataDir, "phone-closed"))).toBe(false)
  })

  it("refuses a malformed number (exit 2, the number not repeated), --phone with logout; reports a banned one", async () => {
    const malformed = runCli(["phone-x", "--data-dir", dataDir, "--phone", "+44 12ab"])
    const logout = runCli(["logout", "phone-alice", "--data-dir", dataDir, "--phone", ALICE_PHONE])
    const banned = runCli(["phone-x", "--data-dir", dataDir, "--phone", BANNED_PHONE])
    expect(await malformed.exited).toBe(2)
    expect(malformed.stderr()).toMatch(/--phone: Invalid phone number: give it in international form/)
    expect(malformed.stderr()).not.toContain("12ab")
    expect(await logout.exited).toBe(2)
    expect(logout.stderr()).toMatch(/--phone is for a login, not for logout/)
    expect(await banned.exited).toBe(1)
    expect(banned.stderr()).toMatch(/login failed: Telegram answered 400 PHONE_NUMBER_BANNED/)
    expect(banned.stderr()).not.toContain("15550001004")
    expect(fs.existsSync(sessionFilePath(dataDir, "phone-x"))).toBe(false)
  })
})
