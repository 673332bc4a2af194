/**
 * GET /login end to end, fast: the page's own script runs in a Node VM over
 * a small stand-in for the few DOM calls it makes (the same page in a real
 * browser, QR and phone logins: login-browser.test.ts), with its fetch() going to the real server (API token and all) and
 * the phone's scan done through the emulator: the page starts the login,
 * shows the code and re-fetches it when qr_url changes, asks for the 2FA
 * password, reports a wrong one, and says when it is done.
 */
import * as fs from "node:fs"
import * as path from "node:path"
import * as vm from "node:vm"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { type E2e, startE2e } from "../support/E2e.js"
import { sampleScenario, scan } from "../support/QrLoginSteps.js"

const API_TOKEN = "page-test-token-5521"

let e2e: E2e
let html: string

beforeAll(async () => {
  e2e = await startE2e({ scenario: sampleScenario(3), serverEnv: { TGSC_API_TOKEN: API_TOKEN } })
  const res = await fetch(`${e2e.server.url}/login`)
  expect(res.status).toBe(200)
  expect(res.headers.get("content-type")).toMatch(/^text\/html/)
  html = await res.text()
})

afterAll(async () => {
  await e2e?.stop()
})

const scriptOf = (page: string): string => {
  const match = /<script>([\s\S]*)<\/script>/.exec(page)
  if (match === null) throw new Error("the page has no inline script")
  return match[1]!
}

/** The few DOM objects the page's script touches. */
class FakeElement {
  value = ""
  checked = false
  textContent = ""
  className = ""
  src = ""
  readonly classes: Set<string>
  private readonly listeners = new Map<string, Array<(event: unknown) => unknown>>()
  readonly img?: FakeElement
  constructor(readonly id: string, classes: ReadonlyArray<string>, hasImg: boolean) {
    this.classes = new Set(classes)
    if (hasImg) this.img = new FakeElement(`${id} img`, [], false)
  }
  readonly classList = {
    add: (c: string) => void this.classes.add(c),
    remove: (c: string) => void this.classes.delete(c),
    contains: (c: string) => this.classes.has(c)
  }
  get visible() {
    return !this.classes.has("hidden")
  }
  addEventListener(type: string, listener: (event: unknown) => unknown) {
    this.listeners.set(type, [...(this.listeners.get(type) ?? []), listener])
  }
  querySelector(selector: string) {
    if (selector !== "img" || this.img === undefined) throw new Error(`unexpected querySelector(${selector}) on #${this.id}`)
    return this.img
  }
  /** Fires an event the way a browser would on a form submit. */
  async fire(type: string) {
    for (const listener of this.listeners.get(type) ?? []) await listener({ preventDefault: () => {} })
  }
}

interface Recorded {
  readonly method: string
  readonly path: string
  readonly headers: Record<string, string>
  readonly body: unknown
  readonly status: number
  readonly response: unknown
}

