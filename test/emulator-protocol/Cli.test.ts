/**
 * The emulator CLI as the contract describes it: one JSON line on stdout
 * when ready, a working env for GramJS, clean exit on SIGTERM, exit code 2
 * on bad arguments or an invalid scenario; `npm run emulator` on the real
 * sample fixture. Also `--port` in-process.
 */
import { type ChildProcess, spawn } from "node:child_process"
import * as fs from "node:fs"
import * as net from "node:net"
import * as os from "node:os"
import * as path from "node:path"
import bigInt from "big-integer"
import { Api } from "telegram"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { type EmulatorEnv, startEmulator } from "../emulator/Emulator.js"
import { parseEmulatorArgs, UsageError } from "../emulator/EmulatorArgs.js"
import { ALL, EXACT } from "../emulator/Realism.js"
import { destroyTestClient, makeTestClient, TEST_API_HASH, TEST_API_ID } from "../emulator/TestClient.js"
import { freePort, projectRoot } from "../support/ServerProcess.js"
import { stubWorld } from "./StubWorld.js"

const cli = path.join(projectRoot, "test/emulator/cli.ts")

let dir: string

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "tgsc-emulator-cli-"))
  fs.writeFileSync(path.join(dir, "scenario.json"), JSON.stringify({
    users: [{ id: 1001, first_name: "Alice" }, { id: 1002, first_name: "Bob" }],
    accounts: [{ user: 1001, dc: 2, dialogs: [{ peer: "user:1002" }] }],
    messages: [{ peer: "user:1002", owner: 1001, id: 1, date: "2024-01-01 10:00:00", from: "user:1002", text: "hi" }]
  }))
  fs.writeFileSync(path.join(dir, "invalid.json"), JSON.stringify({ users: 3 }))
})

afterAll(() => fs.rmSync(dir, { recursive: true, force: true }))

const run = (args: ReadonlyArray<string>) => {
  const child = spawn(process.execPath, ["--import", "tsx", cli, ...args], { cwd: projectRoot, stdio: ["ignore", "pipe", "pipe"] })
  let stdout = ""
  let stderr = ""
  child.stdout.on("data", (d) => (stdout += d))
  child.stderr.on("data", (d) => (stderr += d))
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)))
  return { child, exited, output: () => ({ stdout, stderr }) }
}

const firstLine = (child: ChildProcess): Promise<string> =>
  new Promise((resolve, reject) => {
    let text = ""
    child.stdout!.on("data", (d) => {
      text += d
      const end = text.indexOf("\n")
      if (end >= 0) resolve(text.slice(0, end))
    })
    child.on("exit", (code) => reject(new Error(`the CLI exited with ${code} before it was ready`)))
  })

