/**
 * A page in Debian's chromium for the browser tests: every request it makes
 * recorded, any request to another origin refused and recorded (none may
 * leave the server's origin), console errors and page errors collected (a
 * CSP violation shows up there), and steps that keep a screenshot each,
 * written where FailureScreenshots says when a step fails. With
 * TGSC_SCREENSHOTS set (`npm run screenshots`), the named screens are also
 * written there (the README's docs/images).
 *
 * axe-core runs in the page through the DevTools protocol (page.evaluate),
 * so the page's CSP, which forbids any script but its own, stays enforced.
 */
import { createRequire } from "node:module"
import * as fs from "node:fs"
import * as path from "node:path"
import type { Browser, BrowserContext, Page } from "playwright-core"
import { saveScreenshots, screenshotsRoot } from "./FailureScreenshots.js"
import { projectRoot } from "./ServerProcess.js"

export const CHROMIUM = "/usr/bin/chromium"

export interface BrowserSession {
  readonly context: BrowserContext
  readonly page: Page
  readonly step: (label: string, run: () => Promise<void>) => Promise<void>
  /** Every request of the context: the page's and its service worker's. */
  readonly requests: Array<{ readonly method: string; readonly url: string; readonly headers: Record<string, string> }>
  /** Requests to any other origin (refused). */
  readonly offOrigin: Array<string>
  readonly problems: Array<string>
  /** Writes the page as docs/images/<name>.png when TGSC_SCREENSHOTS names a folder. */
  readonly screen: (name: string) => Promise<void>
  readonly close: () => Promise<void>
}

export const openBrowserSession = async (
  browser: Browser,
  origin: string,
  test: string,
  viewport = { width: 1280, height: 800 }
): Promise<BrowserSession> => {
  const context = await browser.newContext({ viewport })
  const offOrigin: Array<string> = []
  await context.route((url) => url.origin !== origin, async (route) => {
    offOrigin.push(route.request().url())
    await route.abort("blockedbyclient")
  })
  const page = await context.newPage()
  page.setDefaultTimeout(20_000)
  const requests: BrowserSession["requests"] = []
  const problems: Array<string> = []
  context.on("request", (r) => requests.push({ method: r.method(), url: r.url(), headers: r.headers() }))
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
      throw new Error(`step "${label}" failed (screenshots in ${dir}): ${error instanceof Error ? error.stack : String(error)}`)
    }
  }
  const screen = async (name: string) => {
    const dir = process.env.TGSC_SCREENSHOTS
    if (dir === undefined || dir === "") return
    const target = path.resolve(projectRoot, dir)
    fs.mkdirSync(target, { recursive: true })
    await page.screenshot({ path: path.join(target, `${name}.png`) })
  }
  return { context, page, step, requests, offOrigin, problems, screen, close: () => context.close() }
}

const axeSource = fs.readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8")

export interface AxeViolation {
  readonly id: string
  readonly impact: string | null
  readonly help: string
  readonly nodes: ReadonlyArray<{ readonly target: ReadonlyArray<string> }>
}

/** axe-core's serious and critical violations on the page as it is now (WCAG 2 A and AA rules). */
export const seriousViolations = async (page: Page): Promise<Array<string>> => {
  await page.evaluate(axeSource)
  const violations = await page.evaluate(async () => {
    const axe = (globalThis as unknown as { axe: { run: (ctx: unknown, opts: unknown) => Promise<{ violations: Array<AxeViolation> }> } }).axe
    const result = await axe.run((globalThis as unknown as { document: unknown }).document, { runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] } })
    return result.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => ({ target: n.target })) }))
  })
  return violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${v.impact} ${v.id}: ${v.help} (${v.nodes.slice(0, 3).map((n) => n.target.join(" ")).join("; ")})`)
}
