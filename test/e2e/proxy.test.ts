/**
 * --proxy end to end: a SOCKS5 server (with a user name and password) and an
 * MTProxy, both written in the tests (test/support), in front of the
 * emulator, which refuses every connection that does not come from the
 * proxies' outgoing address (onlyFrom). Through each: a QR login, a phone
 * login on another DC with 2FA, dialogs, a history whose media lives on DC 2
 * (another connection, to the media DC), and tgsc-auth; the emulator refused
 * nothing, and the proxy saw both DCs. Without the proxy, or with the wrong
 * credentials or secret, the same server gets nowhere (502), which is what
 * makes the first part proof. The proxy's credentials appear in no log.
 */
import { spawn } from "node:child_process"
import * as fs from "node:fs"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { type E2e, startE2e } from "../support/E2e.js"
import { type MtProxyServer, startMtProxyServer } from "../support/MtProxyServer.js"
import { BOB_PHONE, lastCode, phoneScenario, startPhoneLogin, submitCode, submitPhonePassword } from "../support/PhoneLoginSteps.js"
import { jsonInit } from "../support/QrLoginSteps.js"
import { cleanEnv, commandArgs, projectRoot, sessionFilePath, startServer } from "../support/ServerProcess.js"
import { type Socks5Server, startSocks5Server } from "../support/Socks5Server.js"
import { expectNoError, history, marked, messagesOf } from "./HistoryExpect.js"

const PROXY_ADDRESS = "127.0.0.9"
const USER = "proxy-user-4471"
const PASSWORD = "proxy-pass-9902"
const SECRET = "7f3c2a1b0e9d8c7b6a5f4e3d2c1b0a99"
const CHANNEL_WITH_DC2_PHOTO = marked("channel:3003")
const scenario = () => phoneScenario({ phone_codes_per_hour: 1000 })

/** A QR login, a phone login on DC 2 with 2FA, dialogs and a history with media on DC 2, all through `e2e`'s server. */
const everything = async (e2e: E2e) => {
  await e2e.login("alice", 1001)
  const started = await startPhoneLogin(e2e, { username: "bob", phone: BOB_PHONE })
  expect(started.status, JSON.stringify(started.body)).toBe(200)
  const token = started.body.token!
  expect((await submitCode(e2e, token, (await lastCode(e2e, BOB_PHONE)).code)).body.status).toBe("password_required")
  expect((await submitPhonePassword(e2e, token, "hunter2")).body.status).toBe("success")
  for (const session of ["alice", "bob"]) {
    const res = await e2e.api("/api/v3/search/dialogs", { session })
    expect(res.status, await res.clone().text()).toBe(200)
  }
  const body = await history(e2e, "alice", CHANNEL_WITH_DC2_PHOTO)
  expectNoError(body)
  const photo = messagesOf(body).find((m) => m.message === "Private photo stored on DC 2")!
  const file = await e2e.api(`/api/v3/files/${photo.media_uuid}`, { session: "alice" })
  expect(file.status).toBe(200)
  const served = Buffer.from(await file.arrayBuffer())
  const expected = Buffer.from(await (await e2e.control(`/media?peer=channel:3003&id=${photo.message_id}`)).arrayBuffer())
  expect(served.equals(expected)).toBe(true)
}

/** Another server on the same emulator and data directory root, with these arguments: its first login's answer. */
const tryLogin = async (e2e: E2e, args: ReadonlyArray<string>) => {
  const server = await startServer({ args, env: { ...e2e.emulator.env, TELEGRAM_API_ID: "12345", TELEGRAM_API_HASH: "0123456789abcdef0123456789abcdef" } })
  try {
    const res = await fetch(`${server.url}/api/v3/auth/qr`, jsonInit({ username: "nobody" }))
    return { status: res.status, body: await res.json() as { detail: string }, output: server.output() }
  } finally {
    await server.stop()
  }
}