describe("emulator CLI", () => {
  it("prints one ready line, serves GramJS and the control API, and stops cleanly on SIGTERM", async () => {
    const { child, exited, output } = run(["--scenario", path.join(dir, "scenario.json"), "--updates", '{"difference_limit":7}'])
    try {
      const ready = JSON.parse(await firstLine(child)) as { env: EmulatorEnv; control: string }
      expect(Object.keys(ready).sort()).toEqual(["control", "env"])
      expect(ready.env.TGSC_TELEGRAM_DC).toMatch(/^1=127\.0\.0\.1:\d+,2=127\.0\.0\.1:\d+$/)
      expect(path.isAbsolute(ready.env.TGSC_TELEGRAM_PUBLIC_KEY)).toBe(true)
      expect(fs.readFileSync(ready.env.TGSC_TELEGRAM_PUBLIC_KEY, "utf8")).toMatch(/^-----BEGIN PUBLIC KEY-----/)
      expect(await (await fetch(`${ready.control}/health`)).json()).toEqual({ status: "ok" })

      const client = makeTestClient({ env: ready.env } as Parameters<typeof makeTestClient>[0])
      try {
        await client.connect()
      } finally {
        await destroyTestClient(client)
      }
      expect(await (await fetch(`${ready.control}/calls`)).json()).toMatchObject({ "help.GetConfig": 1 })
      expect(await (await fetch(`${ready.control}/updates/settings`)).json()).toMatchObject({ difference_limit: 7 })
      expect(await (await fetch(`${ready.control}/updates/state?user_id=1001`)).json())
        .toMatchObject({ user_id: 1001, pts: 2, qts: 0, seq: 1, channels: {} })

      child.kill("SIGTERM")
      expect(await exited).toBe(0)
      expect(fs.existsSync(ready.env.TGSC_TELEGRAM_PUBLIC_KEY)).toBe(false)
      expect(output().stdout.trim().split("\n")).toHaveLength(1)
    } finally {
      child.kill("SIGKILL")
    }
  })

  it("`npm run emulator -- --scenario test/fixtures/sample.json` prints the ready line and serves the fixture's world", async () => {
    // As the contract writes it, through npm (whose banner precedes the line); in its own process group, to stop it whole.
    const child = spawn("npm", ["run", "emulator", "--", "--scenario", "test/fixtures/sample.json"], {
      cwd: projectRoot,
      stdio: ["ignore", "pipe", "pipe"],
      detached: true
    })
    let stdout = ""
    child.stdout.on("data", (d) => (stdout += d))
    child.stderr.on("data", () => undefined)
    // Every process of the group holds the pipes: "close" means the emulator itself has exited.
    const closed = new Promise<void>((resolve) => child.on("close", () => resolve()))
    const stopGroup = () => {
      try {
        process.kill(-child.pid!, "SIGTERM")
      } catch {
        // Already gone.
      }
    }
    try {
      const ready = await new Promise<{ env: EmulatorEnv; control: string }>((resolve, reject) => {
        child.stdout.on("data", () => {
          const line = stdout.split("\n").find((l) => l.startsWith("{"))
          if (line !== undefined && stdout.includes(`${line}\n`)) resolve(JSON.parse(line))
        })
        child.on("exit", (code) => reject(new Error(`npm run emulator exited with ${code} before it was ready: ${stdout}`)))
      })
      // The sample has an account and a photo on DC 2.
      expect(ready.env.TGSC_TELEGRAM_DC).toMatch(/^1=127\.0\.0\.1:\d+,2=127\.0\.0\.1:\d+$/)
      expect(fs.readFileSync(ready.env.TGSC_TELEGRAM_PUBLIC_KEY, "utf8")).toMatch(/^-----BEGIN PUBLIC KEY-----/)
      expect(await (await fetch(`${ready.control}/health`)).json()).toEqual({ status: "ok" })
      const media = await fetch(`${ready.control}/media?peer=channel:3002&id=12`)
      expect((await media.arrayBuffer()).byteLength).toBe(5242880)

      const client = makeTestClient({ env: ready.env } as Parameters<typeof makeTestClient>[0])
      try {
        await client.connect()
        const exportToken = () => client.invoke(new Api.auth.ExportLoginToken({ apiId: TEST_API_ID, apiHash: TEST_API_HASH, exceptIds: [] }))
        const token = await exportToken() as Api.auth.LoginToken
        const scan = await fetch(`${ready.control}/scan`, {
          method: "POST",
          body: JSON.stringify({ qr_url: `tg://login?token=${Buffer.from(token.token).toString("base64url")}`, user_id: 1001 })
        })
        expect(scan.status).toBe(200)
        expect(await exportToken()).toBeInstanceOf(Api.auth.LoginTokenSuccess)
        const dialogs = await client.invoke(new Api.messages.GetDialogs({
          offsetDate: 0, offsetId: 0, offsetPeer: new Api.InputPeerEmpty(), limit: 100, hash: bigInt.zero
        }))
        expect((dialogs as Api.messages.Dialogs).dialogs).toHaveLength(11)
      } finally {
        await destroyTestClient(client)
      }

      stopGroup()
      await closed
      expect(fs.existsSync(ready.env.TGSC_TELEGRAM_PUBLIC_KEY)).toBe(false)
      // npm's banner, then exactly one JSON line.
      expect(stdout.split("\n").filter((l) => l.trim() !== "" && !l.startsWith(">"))).toEqual([JSON.stringify(ready)])
    } finally {
      stopGroup()
    }
  })

  it("exits 2 with a message on stderr for bad arguments or an invalid scenario", async () => {
    const cases = [
      [["--scenario", "x.json", "--port", "http"], /--port: expected a port number/],
      [["--scenario", path.join(dir, "invalid.json")], /invalid scenario: .*users/]
    ] as const
    // Concurrently: each run pays for loading tsx and GramJS.
    await Promise.all(cases.map(async ([args, stderr]) => {
      const { exited, output } = run(args)
      const code = await exited
      // One assertion, so a failure shows what the CLI said.
      expect({ code, ...output() }).toEqual({ code: 2, stdout: "", stderr: expect.stringMatching(stderr) })
    }))
  })
})

