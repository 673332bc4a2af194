/**
 * The package's public surface as a consumer gets it: package.json's entry
 * point is the built src/index.ts; no declaration reachable from
 * dist/index.d.ts brings in GramJS (`telegram`, `big-integer`) or the
 * SQLite driver (`better-sqlite3`) types, so a consumer compiles without
 * them and we may change them freely; and importing the entry point and
 * building TgscLive loads no GramJS (it is loaded on the first Telegram call).
 *
 * The declarations are dist/'s when it is up to date (CI: `npm ci` builds
 * it); otherwise they are emitted in memory from src/ with the build's own
 * options, so the check never looks at stale files.
 */
import { spawn } from "node:child_process"
import * as fs from "node:fs"
import * as path from "node:path"
import ts from "typescript"
import { describe, expect, it } from "vitest"
import { projectRoot } from "../support/ServerProcess.js"

/** Packages whose types must stay private: bare specifiers, and their files once resolved. */
const FORBIDDEN_SPECIFIER = /^(telegram|big-integer|better-sqlite3)(\/|$)/
const FORBIDDEN_FILE = /[\\/]node_modules[\\/](telegram|big-integer|better-sqlite3|@types[\\/]better-sqlite3)[\\/]/

/**
 * Compiler options for reading declarations as a consumer's compiler does.
 * `types: []`: no @types package is included unless a declaration asks for it
 * (by default every installed one would be, @types/better-sqlite3 among them).
 */
const consumerOptions: ts.CompilerOptions = {
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.NodeNext,
  moduleResolution: ts.ModuleResolutionKind.NodeNext,
  types: [],
  noEmit: true,
  skipLibCheck: true
}

/** Declaration files served from memory, everything else from disk. */
const hostWith = (files: ReadonlyMap<string, string>): ts.CompilerHost => {
  const host = ts.createCompilerHost(consumerOptions)
  const { directoryExists, fileExists, getSourceFile, readFile } = host
  host.fileExists = (f) => files.has(path.resolve(f)) || fileExists(f)
  host.readFile = (f) => files.get(path.resolve(f)) ?? readFile(f)
  host.directoryExists = (d) =>
    [...files.keys()].some((f) => f.startsWith(path.resolve(d) + path.sep)) || (directoryExists?.(d) ?? ts.sys.directoryExists(d))
  host.getSourceFile = (f, language, ...rest) => {
    const text = files.get(path.resolve(f))
    return text === undefined ? getSourceFile(f, language, ...rest) : ts.createSourceFile(f, text, language)
  }
  return host
}

/**
 * Every way a forbidden package is reachable from `entry`: a declaration of
 * ours importing it (resolved or not), or a file of it in the program, which
 * holds exactly the declarations reachable from the entry.
 */
const leaksFrom = (entry: string, host: ts.CompilerHost): Array<string> => {
  const program = ts.createProgram({ rootNames: [entry], options: consumerOptions, host })
  const leaks: Array<string> = []
  for (const file of program.getSourceFiles()) {
    if (FORBIDDEN_FILE.test(file.fileName)) {
      leaks.push(`reachable: ${path.relative(projectRoot, file.fileName)}`)
    } else if (!/[\\/]node_modules[\\/]/.test(file.fileName)) {
      for (const imported of ts.preProcessFile(file.text, true, true).importedFiles) {
        if (FORBIDDEN_SPECIFIER.test(imported.fileName)) {
          leaks.push(`${path.relative(projectRoot, file.fileName)} imports ${imported.fileName}`)
        }
      }
    }
  }
  if (program.getSourceFile(entry) === undefined) throw new Error(`no declarations at ${entry}`)
  return leaks
}

const newestSource = (dir: string): number =>
  Math.max(
    ...(fs.readdirSync(dir, { recursive: true }) as Array<string>)
      .filter((f) => f.endsWith(".ts"))
      .map((f) => fs.statSync(path.join(dir, f)).mtimeMs)
  )

/** The entry point's declarations: dist's if up to date, else emitted in memory (where dist's would be). */
const publicDeclarations = (): { entry: string; host: ts.CompilerHost; from: "dist" | "memory" } => {
  const distEntry = path.join(projectRoot, "dist", "index.d.ts")
  if (fs.existsSync(distEntry) && fs.statSync(distEntry).mtimeMs >= newestSource(path.join(projectRoot, "src"))) {
    return { entry: distEntry, host: hostWith(new Map()), from: "dist" }
  }
  const build = ts.getParsedCommandLineOfConfigFile(path.join(projectRoot, "tsconfig.build.json"), {}, {
    ...ts.sys,
    onUnRecoverableConfigFileDiagnostic: (d) => {
      throw new Error(ts.flattenDiagnosticMessageText(d.messageText, "\n"))
    }
  })!
  // Inside the project, so bare imports resolve from its node_modules as dist's do; never written to disk.
  const outDir = path.join(projectRoot, ".public-types-probe")
  const program = ts.createProgram({
    rootNames: [path.join(projectRoot, "src", "index.ts")],
    options: { ...build.options, outDir, noEmit: false, declaration: true, emitDeclarationOnly: true, declarationMap: false }
  })
  const files = new Map<string, string>()
  program.emit(undefined, (fileName, text) => files.set(path.resolve(fileName), text))
  return { entry: path.join(outDir, "index.d.ts"), host: hostWith(files), from: "memory" }
}

