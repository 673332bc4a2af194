/**
 * The layout README's Development section draws, enforced: no import cycle
 * between the files of src/, and each folder imports only the folders its
 * row allows. The web app (web/src) is a separate client of the REST API:
 * no cycle there either, and it imports nothing of the server's (nor Node's),
 * only its own files and Preact. Imports are read with the TypeScript compiler's own scanner
 * (ts.preProcessFile: static, `import type`, re-exports and `import()`),
 * without type checking, so the whole of src/ takes well under a second.
 */
import * as fs from "node:fs"
import * as path from "node:path"
import ts from "typescript"
import { describe, expect, it } from "vitest"

const SRC = path.resolve(import.meta.dirname, "..", "src")
const WEB = path.resolve(import.meta.dirname, "..", "web", "src")

/** The composition roots: they wire everything, so they may import anything. */
const ROOTS = new Set(["compose", "bin", "TgscLive", "index"])

/**
 * The folders each folder may import (besides itself), and the packages;
 * `node:` built-ins are allowed outside domain, ports and contract.
 */
const RULES: Record<string, { readonly folders: ReadonlyArray<string>; readonly packages: "effect" | "any" }> = {
  domain: { folders: [], packages: "effect" },
  ports: { folders: ["domain"], packages: "effect" },
  contract: { folders: ["domain", "ports"], packages: "effect" },
  app: { folders: ["domain", "ports", "contract"], packages: "any" },
  adapters: { folders: ["domain", "ports"], packages: "any" },
  // The server's configuration: read by cli, used by http and mcp; it names the Telegram adapter's settings.
  config: { folders: ["domain", "ports", "adapters"], packages: "any" },
  // The driving adapters: each may use everything beneath, never one another.
  http: { folders: ["domain", "ports", "contract", "app", "adapters", "config"], packages: "any" },
  mcp: { folders: ["domain", "ports", "contract", "app", "adapters", "config"], packages: "any" },
  cli: { folders: ["domain", "ports", "contract", "app", "adapters", "config"], packages: "any" }
}

const sourceFiles = (dir: string): Array<string> =>
  fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name)
    return entry.isDirectory() ? sourceFiles(full) : /\.tsx?$/.test(entry.name) ? [full] : []
  })

/** `domain`, `http`, `adapters` (all three), or a root file's name without `.ts`. */
const folderOf = (file: string): string => path.relative(SRC, file).split(path.sep)[0]!.replace(/\.ts$/, "")

const resolveImport = (from: string, specifier: string): string => {
  const target = path.resolve(path.dirname(from), specifier)
  const candidates = [target.replace(/\.js$/, ".ts"), target.replace(/\.js$/, ".tsx"), `${target}.ts`, path.join(target, "index.ts")]
  const found = candidates.find((candidate) => fs.existsSync(candidate))
  if (found === undefined) throw new Error(`${path.relative(SRC, from)}: cannot resolve ${specifier}`)
  return found
}

interface Imports {
  readonly files: ReadonlyArray<string>
  readonly packages: ReadonlyArray<string>
}

const importsOf = (file: string): Imports => {
  const scanned = ts.preProcessFile(fs.readFileSync(file, "utf8"), true, true).importedFiles.map((ref) => ref.fileName)
  return {
    files: scanned.filter((name) => name.startsWith(".")).map((name) => resolveImport(file, name)),
    packages: scanned.filter((name) => !name.startsWith("."))
  }
}

const files = sourceFiles(SRC)
const graph = new Map(files.map((file) => [file, importsOf(file)]))
const rel = (file: string) => path.relative(SRC, file)

/** Strongly connected components of more than one file, or a file importing itself (Tarjan). */
const cycles = (graph: ReadonlyMap<string, Imports>): Array<Array<string>> => {
  let next = 0
  const index = new Map<string, number>()
  const low = new Map<string, number>()
  const stack: Array<string> = []
  const onStack = new Set<string>()
  const found: Array<Array<string>> = []
  const visit = (v: string) => {
    index.set(v, next)
    low.set(v, next++)
    stack.push(v)
    onStack.add(v)
    for (const w of graph.get(v)!.files) {
      if (!index.has(w)) {
        visit(w)
        low.set(v, Math.min(low.get(v)!, low.get(w)!))
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!))
    }
    if (low.get(v) === index.get(v)) {
      const component: Array<string> = []
      let w: string
      do {
        w = stack.pop()!
        onStack.delete(w)
        component.push(rel(w))
      } while (w !== v)
      if (component.length > 1 || graph.get(v)!.files.includes(v)) found.push(component.sort())
    }
  }
  for (const file of graph.keys()) if (!index.has(file)) visit(file)
  return found
}

describe("architecture of src/", () => {
  it("reads every folder's files", () => {
    const folders = new Set(files.map(folderOf))
    for (const folder of folders) expect(ROOTS.has(folder) || folder in RULES, `a rule for src/${folder}`).toBe(true)
    expect(files.length).toBeGreaterThan(100)
  })

  it("has no import cycle between files", () => {
    expect(cycles(graph)).toEqual([])
  })

  it("imports across folders only as README's layout allows", () => {
    const forbidden: Array<string> = []
    for (const [file, imports] of graph) {
      const folder = folderOf(file)
      const rule = RULES[folder]
      for (const target of imports.files) {
        const to = folderOf(target)
        if (to === folder) continue
        // Only a composition root imports another one: bin the compose modules, those the library's index.
        const allowed = to === "bin" ? false
          : to === "compose" ? folder === "bin"
          : ROOTS.has(to) ? ROOTS.has(folder)
          : rule === undefined || rule.folders.includes(to)
        if (!allowed) {
          forbidden.push(`${rel(file)} -> ${rel(target)}`)
        }
      }
      if (rule?.packages === "effect") {
        for (const name of imports.packages) {
          if (name !== "effect" && !name.startsWith("effect/")) forbidden.push(`${rel(file)} -> ${name}`)
        }
      }
    }
    expect(forbidden).toEqual([])
  })
})

describe("architecture of web/src (the web app)", () => {
  const webFiles = sourceFiles(WEB)
  const webGraph = new Map(webFiles.map((file) => [file, importsOf(file)]))

  it("reads its files", () => {
    expect(webFiles.length).toBeGreaterThan(5)
  })

  it("has no import cycle between files", () => {
    expect(cycles(webGraph)).toEqual([])
  })

  it("imports only its own files and Preact: nothing of the server, nothing of Node", () => {
    const forbidden: Array<string> = []
    for (const [file, imports] of webGraph) {
      for (const target of imports.files) {
        if (!target.startsWith(WEB + path.sep)) forbidden.push(`${path.relative(WEB, file)} -> ${path.relative(WEB, target)}`)
      }
      for (const name of imports.packages) {
        if (name !== "preact" && !name.startsWith("preact/")) forbidden.push(`${path.relative(WEB, file)} -> ${name}`)
      }
    }
    expect(forbidden).toEqual([])
  })
})
