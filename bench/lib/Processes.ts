/**
 * Child processes for benchmarks: the compiled server (dist/, as users run
 * it), the emulator, and small Node programs. Every process is killed on
 * exit, so an interrupted run leaves nothing behind.
 */
import { type ChildProcess, spawn } from "node:child_process"
import * as fs from "node:fs/promises"
import * as net from "node:net"
import * as os from "node:os"
import * as path from "node:path"
import { fileURLToPath } from "node:url"

export const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..")
export const serverEntry = path.join(projectRoot, "dist/bin/tgsc-server.js")

const live = new Set<ChildProcess>()
process.on("exit", () => {
  for (const child of live) child.kill("SIGKILL")
})

export interface Running {
  readonly child: ChildProcess
  readonly pid: number
  readonly output: () => string
  /** Resolves when the process has exited. */
  readonly exited: Promise<number | null>
  readonly stop: (signal?: NodeJS.Signals) => Promise<number | null>
}

export const run = (command: string, args: ReadonlyArray<string>, options: {
  readonly env?: NodeJS.ProcessEnv
  readonly cwd?: string
} = {}): Running => {
  const child = spawn(command, [...args], {
    cwd: options.cwd ?? projectRoot,
    env: options.env ?? benchEnv(),
    stdio: ["ignore", "pipe", "pipe"]
  })
  live.add(child)
  let output = ""
  child.stdout!.on("data", (d) => (output += d))
  child.stderr!.on("data", (d) => (output += d))
  const exited = new Promise<number | null>((resolve) =>
    child.on("exit", (code) => {
      live.delete(child)
      resolve(code)
    })
  )
  return {
    child,
    pid: child.pid!,
    output: () => output,
    exited,
    stop: async (signal = "SIGTERM") => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal)
      return exited
    }
  }
}

/** The environment without the developer's TGSC_/TELEGRAM_/LOG_ settings. */
export const benchEnv = (extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv => {
  const env: NodeJS.ProcessEnv = {}
  for (const [k, v] of Object.entries(process.env)) if (!/^(TGSC_|TELEGRAM_|LOG_)/.test(k)) env[k] = v
  for (const [k, v] of Object.entries(extra)) if (v !== undefined) env[k] = v
  return env
}

/** Thrown by a probe to stop waiting at once (the process died). */
export class EarlyExit extends Error {}

export const waitFor = async <A>(what: string, probe: () => Promise<A | undefined>, timeoutMs = 60_000, everyMs = 5) => {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await probe().catch((error: unknown) => {
      if (error instanceof EarlyExit) throw error
      return undefined
    })
    if (value !== undefined) return value
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, everyMs))
  }
}

/** Waits until the process prints `Listening on http://...` and returns that URL. */
export const listeningUrl = (proc: Running, timeoutMs = 60_000) =>
  waitFor("the server to listen", async () => {
    if (proc.child.exitCode !== null) throw new EarlyExit(`exited early:\n${proc.output()}`)
    return /Listening on (http:\/\/[^\s"]+)/.exec(proc.output())?.[1]
  }, timeoutMs)

export const healthy = async (url: string) => {
  // A probe that hangs (a connection made while the server was still starting) must not stall the wait.
  const res = await fetch(url + "/health", { signal: AbortSignal.timeout(2_000) })
  return res.ok ? true : undefined
}

export const tempDir = (prefix: string) => fs.mkdtemp(path.join(os.tmpdir(), prefix))

export interface ServerOptions {
  readonly dataDir: string
  readonly env?: Record<string, string | undefined>
  readonly args?: ReadonlyArray<string>
  /** Node's own options before the entry point, e.g. `--cpu-prof` (which NODE_OPTIONS does not allow). */
  readonly nodeArgs?: ReadonlyArray<string>
  /** Another build's server to run instead (before/after comparisons); dist/bin/tgsc-server.js by default. */
  readonly entry?: string
}

/** A port that was free a moment ago (the server is told to use it: at log level warning it does not print its address). */
export const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const server = net.createServer()
    server.once("error", reject)
    server.listen(0, "127.0.0.1", () => {
      const port = (server.address() as net.AddressInfo).port
      server.close(() => resolve(port))
    })
  })

/** The compiled tgsc-server, logging only warnings (request logs would measure the terminal). */
export const startServer = async (options: ServerOptions) => {
  const port = await freePort()
  const url = `http://127.0.0.1:${port}`
  const proc = run(
    process.execPath,
    [...(options.nodeArgs ?? []), options.entry ?? serverEntry, "--data-dir", options.dataDir, "--port", String(port), "--log-level", "warning", ...(options.args ?? [])],
    { env: benchEnv(options.env) }
  )
  await waitFor("the server to be healthy", async () => {
    if (proc.child.exitCode !== null) throw new EarlyExit(`server exited early:\n${proc.output()}`)
    return healthy(url)
  })
  return { ...proc, url }
}

/** The first line `proc` (`what`, for the message) prints on stdout, a ready line; rejects if it exits first. */
export const firstLine = (proc: Running, what: string): Promise<string> =>
  new Promise<string>((resolve, reject) => {
    let stdout = ""
    proc.child.stdout!.on("data", (d) => {
      stdout += d
      const end = stdout.indexOf("\n")
      if (end >= 0) resolve(stdout.slice(0, end))
    })
    void proc.exited.then((code) => reject(new Error(`${what} exited with ${code}:\n${proc.output()}`)))
  })