const runNode = (args: ReadonlyArray<string>) =>
  new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(process.execPath, args, { cwd: projectRoot })
    let stdout = ""
    let stderr = ""
    child.stdout.on("data", (d) => (stdout += d))
    child.stderr.on("data", (d) => (stderr += d))
    child.on("exit", (code) => resolve({ code, stdout, stderr }))
  })

describe("the package's public surface", () => {
  it("package.json points at src/index.ts as built to dist/, with its declarations, and keeps the commands", () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(projectRoot, "package.json"), "utf8")) as {
      exports: Record<string, unknown>
      bin: Record<string, string>
      files: Array<string>
    }
    expect(pkg.exports["."]).toEqual({ types: "./dist/index.d.ts", import: "./dist/index.js" })
    expect(Object.keys(pkg.bin).sort()).toEqual(["tgsc-auth", "tgsc-mcp", "tgsc-server"])
    expect(pkg.files).toContain("dist")
    const build = JSON.parse(fs.readFileSync(path.join(projectRoot, "tsconfig.build.json"), "utf8")) as {
      compilerOptions: { rootDir: string; outDir: string; declaration: boolean }
    }
    expect(build.compilerOptions).toMatchObject({ rootDir: "src", outDir: "dist", declaration: true })
  })

  it("the leak check finds a forbidden import, resolved or not", () => {
    const dir = path.join(projectRoot, ".public-types-probe")
    const probe = new Map([
      [path.join(dir, "index.d.ts"), 'export type { Client } from "./client.js"\nexport type Row = import("better-sqlite3").Database\n'],
      [path.join(dir, "client.d.ts"), 'import type { TelegramClient } from "telegram"\nexport type Client = TelegramClient\n']
    ])
    const leaks = leaksFrom(path.join(dir, "index.d.ts"), hostWith(probe))
    expect(leaks).toEqual(expect.arrayContaining([
      ".public-types-probe/index.d.ts imports better-sqlite3",
      ".public-types-probe/client.d.ts imports telegram",
      expect.stringMatching(/^reachable: node_modules\/telegram\//),
      expect.stringMatching(/^reachable: node_modules\/@types\/better-sqlite3\//)
    ]))
  })

  it("no declaration reachable from the entry point imports GramJS, big-integer or better-sqlite3", () => {
    const { entry, from, host } = publicDeclarations()
    expect(leaksFrom(entry, host), `declarations from ${from}`).toEqual([])
  }, 120_000)

  it("importing the entry point and building TgscLive loads no GramJS; the first Telegram call does", async () => {
    const script = `
      import { createRequire } from "node:module"
      import * as fs from "node:fs"
      import * as os from "node:os"
      import * as path from "node:path"
      import { Effect } from "effect"
      import { SettingsStore, TelegramGateway, TgscLive, sessionName } from "./src/index.ts"
      const gramJs = () => Object.keys(createRequire(import.meta.url).cache).filter((k) => /node_modules[\\\\/](telegram|big-integer)[\\\\/]/.test(k)).length
      const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "tgsc-lazy-"))
      const counts = await Effect.runPromise(Effect.gen(function*() {
        yield* (yield* SettingsStore).get
        const before = gramJs()
        // No saved session: the adapter answers SessionRevoked, after loading.
        yield* Effect.either((yield* TelegramGateway).account(yield* sessionName("nobody")))
        return { before, after: gramJs() }
      }).pipe(Effect.provide(TgscLive({ dataDir, telegram: { apiId: 1, apiHash: "x" } }))))
      fs.rmSync(dataDir, { recursive: true, force: true })
      console.log(JSON.stringify(counts))
    `
    const result = await runNode(["--import", "tsx", "--input-type=module", "-e", script])
    expect(result.code, result.stderr).toBe(0)
    const counts = JSON.parse(result.stdout.trim().split("\n").at(-1)!) as { before: number; after: number }
    expect(counts.before).toBe(0)
    expect(counts.after).toBeGreaterThan(0)
  }, 60_000)
})
