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
    testTimeout: 60_000,
    hookTimeout: 60_000,
    reporters: ["default"]
  }
})