/** Loads the page: its elements from the HTML, its script in a VM, fetch() to the real server. */
const openPage = (page: string) => {
  const elements = new Map<string, FakeElement>()
  for (const m of page.matchAll(/<(\w+)[^>]*\sid="([^"]+)"[^>]*>/g)) {
    const tag = m[0]
    const classes = /class="([^"]*)"/.exec(tag)?.[1]?.split(/\s+/).filter(Boolean) ?? []
    elements.set(m[2]!, new FakeElement(m[2]!, classes, m[2] === "qr"))
  }
  const requests: Array<Recorded> = []
  const timers = new Set<ReturnType<typeof setInterval>>()
  const pageFetch = async (url: string, init: RequestInit = {}) => {
    const res = await fetch(e2e.server.url + url, init)
    const copy = res.clone()
    const type = res.headers.get("content-type") ?? ""
    requests.push({
      method: init.method ?? "GET",
      path: url,
      headers: { ...(init.headers as Record<string, string> | undefined) },
      body: typeof init.body === "string" ? JSON.parse(init.body) : undefined,
      status: res.status,
      response: type.includes("json") ? await copy.json() : await copy.text()
    })
    return res
  }
  const context = vm.createContext({
    document: {
      getElementById: (id: string) => {
        const element = elements.get(id)
        if (element === undefined) throw new Error(`the script asks for #${id}, which the page does not have`)
        return element
      }
    },
    fetch: pageFetch,
    JSON,
    URL,
    Blob,
    // The page polls every 2 s; faster here, the same code path.
    setInterval: (f: () => void) => {
      const t = setInterval(f, 100)
      timers.add(t)
      return t
    },
    clearInterval: (t: ReturnType<typeof setInterval>) => {
      clearInterval(t)
      timers.delete(t)
    }
  })
  vm.runInContext(scriptOf(page), context)
  const el = (id: string) => elements.get(id)!
  return {
    el,
    requests,
    polling: () => timers.size > 0,
    close: () => {
      for (const t of timers) clearInterval(t)
      timers.clear()
    },
    /** What the user reads in the status line. */
    status: () => ({ text: el("status").textContent, className: el("status").className }),
    /** The answer to the page's last successful POST /auth/qr. */
    started: () =>
      requests.filter((r) => r.method === "POST" && r.path === "/api/v3/auth/qr" && r.status === 200).at(-1)?.response as
        | { token: string; qr_url: string }
        | undefined
  }
}

const waitUntil = async (what: string, check: () => boolean, timeoutMs = 20_000) => {
  const deadline = Date.now() + timeoutMs
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 20))
  }
}

