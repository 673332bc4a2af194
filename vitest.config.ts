import { defineConfig } from "vitest/config"
import { BaseSequencer, type TestSpecification } from "vitest/node"

/**
 * The files that take longest (20-35 s each, measured on the 2-core machine), started first. Vitest orders a run
 * by the durations it cached from the last one, and without that cache (a clean clone, as in CI) by file size:
 * these are small files, so they would start last and leave one worker running alone at the end.
 */
const SLOWEST = [
  "test/e2e/web-app.test.ts",
  "test/e2e/live-updates-restarts.test.ts",
  "test/mcp/history-pages.test.ts",
  "test/e2e/dialogs.test.ts",
  "test/e2e/login.test.ts",
  "test/e2e/history-parallel.test.ts",
  "test/e2e/history-parallel-crash.test.ts",
  "test/e2e/history-realistic.test.ts",
  "test/e2e/history-faults.test.ts",
  "test/e2e/proxy.test.ts",
  "test/e2e/login-expiry.test.ts",
  "test/e2e/auth-cli.test.ts",
  "test/mcp/stdio.test.ts",
  "test/e2e/readme.test.ts",
  "test/e2e/login-browser.test.ts",
  "test/e2e/live-updates.test.ts"
]

class SlowestFirst extends BaseSequencer {
  override async sort(files: Array<TestSpecification>): Promise<Array<TestSpecification>> {
    const sorted = await super.sort(files)
    const rank = (f: TestSpecification) => {
      const at = SLOWEST.findIndex((name) => f.moduleId.endsWith(name))
      return at === -1 ? SLOWEST.length : at
    }
    return [...sorted].sort((a, b) => rank(a) - rank(b))
  }
}

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts", "web/test/**/*.test.ts"],
    globalSetup: ["test/support/globalSetup.ts"],
    pool: "forks",
    // Test files share their worker's module cache instead of each loading effect, @effect/platform and
    // GramJS afresh: importing them was a third of the suite's time (collect 94 s of 420 s on the 2-core
    // machine). Files keep no state across one another: every server, emulator, database and temporary
    // directory is created and closed by the file that uses it.
    isolate: false,
    // Both cores: vitest's default leaves one free (one worker on this 2-core machine), yet most e2e time is spent
    // waiting on servers, emulators and timers, so two workers nearly halve the wall time (442 s -> 246 s measured).
    maxWorkers: 2,
    minWorkers: 1,
    sequence: { sequencer: SlowestFirst },
    testTimeout: 60_000,
    hookTimeout: 60_000,
    reporters: ["default"]
  }
})
