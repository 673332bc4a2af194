/**
 * `npm run build`, second step: bundles the command-line entry points
 * (src/bin/*.ts) over tsc's dist/bin/*.js, so that Node loads a few files at
 * start instead of ~900 ESM modules; resolving, reading and compiling those
 * was most of the server's 3 s start-up (bench/RESULTS.md, Notes). tsc still
 * emits the rest of dist/ (modules, declarations) for library use.
 *
 * - Code split: what the code imports with `import()` (GramJS and the adapter
 *   over it, the Swagger UI page) becomes a chunk of its own, loaded when
 *   first needed, not at start.
 * - Kept external, loaded from node_modules at run time: the native SQLite
 *   driver; GramJS and big-integer (CommonJS, loaded on demand; GramJS checks
 *   longs with `bigInt.isInstance`, an instanceof, so we must use its copy);
 *   ws's optional native helpers, which find their binaries by __dirname.
 * - Whitespace and syntax minified, names kept: comments gone and the source
 *   pure ASCII, so V8 holds it as a one-byte string (a few non-ASCII
 *   characters in comments made the whole source two-byte, doubling the
 *   memory it takes). Linked source maps (`node --enable-source-maps`).
 * - Imports of barrel namespaces, `import { Effect } from "effect"`, are
 *   rewritten to the module the barrel re-exports (`import * as Effect from
 *   ".../effect/dist/esm/Effect.js"`), the same module namespace object.
 *   esbuild cannot tree-shake through `export * as X from` re-exports: from
 *   the barrel it keeps every function of every namespace used, and through
 *   @effect/platform-node's test layers all of undici (about 11 MB resident).
 */
import * as esbuild from "esbuild"
import * as fs from "node:fs"
import * as path from "node:path"
import { fileURLToPath } from "node:url"

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..")
// TGSC_BUNDLE_OUTDIR: bundle elsewhere than dist/ (the test run bundles the current source once, see
// test/support/globalSetup.ts); inside the project, so the external packages resolve from node_modules.
const outdir = process.env.TGSC_BUNDLE_OUTDIR ? path.resolve(process.env.TGSC_BUNDLE_OUTDIR) : path.join(root, "dist")
const chunks = "bin/chunks"

/** `import { A, B as C, type D } from "pkg"`, possibly over several lines. */
const NAMED_IMPORT = /^import\s+(type\s+)?\{([^}]*)\}\s*from\s*(["'])([^"']+)\3;?/gm
/** A barrel's `export * as Name from "./Name.js"`. */
const NAMESPACE_REEXPORT = /^export \* as (\w+) from "(\.[^"]+)";?$/gm

/** @returns {import("esbuild").Plugin} */
const deepImports = () => ({
  name: "deep-imports",
  setup(build) {
    /** @type {Map<string, Map<string, string> | undefined>} barrel key -> namespace name -> module file */
    const barrels = new Map()
    const namespacesOf = async (specifier, resolveDir) => {
      if (/^(\.|\/|node:)/.test(specifier)) return undefined
      const key = `${resolveDir}\0${specifier}`
      if (!barrels.has(key)) {
        const resolved = await build.resolve(specifier, { kind: "import-statement", resolveDir })
        let namespaces
        if (resolved.errors.length === 0 && !resolved.external && resolved.path !== "") {
          const text = await fs.promises.readFile(resolved.path, "utf8")
          for (const m of text.matchAll(NAMESPACE_REEXPORT)) {
            ;(namespaces ??= new Map()).set(m[1], path.resolve(path.dirname(resolved.path), m[2]))
          }
        }
        barrels.set(key, namespaces)
      }
      return barrels.get(key)
    }
    build.onLoad({ filter: /\.ts$/ }, async (args) => {
      if (args.path.includes(`${path.sep}node_modules${path.sep}`)) return undefined
      const source = await fs.promises.readFile(args.path, "utf8")
      const resolveDir = path.dirname(args.path)
      const edits = []
      for (const m of source.matchAll(NAMED_IMPORT)) {
        if (m[1] !== undefined) continue
        const namespaces = await namespacesOf(m[4], resolveDir)
        if (namespaces === undefined) continue
        const deep = []
        const kept = []
        for (const specifier of m[2].split(",").map((s) => s.trim()).filter((s) => s !== "")) {
          const named = /^(\w+)(?:\s+as\s+(\w+))?$/.exec(specifier)
          if (named !== null && namespaces.has(named[1])) {
            deep.push(`import * as ${named[2] ?? named[1]} from ${JSON.stringify(namespaces.get(named[1]))};`)
          } else {
            kept.push(specifier)
          }
        }
        if (deep.length === 0) continue
        if (kept.length > 0) deep.push(`import { ${kept.join(", ")} } from ${JSON.stringify(m[4])};`)
        // Same number of lines, so the source map still points at the right ones.
        edits.push({ at: m.index, length: m[0].length, text: deep.join(" ") + "\n".repeat(m[0].split("\n").length - 1) })
      }
      let contents = source
      for (const edit of edits.reverse()) {
        contents = contents.slice(0, edit.at) + edit.text + contents.slice(edit.at + edit.length)
      }
      return { contents, loader: "ts" }
    })
  }
})

fs.rmSync(path.join(outdir, chunks), { recursive: true, force: true })

const result = await esbuild.build({
  absWorkingDir: root,
  entryPoints: ["src/bin/tgsc-server.ts", "src/bin/tgsc-auth.ts", "src/bin/tgsc-mcp.ts"],
  outbase: "src",
  outdir,
  chunkNames: `${chunks}/[name]-[hash]`,
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "node",
  target: "node20",
  external: ["better-sqlite3", "telegram", "big-integer", "bufferutil", "utf-8-validate"],
  plugins: [deepImports()],
  minifyWhitespace: true,
  minifySyntax: true,
  legalComments: "linked",
  charset: "ascii",
  sourcemap: "linked",
  sourcesContent: false,
  // Bundled CommonJS packages require Node's built-ins; ESM has no `require`.
  banner: { js: 'import { createRequire as __tgscCreateRequire } from "node:module"; const require = __tgscCreateRequire(import.meta.url);' },
  logLevel: "warning",
  metafile: true
})

// GramJS is loaded on first use (src/adapters/telegram/TelegramOnFirstUse.ts);
// a static import of it anywhere the server loads at start would silently
// cost about 0.3 s and 20 MB again, so it fails the build instead. (esbuild
// itself throws on errors, ending the script with a non-zero status.)
// Output paths in the metafile are relative to absWorkingDir, imports' too.
const outputs = result.metafile.outputs
const atStart = new Set()
const visit = (file) => {
  if (atStart.has(file)) return
  atStart.add(file)
  for (const i of outputs[file].imports) {
    if (i.kind !== "import-statement") continue
    if (i.external && /^(telegram|big-integer)(\/|$)/.test(i.path)) {
      console.error(`scripts/bundle.mjs: ${file} imports ${i.path} statically, so the server would load GramJS at start; import it with import() (see TelegramOnFirstUse)`)
      process.exit(1)
    }
    if (!i.external) visit(i.path)
  }
}
visit(path.relative(root, path.join(outdir, "bin/tgsc-server.js")))
visit(path.relative(root, path.join(outdir, "bin/tgsc-mcp.js")))
