import { defineConfig } from "vitest/config"

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
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
    testTimeout: 60_000,
    hookTimeout: 60_000,
    reporters: ["default"]
  }
})
