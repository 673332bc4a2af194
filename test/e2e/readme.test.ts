/**
 * The README's examples, run as written against the emulator, so the guide
 * cannot drift from the product: the "Try it without Telegram" walkthrough
 * end to end (emulator CLI, the built server, a QR login, a search and a
 * streamed history), and every curl block of "Logging in" and "Using the
 * API" with its HTTP statuses checked. The only edit is the port: 8000 is
 * replaced by a free one.
 */
import { spawn } from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { type E2e, startE2e } from "../support/E2e.js"
import { freePort, projectRoot } from "../support/ServerProcess.js"

const readme = fs.readFileSync(path.join(projectRoot, "README.md"), "utf8")

/** The ```bash blocks of the README section with this `## ` heading. */
const bashBlocks = (heading: string): Array<string> => {
  const start = readme.indexOf(`\n## ${heading}\n`)
  if (start < 0) throw new Error(`README has no section "## ${heading}"`)
  const next = readme.indexOf("\n## ", start + 1)
  const section = readme.slice(start, next < 0 ? undefined : next)
  return [...section.matchAll(/```bash\n([\s\S]*?)```/g)].map((m) => m[1]!)
}

interface BashResult {
  readonly code: number | null
  readonly stdout: string
  readonly stderr: string
}

/** Runs a script in its own process group (so every background job can be killed), with a deadline. */
const bash = (script: string, options: { cwd: string; env: NodeJS.ProcessEnv; timeoutMs: number }) =>
  new Promise<BashResult>((resolve) => {
    const child = spawn("bash", ["-c", script], { cwd: options.cwd, env: options.env, detached: true })
    let stdout = ""
    let stderr = ""
    child.stdout.on("data", (d) => (stdout += d))
    child.stderr.on("data", (d) => (stderr += d))
    const killGroup = () => {
      try {
        process.kill(-child.pid!, "SIGKILL")
      } catch {
        // already gone
      }
    }
    const timer = setTimeout(killGroup, options.timeoutMs)
    child.on("exit", (code) => {
      clearTimeout(timer)
      killGroup() // whatever the script left running in the background
      resolve({ code, stdout, stderr })
    })
  })

/** Ends every curl's output with a newline and records its HTTP status on stderr as `HTTP <code>`. */
const CURL_STATUS = `curl() { command curl -w '\\n%{stderr}HTTP %{http_code}\\n' "$@"; }\n`

const statusesOf = (stderr: string) => [...stderr.matchAll(/^HTTP (\d{3})$/gm)].map((m) => Number(m[1]))

