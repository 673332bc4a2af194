/**
 * DNS rebinding protection end to end: the server as tgsc-server runs it from
 * its command line and environment, in this process (a bad --allowed-hosts,
 * on the tgsc-server process: its exit code is the point), requests sent
 * with node:http so the Host header can be anything (fetch sets it).
 */
import { request } from "node:http"
import * as net from "node:net"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { type InProcessServer, startInProcessServer } from "../support/InProcessServer.js"
import { runServerCommand } from "../support/ServerProcess.js"

interface Answer {
  readonly status: number
  readonly contentType: string | undefined
  readonly body: string
}

/** GET `path` on the server with this Host header. */
const get = (server: InProcessServer, path: string, host: string) =>
  new Promise<Answer>((resolve, reject) => {
    const req = request(
      { host: "127.0.0.1", port: server.port, path, method: "GET", headers: { host } },
      (res) => {
        let body = ""
        res.setEncoding("utf8")
        res.on("data", (chunk: string) => (body += chunk))
        res.on("end", () => resolve({ status: res.statusCode!, contentType: res.headers["content-type"], body }))
        res.on("error", reject)
      }
    )
    req.on("error", reject)
    req.end()
  })

describe("the Host check", () => {
  let byDefault: InProcessServer
  let listed: InProcessServer
  let anyHost: InProcessServer
  beforeAll(async () => {
    ;[byDefault, listed, anyHost] = await Promise.all([
      startInProcessServer(),
      startInProcessServer({ args: ["--allowed-hosts", "lan.example"], env: { TGSC_API_TOKEN: "secret" } }),
      startInProcessServer({ env: { TGSC_ALLOWED_HOSTS: "*" } })
    ])
  }, 60_000)
  afterAll(async () => {
    await Promise.all([byDefault?.stop(), listed?.stop(), anyHost?.stop()])
  })

  it.each(["/health", "/", "/docs", "/openapi.json", "/api/v3/folders", "/no-such-route"])(
    "refuses another host with a JSON 403 on %s",
    async (path) => {
      const answer = await get(byDefault, path, "evil.example")
      expect(answer.status).toBe(403)
      expect(answer.contentType).toMatch(/^application\/json/)
      expect(JSON.parse(answer.body)).toEqual({
        detail: expect.stringMatching(/^Host 'evil\.example' is not allowed: .*\(see --allowed-hosts\)$/)
      })
    }
  )

  it("names the Host header as sent, port included", async () => {
    const answer = await get(byDefault, "/health", `evil.example:${byDefault.port}`)
    expect(JSON.parse(answer.body).detail).toMatch(new RegExp(`^Host 'evil\\.example:${byDefault.port}' is not allowed`))
  })

  it("answers localhost, 127.0.0.1 and [::1], any port, as usual", async () => {
    for (const host of [`localhost:${byDefault.port}`, `127.0.0.1:${byDefault.port}`, `[::1]:${byDefault.port}`, "LOCALHOST", "app.localhost:1"]) {
      const answer = await get(byDefault, "/health", host)
      expect(answer.status, host).toBe(200)
      expect(JSON.parse(answer.body), host).toEqual({ status: "healthy" })
    }
    const missingUser = await get(byDefault, "/api/v3/folders", `localhost:${byDefault.port}`)
    expect(missingUser.status).toBe(401)
  })

  it("answers any IP address as the Host, on purpose: a DNS-rebinding page's Host is always its domain name", async () => {
    for (const host of ["192.168.1.20", `10.0.0.5:${byDefault.port}`, "[2001:db8::1]:8000", "0.0.0.0"]) {
      const answer = await get(byDefault, "/health", host)
      expect(answer.status, host).toBe(200)
    }
    // The name a rebinding page is served from, pointed at 127.0.0.1, is refused.
    expect((await get(byDefault, "/health", `rebind.evil.example:${byDefault.port}`)).status).toBe(403)
  })

  it("answers an HTTP/1.0 request without a Host header (no browser sends one)", async () => {
    const raw = await new Promise<string>((resolve, reject) => {
      const socket = net.connect(byDefault.port, "127.0.0.1", () => socket.write("GET /health HTTP/1.0\r\n\r\n"))
      let text = ""
      socket.setEncoding("utf8")
      socket.on("data", (chunk: string) => (text += chunk))
      socket.on("end", () => resolve(text))
      socket.on("error", reject)
    })
    expect(raw).toMatch(/^HTTP\/1\.1 200 /)
    expect(raw).toContain('{"status":"healthy"}')
  })

  it("--allowed-hosts lets a listed host through, before the API token is checked for others", async () => {
    const lan = await get(listed, "/health", `LAN.example:${listed.port}`)
    expect([lan.status, JSON.parse(lan.body)]).toEqual([200, { status: "healthy" }])
    expect((await get(listed, "/api/v3/folders", "lan.example")).status).toBe(401) // the token's answer
    expect((await get(listed, "/api/v3/folders", "evil.example")).status).toBe(403)
    expect((await get(listed, "/health", "other.example")).status).toBe(403)
  })

  it("TGSC_ALLOWED_HOSTS=* lets any host through", async () => {
    for (const host of ["evil.example", `evil.example:${anyHost.port}`, "[::1]"]) {
      const answer = await get(anyHost, "/health", host)
      expect(answer.status, host).toBe(200)
    }
  })

  it.each([
    [["--allowed-hosts", "a.example,,b.example"], /^tgsc-server: --allowed-hosts has an empty entry/m],
    [["--allowed-hosts", "a.example:8000"], /^tgsc-server: --allowed-hosts entry "a.example:8000" is not a host name or IP address/m]
  ])("a bad %j stops the server with exit code 2", async (args, message) => {
    // The tgsc-server process: its exit code and what it prints.
    const { code, stderr } = await runServerCommand(args)
    expect(code).toBe(2)
    expect(stderr).toMatch(message)
  })
})