describe("parseEmulatorArgs", () => {
  it("reads the scenario, ports and verbosity, with ports 0 by default", () => {
    expect(parseEmulatorArgs(["--scenario", "s.json"])).toEqual({ scenario: "s.json", port: 0, controlPort: 0, verbose: false })
    expect(parseEmulatorArgs(["--scenario", "s.json", "--port", "9000", "--control-port", "9100", "--verbose"]))
      .toEqual({ scenario: "s.json", port: 9000, controlPort: 9100, verbose: true })
  })

  it("reads --realism: all, none, or a JSON object of flags", () => {
    expect(parseEmulatorArgs(["--scenario", "s.json", "--realism", "all"]).realism).toEqual(ALL)
    expect(parseEmulatorArgs(["--scenario", "s.json", "--realism", "none"]).realism).toEqual(EXACT)
    expect(parseEmulatorArgs(["--scenario", "s.json", "--realism", '{"min_peers": true}']).realism).toEqual({ ...EXACT, min_peers: true })
    expect(parseEmulatorArgs(["--scenario", "s.json"]).realism).toBeUndefined()
  })

  it("reads --updates: a JSON object of update settings over the defaults", () => {
    expect(parseEmulatorArgs(["--scenario", "s.json", "--updates", '{"retention": 10}']).updates)
      .toEqual({ difference_limit: 1000, retention: 10, channel_timeout: 30 })
    expect(parseEmulatorArgs(["--scenario", "s.json"]).updates).toBeUndefined()
  })

  it.each([
    [["--port", "1"], /--scenario <file.json> is required/],
    [["--scenario", "s.json", "--port", "http"], /--port: expected a port number/],
    [["--scenario", "s.json", "--control-port", "70000"], /--control-port: expected a port number/],
    [["--scenario", "s.json", "--bogus"], /Unknown option '--bogus'/],
    [["--scenario", "s.json", "extra"], /positional/],
    [["--scenario", "s.json", "--realism", "some"], /--realism: expected "all", "none"/],
    [["--scenario", "s.json", "--realism", "{min_peers"], /--realism: invalid JSON/],
    [["--scenario", "s.json", "--realism", '{"min_peer": true}'], /--realism: .*min_peer/],
    [["--scenario", "s.json", "--updates", "{"], /--updates: invalid JSON/],
    [["--scenario", "s.json", "--updates", '{"difference_limit": 0}'], /--updates: difference_limit/]
  ])("refuses %j", (args, reason) => {
    expect(() => parseEmulatorArgs(args)).toThrow(UsageError)
    expect(() => parseEmulatorArgs(args)).toThrow(reason)
  })
})

describe("--port", () => {
  it("gives DC ids in ascending order consecutive ports from n", async () => {
    // Two consecutive free ports: another process may hold the one after a free port, so try a few.
    let started: { port: number; emulator: Awaited<ReturnType<typeof startEmulator>> } | null = null
    for (let attempt = 0; started === null; attempt++) {
      const port = await freePort()
      try {
        started = { port, emulator: await startEmulator({ world: stubWorld({}, { dcIds: [2, 1] }), port }) }
      } catch (e) {
        if (attempt >= 20 || !String(e).includes("EADDRINUSE")) throw e
      }
    }
    const { port, emulator } = started
    try {
      expect(emulator.dcs.map((dc) => [dc.id, dc.port])).toEqual([[1, port], [2, port + 1]])
      expect(emulator.env.TGSC_TELEGRAM_DC).toBe(`1=127.0.0.1:${port},2=127.0.0.1:${port + 1}`)
    } finally {
      await emulator.stop()
    }
    await emulator.stop()
  })

  it("fails to start when a port is taken", async () => {
    const taken = net.createServer()
    const port = await new Promise<number>((resolve) =>
      taken.listen(0, "127.0.0.1", () => resolve((taken.address() as net.AddressInfo).port))
    )
    try {
      await expect(startEmulator({ world: stubWorld({}), port })).rejects.toThrow(/EADDRINUSE/)
    } finally {
      taken.close()
    }
  })
})