describe("README: Try it without Telegram", () => {
  it("the walkthrough logs in through the emulator, finds a channel and streams its history", async () => {
    const port = await freePort()
    const script = bashBlocks("Try it without Telegram").join("\n").replaceAll("8000", String(port))
    expect(script).toContain("npm run --silent emulator")
    expect(script).toContain("--realism all") // the walkthrough meets Telegram as untidy as it really is
    const env: NodeJS.ProcessEnv = {}
    for (const [k, v] of Object.entries(process.env)) if (!/^(TGSC_|TELEGRAM_|LOG_)/.test(k)) env[k] = v
    const leftovers = ["emulator.json", "emulator.log", "demo-server.log", "demo-data", "updates.txt"].map((p) => path.join(projectRoot, p))
    try {
      const result = await bash(`set -e\n${CURL_STATUS}${script}\nwait 2>/dev/null || true`, { cwd: projectRoot, env, timeoutMs: 90_000 })
      expect(result.code, result.stderr).toBe(0)
      expect(result.stdout).toContain('{"status":"healthy"}')
      expect(result.stdout).toContain('"status":"ok"') // the emulated phone scanned the code
      expect(result.stdout).toMatch(/^\{"total":\d+,.*"title":"Crypto News"/m)
      const events = result.stdout.split("\n").filter((l) => l.startsWith("data: "))
      const messages = events.flatMap((l) => (JSON.parse(l.slice(6)) as { messages?: Array<{ message: string }> }).messages ?? [])
      // Following live (issue 18): the message posted while /updates was open came as an event.
      expect(result.stdout).toMatch(/^id: 1\nevent: new_message\ndata: \{"dialog_id": -1000000003001, "message_id": \d+, .*"message": "Live from the emulator"/m)
      expect(messages.map((m) => m.message)).toContain("Bitcoin just hit a new all-time high!")
      // The walkthrough shows a comment thread and a forum's topic (issue 17): their messages came through.
      const texts = messages.map((m) => m.message)
      expect(texts).toEqual(expect.arrayContaining(["To the moon 🚀", "Source?", "Bloomberg, see the post above"]))
      expect(texts).toEqual(expect.arrayContaining(["Who is up for the #alps in July? Details on our wiki", "Me! Booked the hut already."]))
      expect(result.stdout).toMatch(/\{"total":\d+,"topics":\[.*"title":"Trips"/)
    } finally {
      for (const p of leftovers) fs.rmSync(p, { recursive: true, force: true })
    }
    // Longer than the script's own limit, so that a stuck script is killed with everything it started.
  }, 120_000)
})

describe("README: every curl example against the emulator", () => {
  let e2e: E2e
  let cwd: string
  const run = async (block: string, env: Record<string, string>) => {
    const url = new URL(e2e.server.url)
    const script = CURL_STATUS + block.replaceAll("localhost:8000", `localhost:${url.port}`)
    return bash(script, { cwd, env: { ...process.env, ...env }, timeoutMs: 30_000 })
  }

  beforeAll(async () => {
    e2e = await startE2e({ scenario: "test/fixtures/sample.json" })
    await e2e.login("alice", 1001)
    cwd = fs.mkdtempSync(path.join(os.tmpdir(), "tgsc-readme-"))
  })
  afterAll(async () => {
    await e2e?.stop()
  })

  it("Logging in: start, poll, a 2FA answer and a cancel all answer 200", async () => {
    // A login for the 2FA account, scanned, so the README's 2FA call meets the state it is written for.
    const started = await (await e2e.api("/api/v3/auth/qr", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ username: "bob" })
    })).json() as { token: string; qr_url: string }
    await e2e.control("/scan", { method: "POST", body: JSON.stringify({ qr_url: started.qr_url, user_id: 1002 }) })
    for (let i = 0; i < 200; i++) {
      const state = await (await e2e.api(`/api/v3/auth/qr/${started.token}`)).json() as { status: string }
      if (state.status === "password_required") break
      await new Promise((r) => setTimeout(r, 50))
    }
    const [block] = bashBlocks("Logging in")
    const result = await run(block!, { TOKEN: started.token })
    expect(result.code, result.stderr).toBe(0)
    expect(statusesOf(result.stderr)).toEqual([200, 200, 200, 200])
    const lines = result.stdout.split("\n").filter((l) => l.startsWith("{"))
    expect(JSON.parse(lines[0]!)).toMatchObject({ token: expect.any(String), qr_url: expect.stringMatching(/^tg:\/\/login\?token=/) })
    // The README's placeholder password is wrong: the login waits for another try, with an error.
    expect(JSON.parse(lines[2]!)).toMatchObject({ status: "password_required", error: expect.any(String) })
    expect(JSON.parse(lines[3]!)).toMatchObject({ status: "cancelled" })
  })

  it("Logging in, by phone code: start, a wrong code, a resend, a 2FA answer out of turn and a cancel", async () => {
    // A phone login of the sample's Alice under a new name, for the block's $TOKEN steps; the block's own start
    // is for a number no account has (Telegram sends the code all the same).
    const started = await (await e2e.api("/api/v3/auth/phone", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ username: "alice-phone", phone: "+15550001001" })
    })).json() as { token: string }
    const code = async () =>
      ((await (await e2e.control("/codes?phone=15550001001")).json()) as { codes: Array<{ code: string }> }).codes.at(-1)!.code
    // The block's placeholder code must be the wrong one.
    while ((await code()) === "12345") await e2e.api(`/api/v3/auth/phone/${started.token}/resend`, { method: "POST" })
    const [, block] = bashBlocks("Logging in")
    const result = await run(block!, { TOKEN: started.token })
    expect(result.code, result.stderr).toBe(0)
    expect(statusesOf(result.stderr)).toEqual([200, 400, 200, 409, 200])
    const lines = result.stdout.split("\n").filter((l) => l.startsWith("{")).map((l) => JSON.parse(l) as Record<string, unknown>)
    expect(lines[0]).toMatchObject({ token: expect.any(String), status: "code_required", phone: "+44********23", code_type: "app" })
    expect(lines[1]).toMatchObject({ detail: "The code is wrong (PHONE_CODE_INVALID): 4 attempts left" })
    expect(lines[2]).toMatchObject({ status: "code_required", code_type: "sms" })
    expect(lines[4]).toMatchObject({ status: "cancelled" })
  })

  it("Logging in, the session list: answers 200 with the saved sessions by name", async () => {
    const [, , block] = bashBlocks("Logging in")
    expect(block).toContain("/api/v3/sessions")
    const result = await run(block!, {})
    expect(result.code, result.stderr).toBe(0)
    expect(statusesOf(result.stderr)).toEqual([200])
    const names = (JSON.parse(result.stdout.trim()) as { sessions: Array<{ name: string }> }).sessions.map((s) => s.name)
    expect(names).toContain("alice")
    expect(names).toEqual([...names].sort((a, b) => a.localeCompare(b)))
  })

  it("Using the API: every block answers 2xx with the documented shapes", async () => {
    const blocks = bashBlocks("Using the API")
    const env = { USERNAME: "alice", FILE_UUID: "" }
    const outputs: Array<string> = []
    for (const block of blocks) {
      if (block.includes("$FILE_UUID")) {
        // The uuid comes from the history streamed by the block before, as a reader would take it.
        const uuid = /"media_uuid": "([0-9a-f-]{36})"/.exec(outputs.join("\n"))?.[1]
        expect(uuid).toBeDefined()
        env.FILE_UUID = uuid!
      }
      const result = await run(block, env)
      expect(result.code, `${block}\n${result.stderr}`).toBe(0)
      const statuses = statusesOf(result.stderr)
      expect(statuses.length).toBeGreaterThan(0)
      // 202: a sync job started.
      for (const status of statuses) expect([200, 202, 206], `${block}\n${result.stdout}`).toContain(status)
      outputs.push(result.stdout)
    }
    const all = outputs.join("\n")
    expect(all).toContain('{"status":"healthy"}')
    expect(all).toContain('"title":"Crypto News"')
    expect(all).toContain('"title":"All Chats"')
    expect(all).toContain('"query":"bitcoin"')
    // The cache search finds what the history block before it cached, and says what the cache holds.
    expect(all).toMatch(/\{"query":"lifetimes","total":1,"limit":50,"offset":0,"source":"cache","sort":"date",/)
    expect(all).toContain('"message":"How do lifetimes work?"')
    expect(all).toMatch(/"coverage":\[\{"dialog_id":-1000000003002,"dialog_title":"Rust Devs","index_complete":true,"covered":\[\{/)
    expect(all).toContain('"source":"auto"')
    expect(all).toContain("data: {\"messages\": [")
    expect(all).toMatch(/"file_path":"\//)
    expect(fs.statSync(path.join(cwd, "photo.jpg")).size).toBe(2458624)
    expect(fs.statSync(path.join(cwd, "first-kilobyte.bin")).size).toBe(1024)
    expect(all).toContain('"max_media_size_mb":50')
    // The sync job the README starts, found by the id its POST answered.
    expect(all).toMatch(/\{"job_id":"[0-9a-f-]{36}","dialog_id":-1000000003004,"state":"(running|done)"/)
  })
})
