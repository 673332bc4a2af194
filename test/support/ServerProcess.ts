/**
 * Runs the real tgsc-server as a child process on an ephemeral port, for
 * end-to-end tests: the command bundled from the current source for this
 * test run (TGSC_TEST_BIN, see globalSetup.ts), or the TypeScript through
 * tsx when a test file runs without the global setup. Captures its output
 * so tests can check what it logs, and stops it with a signal.
 */
import { type ChildProcess, spawn } from "node:child_process"
import * as fs from "node:fs/promises"
import * as net from "node:net"
import * as os from "node:os"
import * as path from "node:path"
import { fileURLToPath } from "node:url"

export const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..")
/**
 * How to run one of the commands (`tgsc-server`, `tgsc-auth`, `tgsc-mcp`): the node
 * arguments before the command's own.
 */
export const commandArgs = (name: "tgsc-server" | "tgsc-auth" | "tgsc-mcp"): Array<string> => {
  const bin = process.env.TGSC_TEST_BIN
  return bin !== undefined && bin !== ""
    ? [path.join(bin, `${name}.js`)]
    : ["--import", "tsx", path.join(projectRoot, `src/bin/${name}.ts`)]
}

export interface ServerProcess {
  readonly url: string
  readonly port: number
  readonly dataDir: string
  readonly child: ChildProcess
  readonly output: () => string
  readonly stop: (signal?: NodeJS.Signals) => Promise<number | null>
}

export const makeTempDir = (prefix = "tgsc-test-") => fs.mkdtemp(path.join(os.tmpdir(), prefix))

/** Environment without anything from the developer's shell that would change the server's behaviour. */
export const cleanEnv = (extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv => {
  const env: NodeJS.ProcessEnv = {}
  for (const [k, v] of Object.entries(process.env)) {
    if (/^(TGSC_|TELEGRAM_|LOG_)/.test(k)) continue
    env[k] = v
  }
  for (const [k, v] of Object.entries(extra)) if (v !== undefined) env[k] = v
  return env
}

/** Runs one of the commands to its end: its exit code and output. */
export const runCommand = (
  name: "tgsc-server" | "tgsc-auth" | "tgsc-mcp",
  args: ReadonlyArray<string>,
  env: NodeJS.ProcessEnv = cleanEnv()
) =>
  new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(process.execPath, [...commandArgs(name), ...args], { cwd: projectRoot, env })
    let stdout = ""
    let stderr = ""
    child.stdout.on("data", (d) => (stdout += d))
    child.stderr.on("data", (d) => (stderr += d))
    child.on("exit", (code) => resolve({ code, stdout, stderr }))
  })

export const runServerCommand = (args: ReadonlyArray<string>, env: NodeJS.ProcessEnv = cleanEnv()) => runCommand("tgsc-server", args, env)

export const startServer = async (options: {
  readonly dataDir?: string
  readonly args?: ReadonlyArray<string>
  readonly env?: Record<string, string | undefined>
  /** Listen here and wait for /health, instead of reading the address from the (info-level) start-up log line. */
  readonly port?: number
} = {}): Promise<ServerProcess> => {
  const dataDir = options.dataDir ?? (await makeTempDir())
  const child = spawn(
    process.execPath,
    [...commandArgs("tgsc-server"), "--data-dir", dataDir, "--port", String(options.port ?? 0), ...(options.args ?? [])],
    { cwd: projectRoot, env: cleanEnv(options.env) }
  )
  let output = ""
  child.stdout!.on("data", (d) => (output += d))
  child.stderr!.on("data", (d) => (output += d))
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)))
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL")
      reject(new Error(`server did not start:\n${output}`))
    }, 30_000)
    const onData = () => {
      const match = /Listening on (http:\/\/[^\s"]+)/.exec(output)
      if (match) {
        clearTimeout(timer)
        resolve(match[1]!)
      }
    }
    if (options.port !== undefined) {
      const url = `http://127.0.0.1:${options.port}`
      const poll = () =>
        fetch(url + "/health").then(
          (res) => {
            if (res.ok) {
              clearTimeout(timer)
              resolve(url)
            } else setTimeout(poll, 50)
          },
          () => {
            if (child.exitCode === null) setTimeout(poll, 50)
          }
        )
      poll()
    }
    child.stdout!.on("data", onData)
    child.stderr!.on("data", onData)
    child.on("exit", (code) => {
      clearTimeout(timer)
      reject(new Error(`server exited with ${code} before listening:\n${output}`))
    })
  })
  return {
    url,
    port: Number(new URL(url).port),
    dataDir,
    child,
    output: () => output,
    stop: async (signal = "SIGTERM") => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal)
      return exited
    }
  }
}

/**
 * A TCP port that was free a moment ago, taken below Linux's ephemeral range
 * (32768-60999): the port is handed to a process that binds it later, and in
 * between another test worker's `listen(0)` or outgoing connection could be
 * given the same port from that range (a README walkthrough once met an
 * emulator on "its" port). Random ports from 20000-32767 are only ever taken
 * by a test that asks for one, and each is checked free before it is handed out.
 */
export const freePort = async (): Promise<number> => {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = 20000 + Math.floor(Math.random() * 12768)
    if (await canListen(port)) return port
  }
  throw new Error("freePort: no free port in 20000-32767 after 50 tries")
}

const canListen = (port: number) =>
  new Promise<boolean>((resolve) => {
    const server = net.createServer()
    server.once("error", () => resolve(false))
    server.listen(port, "127.0.0.1", () => server.close(() => resolve(true)))
  })

/** Where the server keeps the saved login of session `name`. */
export const sessionFilePath = (dataDir: string, name: string) => path.join(dataDir, "sessions", `${name}.session`)

/** Creates a saved session file so a name passes the X-Telegram-Username check. */
export const seedSession = async (dataDir: string, name: string, content = "test-session") => {
  await fs.mkdir(path.join(dataDir, "sessions"), { recursive: true })
  await fs.writeFile(sessionFilePath(dataDir, name), content, { mode: 0o600 })
}
