/**
 * End-to-end fixture: the Telegram emulator in-process (real MTProto on
 * loopback), the real tgsc-server as a child process pointed at it, a temp
 * data directory, and QR logins driven the way a user does it (POST
 * /auth/qr, the phone scans through the emulator's /scan, poll, 2FA).
 */
import * as fs from "node:fs"
import * as path from "node:path"
import { type RunningEmulator, startEmulator } from "../emulator/Emulator.js"
import { realismFromEnv } from "../emulator/Realism.js"
import { World } from "../emulator/World.js"
import { projectRoot, type ServerProcess, startServer } from "./ServerProcess.js"

export const TEST_API_ID = "12345"
export const TEST_API_HASH = "0123456789abcdef0123456789abcdef"

export interface E2e {
  readonly emulator: RunningEmulator
  readonly world: World
  readonly server: ServerProcess
  /** GET/POST/... on the server, as the given session (X-Telegram-Username) when one is named. */
  readonly api: (pathAndQuery: string, init?: RequestInit & { readonly session?: string }) => Promise<Response>
  /** A completed QR login: the session file exists when it resolves. */
  readonly login: (name: string, userId: number, options?: { readonly password?: string; readonly force?: boolean }) => Promise<void>
  /** The emulator's control API. */
  readonly control: (pathAndQuery: string, init?: RequestInit) => Promise<Response>
  /**
   * Stops the server (SIGTERM unless told otherwise) and starts a new one on the same data directory and emulator;
   * `whileDown` runs in between (changes made while no server runs).
   */
  readonly restart: (signal?: NodeJS.Signals, whileDown?: () => Promise<void>) => Promise<ServerProcess>
  readonly stop: () => Promise<void>
}

export interface E2eOptions {
  /** A scenario object, or a path relative to the project root (e.g. "test/fixtures/sample.json"). */
  readonly scenario: unknown
  readonly serverArgs?: ReadonlyArray<string>
  readonly serverEnv?: Record<string, string | undefined>
  readonly dataDir?: string
  /**
   * The emulator's realistic mode (test/emulator/Realism.ts: "all" or flags);
   * default: TGSC_E2E_REALISM from the environment, else the scenario's.
   */
  readonly realism?: unknown
  /** The emulator accepts MTProto connections from this address only (a proxy's): see EmulatorOptions.onlyFrom. */
  readonly onlyFrom?: string
}

const loadScenario = (scenario: unknown): unknown =>
  typeof scenario === "string" ? JSON.parse(fs.readFileSync(path.resolve(projectRoot, scenario), "utf8")) : scenario

export const startE2e = async (options: E2eOptions): Promise<E2e> => {
  const world = World.fromScenario(loadScenario(options.scenario))
  const realism = options.realism ?? realismFromEnv()
  if (realism !== undefined) {
    const set = world.setRealism(realism)
    if (typeof set === "string") throw new Error(`realism: ${set}`)
  }
  const emulator = await startEmulator({ world, ...(options.onlyFrom === undefined ? {} : { onlyFrom: options.onlyFrom }) })
  const env = {
    ...emulator.env,
    TELEGRAM_API_ID: TEST_API_ID,
    TELEGRAM_API_HASH: TEST_API_HASH,
    ...options.serverEnv
  }
  const boot = (dataDir?: string) =>
    startServer({ ...(dataDir === undefined ? {} : { dataDir }), args: options.serverArgs ?? [], env })
  let server: ServerProcess
  try {
    server = await boot(options.dataDir)
  } catch (error) {
    await emulator.stop()
    throw error
  }

  const api: E2e["api"] = (pathAndQuery, init = {}) => {
    const { session, ...rest } = init
    const headers = new Headers(rest.headers)
    if (session !== undefined) headers.set("X-Telegram-Username", session)
    return fetch(server.url + pathAndQuery, { ...rest, headers })
  }
  const control: E2e["control"] = (pathAndQuery, init) => fetch(emulator.control + pathAndQuery, init)

  const login: E2e["login"] = async (name, userId, loginOptions = {}) => {
    const started = await api("/api/v3/auth/qr", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ username: name, ...(loginOptions.force ? { force: true } : {}) })
    })
    const body = await started.json() as { token?: string; qr_url?: string; detail?: string }
    if (started.status !== 200 || body.token === undefined || body.qr_url === undefined) {
      throw new Error(`login of ${name} did not start: ${started.status} ${JSON.stringify(body)}`)
    }
    const scan = await control("/scan", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ qr_url: body.qr_url, user_id: userId })
    })
    if (scan.status !== 200) throw new Error(`scan failed: ${scan.status} ${await scan.text()}`)
    const deadline = Date.now() + 30_000
    for (;;) {
      const state = await (await api(`/api/v3/auth/qr/${body.token}`)).json() as { status: string; error: string | null }
      if (state.status === "success") return
      if (state.status === "password_required") {
        if (loginOptions.password === undefined) throw new Error(`${name} needs a 2FA password`)
        const answer = await api(`/api/v3/auth/qr/${body.token}/2fa`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ password: loginOptions.password })
        })
        const after = await answer.json() as { status: string; error: string | null }
        if (after.status === "success") return
        throw new Error(`2FA for ${name} failed: ${JSON.stringify(after)}`)
      }
      if (state.status === "expired" || state.status === "error") throw new Error(`login of ${name} ended ${JSON.stringify(state)}`)
      if (Date.now() > deadline) throw new Error(`login of ${name} still ${state.status} after 30 s`)
      await new Promise((r) => setTimeout(r, 50))
    }
  }

  return {
    emulator,
    world,
    get server() {
      return server
    },
    api,
    login,
    control,
    restart: async (signal, whileDown) => {
      await server.stop(signal)
      await whileDown?.()
      server = await boot(server.dataDir)
      return server
    },
    stop: async () => {
      await server.stop()
      await emulator.stop()
    }
  }
}
