/**
 * The README's "Use as a library" program, taken from README.md at test time
 * (so the README cannot drift), type-checked and run as a consumer runs it:
 * `import ... from "tgsc"` resolved to the package's entry point
 * (src/index.ts, through tsconfig `paths`, the same mapping for the type
 * check and for tsx), against the emulator, with a session logged in
 * through the library. Its sink's output must be the dialog's whole history.
 */
import { spawn } from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import ts from "typescript"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { ExpectedHistory } from "../e2e/HistoryExpect.js"
import { cleanEnv, projectRoot } from "../support/ServerProcess.js"
import { API_HASH, API_ID, type LibraryFixture, loginThroughLibrary, sampleWorld, startLibraryFixture } from "./LibraryFixture.js"

/** The one ```ts block of the README section with this `## ` heading. */
const readmeProgram = (heading: string): string => {
  const readme = fs.readFileSync(path.join(projectRoot, "README.md"), "utf8")
  const start = readme.indexOf(`\n## ${heading}\n`)
  if (start < 0) throw new Error(`README has no section "## ${heading}"`)
  const next = readme.indexOf("\n## ", start + 1)
  const blocks = [...readme.slice(start, next < 0 ? undefined : next).matchAll(/```ts\n([\s\S]*?)```/g)]
  if (blocks.length !== 1) throw new Error(`README section "${heading}" has ${blocks.length} ts blocks, expected one`)
  return blocks[0]![1]!
}

/**
 * A scratch project holding the program: "tgsc" mapped to the source entry
 * point, everything else (effect, tsx, @types/node) from this checkout's
 * node_modules, as an installed package would find them.
 */
const scratchProject = (source: string) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tgsc-readme-library-"))
  fs.symlinkSync(path.join(projectRoot, "node_modules"), path.join(dir, "node_modules"), "dir")
  // An ES module project, as the package requires.
  fs.writeFileSync(path.join(dir, "package.json"), JSON.stringify({ name: "readme-program", private: true, type: "module" }))
  const file = path.join(dir, "export-history.ts")
  fs.writeFileSync(file, source)
  const tsconfig = path.join(dir, "tsconfig.json")
  fs.writeFileSync(tsconfig, JSON.stringify({
    compilerOptions: {
      target: "ES2022",
      module: "NodeNext",
      moduleResolution: "NodeNext",
      strict: true,
      skipLibCheck: true,
      types: ["node"],
      noEmit: true,
      paths: { tgsc: [path.join(projectRoot, "src/index.ts")] }
    },
    files: ["export-history.ts"]
  }))
  return { dir, file, tsconfig }
}

/** Type errors in the program itself (the library's own sources are checked by `npm run typecheck`). */
const typeErrors = (tsconfig: string, file: string): Array<string> => {
  const parsed = ts.getParsedCommandLineOfConfigFile(tsconfig, {}, {
    ...ts.sys,
    onUnRecoverableConfigFileDiagnostic: (d) => {
      throw new Error(ts.flattenDiagnosticMessageText(d.messageText, "\n"))
    }
  })!
  const program = ts.createProgram({ rootNames: parsed.fileNames, options: parsed.options })
  return ts.getPreEmitDiagnostics(program, program.getSourceFile(file)).map((d) => {
    const where = d.file && d.start !== undefined ? d.file.getLineAndCharacterOfPosition(d.start) : undefined
    return `${where ? `${where.line + 1}:${where.character + 1} ` : ""}${ts.flattenDiagnosticMessageText(d.messageText, "\n")}`
  })
}

/** Runs a TypeScript program with tsx; `lingeredMs` is how long it stayed alive after its last output. */
const run = (args: ReadonlyArray<string>, options: { cwd: string; env: NodeJS.ProcessEnv }) =>
  new Promise<{ code: number | null; stdout: string; stderr: string; lingeredMs: number }>((resolve) => {
    const child = spawn(process.execPath, ["--import", "tsx", ...args], options)
    let stdout = ""
    let stderr = ""
    let lastOutput = Date.now()
    child.stdout.on("data", (d) => {
      stdout += d
      lastOutput = Date.now()
    })
    child.stderr.on("data", (d) => {
      stderr += d
      lastOutput = Date.now()
    })
    const timer = setTimeout(() => child.kill("SIGKILL"), 60_000)
    child.on("exit", (code) => {
      clearTimeout(timer)
      resolve({ code, stdout, stderr, lingeredMs: Date.now() - lastOutput })
    })
  })

describe("README: Use as a library", () => {
  let fixture: LibraryFixture
  beforeAll(async () => {
    fixture = await startLibraryFixture()
    await loginThroughLibrary(fixture, "me", 1001)
  })
  afterAll(async () => {
    await fixture?.stop()
  })

  it("the program compiles against the package's types, lists the dialogs and streams a history into its sink", async () => {
    const project = scratchProject(readmeProgram("Use as a library"))
    try {
      expect(fs.readFileSync(project.file, "utf8")).toContain('from "tgsc"')
      expect(typeErrors(project.tsconfig, project.file)).toEqual([])

      const result = await run([project.file, "Family"], {
        cwd: project.dir,
        env: cleanEnv({
          ...fixture.emulator.env,
          TGSC_DATA_DIR: fixture.dataDir,
          TELEGRAM_API_ID: String(API_ID),
          TELEGRAM_API_HASH: API_HASH,
          TSX_TSCONFIG_PATH: project.tsconfig
        })
      })
      expect(result.code, result.stderr + result.stdout).toBe(0)
      // The listing: the sample account's ten most recent dialogs, Family among them.
      expect(result.stdout).toMatch(/^\d+ dialogs; the most recent:$/m)
      expect(result.stdout).toMatch(/^-2001\tgroup\tFamily$/m)

      const expected = new ExpectedHistory(sampleWorld()).views("chat:2001", { owner: 1001 })
      const lines = fs.readFileSync(path.join(project.dir, "history.jsonl"), "utf8").trim().split("\n")
      expect(lines.map((l) => JSON.parse(l) as unknown)).toEqual(expected)
      expect(result.stdout).toContain(`${expected.length} messages of Family written to history.jsonl`)
      // It ends by itself once done: no Telegram connection or timer left behind (GramJS's
      // media-DC senders once kept a finished program alive for 30 s).
      expect(result.lingeredMs).toBeLessThan(5_000)
    } finally {
      fs.rmSync(project.dir, { recursive: true, force: true })
    }
  })
})