describe("through a SOCKS5 proxy", () => {
  let socks: Socks5Server
  let e2e: E2e

  beforeAll(async () => {
    socks = await startSocks5Server({ username: USER, password: PASSWORD, outgoingAddress: PROXY_ADDRESS })
    e2e = await startE2e({
      scenario: scenario(),
      onlyFrom: PROXY_ADDRESS,
      serverEnv: { TGSC_PROXY: `socks5://${USER}:${PASSWORD}@${socks.host}:${socks.port}` }
    })
  }, 60_000)

  afterAll(async () => {
    await e2e?.stop()
    await socks?.close()
  })

  it("every connection goes through it: logins (QR, phone on DC 2 with 2FA), requests, media on DC 2", async () => {
    await everything(e2e)
    expect(e2e.emulator.refusedConnections()).toBe(0)
    const dcPorts = new Set(socks.connects.map((c) => Number(c.split(":").at(-1))))
    for (const dc of e2e.emulator.dcs) expect(dcPorts.has(dc.port), `DC ${dc.id} through the proxy`).toBe(true)
    const log = e2e.server.output()
    expect(log).toContain(`Telegram is reached through the SOCKS5 proxy ${socks.host}:${socks.port} (with a user name and password)`)
    expect(log).not.toContain(PASSWORD)
    expect(log).not.toContain(USER)
  })

  it("tgsc-auth --phone with TGSC_PROXY goes through it too", async () => {
    const dataDir = e2e.server.dataDir + "-cli"
    const before = socks.connects.length
    const child = spawn(process.execPath, [...commandArgs("tgsc-auth"), "bob-cli", "--data-dir", dataDir, "--phone", BOB_PHONE], {
      cwd: projectRoot,
      env: cleanEnv({
        ...e2e.emulator.env,
        TELEGRAM_API_ID: "12345",
        TELEGRAM_API_HASH: "0123456789abcdef0123456789abcdef",
        TGSC_PROXY: `socks5://${USER}:${PASSWORD}@${socks.host}:${socks.port}`
      })
    })
    let out = ""
    child.stdout.on("data", (d) => (out += d))
    child.stderr.on("data", (d) => (out += d))
    const exited = new Promise<number | null>((resolve) => child.on("exit", resolve))
    await expect.poll(() => out, { timeout: 20_000 }).toMatch(/Login code: $/)
    child.stdin.write(`${(await lastCode(e2e, BOB_PHONE)).code}\n`)
    await expect.poll(() => out, { timeout: 20_000 }).toMatch(/password \(hint: the usual\): $/)
    child.stdin.write("hunter2\n")
    expect(await exited, out).toBe(0)
    expect(fs.existsSync(sessionFilePath(dataDir, "bob-cli"))).toBe(true)
    expect(socks.connects.length).toBeGreaterThan(before)
    expect(e2e.emulator.refusedConnections()).toBe(0)
    expect(out).not.toContain(PASSWORD)
    fs.rmSync(dataDir, { recursive: true, force: true })
  })

  it("without the proxy the emulator refuses the server's connections (502); with a wrong password the proxy does", async () => {
    const direct = await tryLogin(e2e, [])
    expect(direct.status).toBe(502)
    expect(e2e.emulator.refusedConnections()).toBeGreaterThan(0)
    const refusedBefore = socks.refusedAuth()
    const wrong = await tryLogin(e2e, ["--proxy", `socks5://${USER}:not-${PASSWORD}@${socks.host}:${socks.port}`])
    expect(wrong.status).toBe(502)
    expect(socks.refusedAuth()).toBeGreaterThan(refusedBefore)
    expect(JSON.stringify(wrong.body) + wrong.output).not.toContain(PASSWORD)
  })
})

describe("through an MTProxy (obfuscated transport, dd secret)", () => {
  let mtproxy: MtProxyServer
  let e2e: E2e | undefined

  beforeAll(async () => {
    mtproxy = await startMtProxyServer({
      secret: SECRET,
      outgoingAddress: PROXY_ADDRESS,
      dcEndpoint: (dcId) => e2e?.emulator.dcs.find((dc) => dc.id === dcId)
    })
    e2e = await startE2e({
      scenario: scenario(),
      onlyFrom: PROXY_ADDRESS,
      serverArgs: ["--proxy", `mtproxy://dd${SECRET}@${mtproxy.host}:${mtproxy.port}`]
    })
  }, 60_000)

  afterAll(async () => {
    await e2e?.stop()
    await mtproxy?.close()
  })

  it("every connection goes through it: logins, requests, media on DC 2", async () => {
    await everything(e2e!)
    expect(e2e!.emulator.refusedConnections()).toBe(0)
    expect(new Set(mtproxy.dcs)).toEqual(new Set(e2e!.emulator.dcs.map((dc) => dc.id)))
    expect(mtproxy.refused()).toBe(0)
    const log = e2e!.server.output()
    expect(log).toContain(`Telegram is reached through the MTProxy ${mtproxy.host}:${mtproxy.port}`)
    expect(log).not.toContain(SECRET)
  })

  it("with the wrong secret the proxy drops the connection: 502", async () => {
    const wrong = await tryLogin(e2e!, ["--proxy", `mtproxy://${"0".repeat(32)}@${mtproxy.host}:${mtproxy.port}`])
    expect(wrong.status).toBe(502)
    expect(mtproxy.refused()).toBeGreaterThan(0)
  })
})
