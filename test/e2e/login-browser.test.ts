/**
 * GET /login in a real browser: Debian's chromium (/usr/bin/chromium, never
 * a downloaded one) driven by playwright-core, against the real server and
 * the emulator, with the server's Content-Security-Policy enforced. A QR
 * login with 2FA; phone logins with a wrong then a right code, a resend, and
 * 2FA after the code; the API token field. One browser for the file, a fresh
 * context per test. Each step's screenshot is kept, and written when a step
 * fails, under test-results/screenshots/<test>/ in the project (outside the
 * run's temp dir, which the run's end removes; TGSC_TEST_SCREENSHOTS names
 * another folder): the error names the folder.
 *
 * Without chromium the file fails at launch: a browser test never skips.
 */
import * as fs from "node:fs"
import { type Browser, chromium, type Page } from "playwright-core"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { type E2e, startE2e } from "../support/E2e.js"
import { ALICE_PHONE, BOB_PHONE, lastCode, phoneScenario, wrongCodeFor } from "../support/PhoneLoginSteps.js"
import { scan } from "../support/QrLoginSteps.js"
import { saveScreenshots, screenshotsRoot } from "../support/FailureScreenshots.js"
import { sessionFilePath } from "../support/ServerProcess.js"

const CHROMIUM = "/usr/bin/chromium"
const API_TOKEN = "browser-test-token-3318"
const STEP_TIMEOUT = 20_000
/** How long a status line may take to show: a 2FA check costs Telegram (and the emulator) real work, slow on a loaded machine. */
const POLL = { timeout: STEP_TIMEOUT, interval: 50 }

let e2e: E2e
let browser: Browser

beforeAll(async () => {
  ;[e2e, browser] = await Promise.all([
    startE2e({ scenario: phoneScenario({ phone_codes_per_hour: 1000 }), serverEnv: { TGSC_API_TOKEN: API_TOKEN } }),
    chromium.launch({ executablePath: CHROMIUM })
  ])
}, 60_000)

afterAll(async () => {
  await browser?.close()
  await e2e?.stop()
})

interface Session {
  readonly page: Page
  /** Runs one step; on failure writes every screenshot so far and this one where the run's end leaves them (FailureScreenshots). */
  readonly step: (label: string, run: () => Promise<void>) => Promise<void>
  /** Requests the page sent to the server, with their headers. */
  readonly requests: Array<{ readonly method: string; readonly url: string; readonly headers: Record<string, string> }>
  /** Console errors (but the 4xx answers chromium logs) and page errors: a CSP violation shows up here. */
  readonly problems: Array<string>
  readonly close: () => Promise<void>
}

const open = async (test: string): Promise<Session> => {
  const context = await browser.newContext()
  const page = await context.newPage()
  page.setDefaultTimeout(STEP_TIMEOUT)
  const requests: Session["requests"] = []
  const problems: Array<string> = []
  page.on("request", (r) => requests.push({ method: r.method(), url: r.url(), headers: r.headers() }))
  // Chromium logs every 4xx answer as a console error: those are the API's answers, not the page's problems.
  page.on("console", (m) => {
    if (m.type() === "error" && !/^Failed to load resource: the server responded with a status of 4\d\d/.test(m.text())) problems.push(m.text())
  })
  page.on("pageerror", (e) => problems.push(e.message))
  const shots: Array<readonly [string, Buffer]> = []
  const step = async (label: string, run: () => Promise<void>) => {
    try {
      await run()
      shots.push([label, await page.screenshot()])
    } catch (error) {
      const failed = await page.screenshot().catch(() => undefined)
      const dir = saveScreenshots(screenshotsRoot(), test, failed === undefined ? shots : [...shots, [`FAILED-${label}`, failed]])
      throw new Error(`step "${label}" failed (screenshots in ${dir}): ${error instanceof Error ? error.message : String(error)}`)
    }
  }
  await page.goto(`${e2e.server.url}/login`)
  return { page, step, requests, problems, close: () => context.close() }
}

const status = (page: Page) => page.locator("#status")

/** Fills the start form; `phone` picks the phone method. */
const fillStart = async (page: Page, username: string, options: { readonly token?: string; readonly phone?: string } = {}) => {
  await page.fill("#username", username)
  if (options.token !== undefined) await page.fill("#apitoken", options.token)
  if (options.phone !== undefined) {
    await page.check("#by-phone")
    await page.fill("#phone", options.phone)
  }
}

