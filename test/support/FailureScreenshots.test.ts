/**
 * Where a browser test's failure screenshots go (FailureScreenshots.ts): not
 * under the run's temp root, which globalSetup removes at the end of the run
 * (os.tmpdir() is inside it while tests run), but in the project's
 * git-ignored test-results/screenshots/, or TGSC_TEST_SCREENSHOTS.
 */
import { execFileSync } from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { describe, expect, it } from "vitest"
import { saveScreenshots, screenshotsRoot } from "./FailureScreenshots.js"
import { projectRoot } from "./ServerProcess.js"

const inside = (dir: string, root: string) => !path.relative(fs.realpathSync(root), dir).startsWith("..")

describe("failure screenshots", () => {
  it("go to <project>/test-results/screenshots, outside the run's temp root (removed at the end), git-ignored", () => {
    const root = screenshotsRoot({})
    expect(root).toBe(path.join(projectRoot, "test-results", "screenshots"))
    expect(inside(root, os.tmpdir()), `${root} is under the run's temp root ${os.tmpdir()}`).toBe(false)
    const ignored = execFileSync("git", ["check-ignore", "-q", "--no-index", "test-results/screenshots/x/1-a.png"], { cwd: projectRoot })
    expect(ignored.toString()).toBe("")
  })

  it("TGSC_TEST_SCREENSHOTS names another folder", () => {
    expect(screenshotsRoot({ TGSC_TEST_SCREENSHOTS: "/somewhere/shots" })).toBe("/somewhere/shots")
  })

  it("one folder per test, numbered in order, an earlier run's replaced; the folder returned for the failure message", () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "tgsc-shots-"))
    const png = (n: number) => Buffer.from([0x89, 0x50, 0x4e, 0x47, n])
    saveScreenshots(root, "old run", [["a", png(0)], ["b", png(0)], ["c", png(0)]])
    const dir = saveScreenshots(root, "old run", [["start form", png(1)], ["FAILED-code step", png(2)]])
    expect(dir).toBe(path.join(root, "old-run"))
    expect(fs.readdirSync(dir).sort()).toEqual(["1-start-form.png", "2-FAILED-code-step.png"])
    expect(fs.readFileSync(path.join(dir, "2-FAILED-code-step.png"))).toEqual(png(2))
  })
})
