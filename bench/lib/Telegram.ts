/**
 * What the benchmarks that talk to "Telegram" share: the emulator as its own
 * process (the emulator CLI on a scenario file, as `npm run emulator` runs
 * it), a QR login into the server the way a user does it, and the
 * Server-Sent Events client (bench/clients/sse-count.mjs) in a process of
 * its own.
 */
import * as fs from "node:fs/promises"
import * as path from "node:path"
import { benchEnv, firstLine, projectRoot, run, type Running, tempDir } from "./Processes.js"

export const TEST_API_ID = "12345"
export const TEST_API_HASH = "0123456789abcdef0123456789abcdef"

export interface EmulatorProcess extends Running {
  /** TGSC_TELEGRAM_DC and TGSC_TELEGRAM_PUBLIC_KEY for the server. */
  readonly env: Record<string, string>
  /** The control API's base URL. */
  readonly control: string
}

/** Runs the emulator CLI on `scenario` in a child process; resolves once it prints its ready line. */
export const startEmulatorProcess = async (scenario: unknown): Promise<EmulatorProcess> => {
  const dir = await tempDir("tgsc-bench-scenario-")
  const file = path.join(dir, "scenario.json")
  await fs.writeFile(file, JSON.stringify(scenario))
  const proc = run(process.execPath, ["--import", "tsx", "test/emulator/cli.ts", "--scenario", file], {
    env: benchEnv(),
    cwd: projectRoot
  })
  const ready = await firstLine(proc, "the emulator")
  const { control, env } = JSON.parse(ready) as { env: Record<string, string>; control: string }
  const stop = async (signal?: NodeJS.Signals) => {
    const code = await proc.stop(signal)
    await fs.rm(dir, { recursive: true, force: true })
    return code
  }
  return { ...proc, stop, env, control }
}

/** The server's environment for talking to this emulator. */
export const serverEnvFor = (emulator: EmulatorProcess): Record<string, string> => ({
  ...emulator.env,
  TELEGRAM_API_ID: TEST_API_ID,
  TELEGRAM_API_HASH: TEST_API_HASH
})

/** POST /api/v3/auth/qr, the phone scans through the emulator's /scan, then poll until the session is saved. */
export const qrLogin = async (serverUrl: string, emulator: EmulatorProcess, name: string, userId: number) => {
  const started = await fetch(`${serverUrl}/api/v3/auth/qr`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ username: name })
  })
  const body = await started.json() as { token?: string; qr_url?: string }
  if (started.status !== 200 || body.token === undefined || body.qr_url === undefined) {
    throw new Error(`login did not start: ${started.status} ${JSON.stringify(body)}`)
  }
  const scan = await fetch(`${emulator.control}/scan`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ qr_url: body.qr_url, user_id: userId })
  })
  if (scan.status !== 200) throw new Error(`scan failed: ${scan.status} ${await scan.text()}`)
  const deadline = Date.now() + 60_000
  for (;;) {
    const state = await (await fetch(`${serverUrl}/api/v3/auth/qr/${body.token}`)).json() as { status: string }
    if (state.status === "success") return
    if (state.status !== "pending") throw new Error(`login ended ${JSON.stringify(state)}`)
    if (Date.now() > deadline) throw new Error("login still pending after 60 s")
    await new Promise((r) => setTimeout(r, 20))
  }
}

/** Copies the session files of a data directory into another (a fresh cache, the same logins). */
export const copySessions = async (fromDataDir: string, toDataDir: string) => {
  await fs.cp(path.join(fromDataDir, "sessions"), path.join(toDataDir, "sessions"), { recursive: true })
}

export interface StreamResult {
  readonly messages: number
  readonly bytes: number
  /** Request sent to the end of the stream. */
  readonly ms: number
  readonly firstByteMs: number | null
}

const client = path.join(projectRoot, "bench/clients/sse-count.mjs")

/** Reads a whole SSE stream in a separate client process; fails unless it holds `expected` messages (when given). */
export const streamInClient = async (
  url: string,
  session: string | undefined,
  expected: number | undefined
): Promise<StreamResult> => {
  const proc = run(process.execPath, [client, url, ...(session === undefined ? [] : [session])])
  const code = await proc.exited
  if (code !== 0) throw new Error(`the SSE client failed (${code}) on ${url}:\n${proc.output()}`)
  const result = JSON.parse(proc.output().trim().split("\n").at(-1)!) as StreamResult
  if (expected !== undefined && result.messages !== expected) throw new Error(`${url}: ${result.messages} messages, expected ${expected}`)
  return result
}