describe("/login in chromium", () => {
  it("QR login with 2FA: the code shown, the scan, a wrong password, the right one", async () => {
    const s = await open("qr-2fa")
    try {
      let qrUrl = ""
      await s.step("start", async () => {
        await fillStart(s.page, "browser-bob", { token: API_TOKEN })
        expect(await s.page.textContent("#go")).toBe("Show QR code")
        const started = s.page.waitForResponse((r) => r.url().endsWith("/api/v3/auth/qr") && r.request().method() === "POST")
        await s.page.click("#go")
        qrUrl = ((await (await started).json()) as { qr_url: string }).qr_url
        await expect.poll(() => s.page.locator("#qr img").getAttribute("src"), POLL).toMatch(/^blob:/)
        expect(await s.page.isVisible("#qr img")).toBe(true)
        // The image really is a picture the browser decoded.
        expect(await s.page.locator("#qr img").evaluate((img) => (img as unknown as { naturalWidth: number }).naturalWidth)).toBeGreaterThan(50)
        await expect.poll(() => status(s.page).textContent(), POLL).toBe("Waiting for the scan...")
      })
      await s.step("scan", async () => {
        expect(await scan(e2e, qrUrl, 1002)).toBe(200)
        await s.page.waitForSelector("#password", { state: "visible" })
        expect(await s.page.isVisible("#qr")).toBe(false)
        expect(await status(s.page).textContent()).toBe("Enter your two-step verification password.")
      })
      await s.step("wrong password", async () => {
        await s.page.fill("#pw", "not-the-password")
        await s.page.click("#password button[type=submit]")
        await expect.poll(() => status(s.page).textContent(), POLL).toBe("Wrong 2FA password, try again")
        expect(await status(s.page).getAttribute("class")).toBe("error")
        expect(await s.page.inputValue("#pw")).toBe("")
      })
      await s.step("right password", async () => {
        await s.page.fill("#pw", "hunter2")
        await s.page.click("#password button[type=submit]")
        await expect.poll(() => status(s.page).textContent(), POLL).toBe("Done: session 'browser-bob' is logged in. You can close this page.")
        expect(await status(s.page).getAttribute("class")).toBe("ok")
        expect(await s.page.isVisible("#password")).toBe(false)
        expect(fs.existsSync(sessionFilePath(e2e.server.dataDir, "browser-bob"))).toBe(true)
      })
      expect(s.problems).toEqual([])
    } finally {
      await s.close()
    }
  })

  it("phone login: the code sent to the masked number, a wrong code, a new code by SMS, the right one", async () => {
    const s = await open("phone-wrong-then-right")
    try {
      await s.step("choose phone", async () => {
        expect(await s.page.isVisible("#phone")).toBe(false)
        await fillStart(s.page, "browser-alice", { token: API_TOKEN, phone: ALICE_PHONE })
        expect(await s.page.isVisible("#phone")).toBe(true)
        expect(await s.page.textContent("#go")).toBe("Send me a code")
      })
      await s.step("code sent", async () => {
        await s.page.click("#go")
        await s.page.waitForSelector("#code", { state: "visible" })
        expect(await status(s.page).textContent()).toBe(
          "Telegram sent a login code to +15*******01 in the Telegram app where you are logged in. " +
            "Enter it below, or ask for a new one by SMS."
        )
        expect(await s.page.isVisible("#qr")).toBe(false)
      })
      await s.step("wrong code", async () => {
        await s.page.fill("#codein", wrongCodeFor((await lastCode(e2e, ALICE_PHONE)).code))
        await s.page.click("#code button[type=submit]")
        await expect.poll(() => status(s.page).textContent(), POLL).toBe("The code is wrong (PHONE_CODE_INVALID): 4 attempts left")
        expect(await status(s.page).getAttribute("class")).toBe("error")
        expect(await s.page.inputValue("#codein")).toBe("")
        // The next poll keeps the message.
        await s.page.waitForTimeout(2500)
        expect(await status(s.page).textContent()).toBe("The code is wrong (PHONE_CODE_INVALID): 4 attempts left")
      })
      await s.step("new code", async () => {
        await s.page.click("#resend")
        await expect.poll(() => status(s.page).textContent(), POLL).toMatch(/^Telegram sent a login code to \+15\*{7}01 by SMS\./)
        expect((await lastCode(e2e, ALICE_PHONE)).type).toBe("sms")
      })
      await s.step("right code", async () => {
        await s.page.fill("#codein", (await lastCode(e2e, ALICE_PHONE)).code)
        await s.page.press("#codein", "Enter")
        await expect.poll(() => status(s.page).textContent(), POLL).toBe("Done: session 'browser-alice' is logged in. You can close this page.")
        expect(await s.page.isVisible("#code")).toBe(false)
        expect(fs.existsSync(sessionFilePath(e2e.server.dataDir, "browser-alice"))).toBe(true)
      })
      const sentCode = s.requests.filter((r) => r.url.endsWith("/code"))
      expect(sentCode).toHaveLength(2)
      expect(s.problems).toEqual([])
    } finally {
      await s.close()
    }
  })

  it("phone login with 2FA: the code, then the password", async () => {
    const s = await open("phone-2fa")
    try {
      await s.step("code", async () => {
        await fillStart(s.page, "browser-bob-phone", { token: API_TOKEN, phone: BOB_PHONE })
        await s.page.click("#go")
        await s.page.waitForSelector("#code", { state: "visible" })
        await s.page.fill("#codein", (await lastCode(e2e, BOB_PHONE)).code)
        await s.page.click("#code button[type=submit]")
        await s.page.waitForSelector("#password", { state: "visible" })
        expect(await s.page.isVisible("#code")).toBe(false)
        expect(await status(s.page).textContent()).toBe("Enter your two-step verification password.")
      })
      await s.step("password", async () => {
        await s.page.fill("#pw", "hunter2")
        await s.page.click("#password button[type=submit]")
        await expect.poll(() => status(s.page).textContent(), POLL).toBe("Done: session 'browser-bob-phone' is logged in. You can close this page.")
      })
      expect(s.problems).toEqual([])
    } finally {
      await s.close()
    }
  })

  it("the API token field: without it the server's 401 is shown; with it every call carries it, in a header only", async () => {
    const s = await open("token-field")
    try {
      await s.step("no token", async () => {
        await fillStart(s.page, "browser-carol", { phone: ALICE_PHONE })
        await s.page.click("#go")
        await expect.poll(() => status(s.page).getAttribute("class"), POLL).toBe("error")
        expect(await status(s.page).textContent()).toMatch(/API token/)
        expect(await s.page.isVisible("#code")).toBe(false)
        expect((await lastCode(e2e, ALICE_PHONE)).status).not.toBe("active")
      })
      await s.step("wrong token", async () => {
        await s.page.fill("#apitoken", "not-the-token")
        await s.page.click("#go")
        await expect.poll(() => status(s.page).textContent(), POLL).toMatch(/API token/)
      })
      await s.step("token", async () => {
        await s.page.fill("#apitoken", API_TOKEN)
        await s.page.click("#go")
        await s.page.waitForSelector("#code", { state: "visible" })
        await s.page.click("#resend")
        await expect.poll(() => status(s.page).textContent(), POLL).toMatch(/by SMS/)
      })
      const api = s.requests.filter((r) => new URL(r.url).pathname.startsWith("/api/"))
      expect(api.length).toBeGreaterThanOrEqual(4)
      const [first, second, ...rest] = api
      expect(first!.headers.authorization).toBeUndefined()
      expect(second!.headers.authorization).toBe("Bearer not-the-token")
      for (const r of rest) expect(r.headers.authorization, r.url).toBe(`Bearer ${API_TOKEN}`)
      for (const r of s.requests) {
        expect(r.url.startsWith(e2e.server.url), r.url).toBe(true)
        expect(r.url, r.url).not.toContain(API_TOKEN)
      }
      // The login is left pending: cancel it so the name is free.
      const started = (await (await fetch(`${e2e.server.url}/api/v3/auth/phone`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${API_TOKEN}` },
        body: JSON.stringify({ username: "browser-carol", phone: ALICE_PHONE })
      })).json()) as { detail?: string }
      expect(started.detail).toMatch(/already in progress/)
      expect(s.problems).toEqual([])
    } finally {
      await s.close()
    }
  })
})
