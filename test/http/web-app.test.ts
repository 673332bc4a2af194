/**
 * The web app's routes over HTTP (src/http/WebApp.ts), on the tgsc-server
 * bundled for this run (its web/ built beside it by globalSetup), started
 * with an admin token: the files and their CSP, the redirect of a browser
 * from `/` while API clients keep the JSON, the files public but the API
 * not, the Host check in front of it all, and no file outside the list.
 * Where the built files are looked for: findWebAppDir.
 */
import * as fs from "node:fs"
import * as path from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { findWebAppDir, NOT_BUILT, WEB_APP_CSP, wantsPage } from "../../src/http/WebApp.js"
import { rawRequest, requestHead } from "../support/RawHttp.js"
import { makeTempDir, type ServerProcess, startServer } from "../support/ServerProcess.js"

const TOKEN = "web-app-test-token"
let server: ServerProcess

beforeAll(async () => {
  server = await startServer({ env: { TGSC_API_TOKEN: TOKEN } })
})
afterAll(async () => {
  await server?.stop()
})

const get = (p: string, headers: Record<string, string> = {}) => fetch(server.url + p, { headers, redirect: "manual" })

describe("the web app's routes", () => {
  it("serves the page and its files without the token, each with the strict CSP", async () => {
    for (const [p, type] of [
      ["/app", "text/html"],
      ["/app/", "text/html"],
      ["/app/app.js", "text/javascript"],
      ["/app/app.css", "text/css"],
      ["/app/icon.svg", "image/svg+xml"],
      ["/app/sw.js", "text/javascript"]
    ] as const) {
      const res = await get(p)
      expect(res.status, p).toBe(200)
      expect(res.headers.get("content-type"), p).toContain(type)
      expect(res.headers.get("content-security-policy"), p).toBe(WEB_APP_CSP)
      expect(res.headers.get("x-frame-options"), p).toBe("DENY")
      expect(res.headers.get("x-content-type-options"), p).toBe("nosniff")
      expect(res.headers.get("referrer-policy"), p).toBe("no-referrer")
      expect((await res.arrayBuffer()).byteLength, p).toBeGreaterThan(100)
    }
    expect((await get("/app/sw.js")).headers.get("service-worker-allowed")).toBe("/app")
    expect((await get("/app/app.js")).headers.get("service-worker-allowed")).toBeNull()
    const csp = WEB_APP_CSP.split("; ")
    expect(csp).toContain("default-src 'self'")
    expect(csp).toContain("script-src 'self'")
    expect(csp).toContain("style-src 'self'")
    expect(csp).toContain("frame-ancestors 'none'")
    expect(WEB_APP_CSP).not.toMatch(/unsafe|\*|https?:/)
  })

  it("the page loads only its own files, and nothing inline", async () => {
    const html = await (await get("/app")).text()
    expect(html).toContain('<script type="module" src="/app/app.js"></script>')
    expect(html).toContain('<link rel="stylesheet" href="/app/app.css">')
    expect(html).not.toMatch(/<script>|<style|style=|\son[a-z]+=|https?:\/\//)
  })

  it("the API behind it still needs the token", async () => {
    const res = await get("/api/v3/folders", { "x-telegram-username": "me" })
    expect(res.status).toBe(401)
    expect(res.headers.get("www-authenticate")).toBe("Bearer")
  })

  it("sends a browser asking for / to /app; API clients keep the JSON", async () => {
    const browser = await get("/", { accept: "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8" })
    expect(browser.status).toBe(302)
    expect(browser.headers.get("location")).toBe("/app")
    for (const accept of [undefined, "application/json", "*/*"]) {
      const res = await get("/", accept === undefined ? {} : { accept })
      expect(res.status, String(accept)).toBe(200)
      expect(await res.json()).toMatchObject({ name: "tgsc", docs: "/docs" })
    }
  })

  it("answers any other file name with a 404 detail, never a file from elsewhere", async () => {
    for (const p of ["/app/nope.js", "/app/..%2Fpackage.json", "/app/%2e%2e%2fbin%2ftgsc-server.js", "/app/index.html%00.js"]) {
      const res = await get(p)
      expect(res.status, p).toBe(404)
      expect(((await res.json()) as { detail: string }).detail, p).toMatch(/^No such file of the web app/)
    }
    for (const p of ["/app/../package.json", "/app/a/b"]) {
      // Not one of the app's routes, so not public either: with the token, a plain 404.
      const answer = await rawRequest(server.port, requestHead("GET", p, server.port, { authorization: `Bearer ${TOKEN}` }))
      expect(answer.status, p).toBe(404)
      expect(answer.body, p).not.toContain("tgsc-server")
      expect((await rawRequest(server.port, requestHead("GET", p, server.port))).status, p).toBe(401)
    }
    // A path that does not decode is not routed to the app: without the token 401, with it a detail, never a 500.
    expect((await get("/app/%E0%A4%A")).status).toBe(401)
    const bad = await get("/app/%E0%A4%A", { authorization: `Bearer ${TOKEN}` })
    expect(bad.status).toBe(404)
    expect(((await bad.json()) as { detail: string }).detail).toMatch(/./)
  })

  it("the Host check comes first: a rebinding page gets neither the app nor the redirect", async () => {
    for (const p of ["/app", "/app/app.js", "/"]) {
      const answer = await rawRequest(server.port, requestHead("GET", p, server.port, { accept: "text/html" }).replace(
        `Host: 127.0.0.1:${server.port}`,
        "Host: evil.example"
      ))
      expect(answer.status, p).toBe(403)
      expect(JSON.parse(answer.body).detail, p).toMatch(/^Host 'evil\.example' is not allowed/)
    }
  })
})

describe("findWebAppDir and wantsPage", () => {
  it("takes the first candidate holding index.html", async () => {
    const root = await makeTempDir()
    const [a, b] = [path.join(root, "a"), path.join(root, "b")]
    fs.mkdirSync(a)
    fs.mkdirSync(b)
    expect(findWebAppDir([a, b])).toBeUndefined()
    fs.writeFileSync(path.join(b, "index.html"), "<!doctype html>")
    expect(findWebAppDir([a, b])).toBe(b)
    fs.writeFileSync(path.join(a, "index.html"), "<!doctype html>")
    expect(findWebAppDir([a, b])).toBe(a)
    fs.rmSync(root, { recursive: true, force: true })
    expect(NOT_BUILT).toMatch(/npm run build/)
  })

  it("a page is wanted when text/html is among the accepted types", () => {
    expect(wantsPage("text/html")).toBe(true)
    expect(wantsPage("application/json, text/html;q=0.9")).toBe(true)
    expect(wantsPage(undefined)).toBe(false)
    expect(wantsPage("*/*")).toBe(false)
    expect(wantsPage("application/json")).toBe(false)
    expect(wantsPage("text/htmlx")).toBe(false)
  })
})