describe("GET /login", () => {
  it("is a self-contained page: a form for the session name, the QR area, a password form, and its script", () => {
    expect(html).toMatch(/^<!doctype html>/i)
    expect(html).toMatch(/<form id="start">/)
    expect(html).toMatch(/<input type="text" id="username" required pattern="\[A-Za-z0-9_\]\[A-Za-z0-9_.\\-\]\{0,63\}"/)
    expect(html).toMatch(/<input type="checkbox" id="force">/)
    expect(html).toMatch(/<form id="password" class="hidden">/)
    expect(html).toMatch(/<input type="password" id="pw"/)
    expect(html).toMatch(/Settings &gt; Devices &gt; Link Desktop Device/)
    // Nothing loaded from elsewhere.
    expect(html).not.toMatch(/<(script|link|img)[^>]+(src|href)="(https?:)?\/\//)
    // The calls the script makes are the API's.
    const script = scriptOf(html)
    for (const call of ['"/api/v3/auth/" + kind', '"/api/v3/auth/" + kind + "/" + token', '"/qr.svg"', '"/code"', '"/resend"', '"/2fa"']) {
      expect(script).toContain(call)
    }
    // The session-name pattern is the server's.
    const pattern = new RegExp(`^(?:${/pattern="([^"]+)"/.exec(html)![1]!.replace(/\\\\/g, "\\")})$`)
    for (const ok of ["me", "a.b-c_d", "x".repeat(64)]) expect(pattern.test(ok), ok).toBe(true)
    for (const bad of ["../x", ".x", "-x", "x".repeat(65), "a b"]) expect(pattern.test(bad), bad).toBe(false)
  })

  it("drives a login with 2FA: the code, the scan, a wrong password, the right one, done", async () => {
    const page = openPage(html)
    try {
      page.el("apitoken").value = API_TOKEN
      page.el("username").value = "pagebob"
      await page.el("start").fire("submit")
      await waitUntil("the code to show", () => page.el("qr").visible && page.el("qr").img!.src !== "")
      expect(page.status()).toEqual({ text: "Waiting for the scan...", className: "" })
      expect(page.el("qr").img!.src).toMatch(/^blob:/)
      const started = page.started()!
      expect(page.requests[0]).toMatchObject({
        method: "POST",
        path: "/api/v3/auth/qr",
        body: { username: "pagebob", force: false },
        headers: { authorization: `Bearer ${API_TOKEN}` },
        status: 200
      })
      const svg = page.requests.find((r) => r.path === `/api/v3/auth/qr/${started.token}/qr.svg`)
      expect(svg?.status).toBe(200)
      expect(String(svg?.response)).toMatch(/^<svg/)

      expect(await scan(e2e, started.qr_url, 1002)).toBe(200)
      await waitUntil("the password form", () => page.el("password").visible)
      expect(page.el("qr").visible).toBe(false)
      expect(page.status().text).toBe("Enter your two-step verification password.")

      page.el("pw").value = "wrong-password"
      await page.el("password").fire("submit")
      expect(page.el("pw").value).toBe("") // not left in the field
      await waitUntil("the wrong password to be reported", () => /wrong/i.test(page.status().text))
      expect(page.status().className).toBe("error")
      expect(page.el("password").visible).toBe(true)

      page.el("pw").value = "hunter2"
      await page.el("password").fire("submit")
      await waitUntil("the end", () => page.status().className === "ok")
      expect(page.status().text).toBe("Done: session 'pagebob' is logged in. You can close this page.")
      expect(page.el("password").visible).toBe(false)
      expect(page.polling()).toBe(false)
      expect(fs.existsSync(path.join(e2e.server.dataDir, "sessions", "pagebob.session"))).toBe(true)
      const passwords = page.requests.filter((r) => r.path.endsWith("/2fa")).map((r) => r.body)
      expect(passwords).toEqual([{ password: "wrong-password" }, { password: "hunter2" }])
    } finally {
      page.close()
    }
  })

  it("re-fetches the image when qr_url is refreshed, and reports a login that went away", async () => {
    const page = openPage(html)
    try {
      page.el("apitoken").value = API_TOKEN
      page.el("username").value = "pagerefresh"
      await page.el("start").fire("submit")
      const images = () => page.requests.filter((r) => r.path.endsWith("/qr.svg"))
      // Tokens live 3 s in this scenario: the page must follow at least one refresh.
      await waitUntil("a second code", () => images().length >= 2)
      const urls = new Set(
        page.requests.filter((r) => r.method === "GET" && !r.path.endsWith(".svg")).map((r) => (r.response as { qr_url: string }).qr_url)
      )
      expect(urls.size).toBeGreaterThanOrEqual(2)
      expect(new Set(images().map((r) => r.response)).size).toBe(images().length) // each a new code
      const { token } = page.started()!
      await fetch(`${e2e.server.url}/api/v3/auth/qr/${token}`, { method: "DELETE", headers: { authorization: `Bearer ${API_TOKEN}` } })
      await waitUntil("the page to notice", () => page.status().className === "error")
      expect(page.status().text).toMatch(/not found/)
      expect(page.polling()).toBe(false)
    } finally {
      page.close()
    }
  })

  it("shows the server's reason when a login cannot start, and force replaces an existing session", async () => {
    const page = openPage(html)
    try {
      page.el("username").value = "pagebob"
      await page.el("start").fire("submit")
      expect(page.status()).toEqual({ text: expect.stringMatching(/API token/), className: "error" })

      page.el("apitoken").value = API_TOKEN
      await page.el("start").fire("submit")
      expect(page.status()).toEqual({ text: expect.stringMatching(/already exists.*force/), className: "error" })

      page.el("username").value = "../etc"
      await page.el("start").fire("submit")
      expect(page.status()).toEqual({ text: expect.stringMatching(/Invalid session name/), className: "error" })
      expect(page.polling()).toBe(false)

      page.el("username").value = "pagebob"
      page.el("force").checked = true
      await page.el("start").fire("submit")
      expect(page.requests.filter((r) => r.method === "POST").at(-1)?.body).toEqual({ username: "pagebob", force: true })
      await waitUntil("the code to show", () => page.el("qr").visible)
      expect(await scan(e2e, page.started()!.qr_url, 1001)).toBe(200)
      await waitUntil("the end", () => page.status().className === "ok")
    } finally {
      page.close()
    }
  })
})
