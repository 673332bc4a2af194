/**
 * `tgsc-auth token create|list|revoke`: the named API tokens in
 * `{data_dir}/tokens.yaml` (the ApiTokens use case over the tokens file).
 *
 *   tgsc-auth token create <name> --session <s> [--session ...] [--scope <entry> ...]
 *   tgsc-auth token list
 *   tgsc-auth token revoke <name>
 *
 * `create` writes the new token to stdout, alone on its line and nowhere
 * else (everything else goes to stderr), so `TOKEN=$(tgsc-auth token create
 * ...)` captures exactly it; only its SHA-256 is stored. These commands do
 * not take the data-directory lock: they work while a server runs, which
 * picks the change up at its next request (the tokens file has a lock of
 * its own for updates).
 */
import * as nodeFs from "node:fs"
import * as nodePath from "node:path"
import { Options } from "@effect/cli"
import { Console, Effect, Either, Layer, Redacted } from "effect"
import { TOKENS_FILE, TokensFileLive } from "../adapters/fs/TokensFile.js"
import { ApiTokens } from "../app/ApiTokens.js"
import { parseScopeEntry, type ScopeEntry } from "../domain/AccessScope.js"
import { describeTokenScopes, type NamedToken, type TokenName, type TokenScopes, validateTokenName } from "../domain/NamedToken.js"
import { type SessionName, validateSessionName } from "../domain/SessionName.js"
import { COMMAND_LINE_EXIT_CODE, CommandLineError, parseFlags } from "./CommandLine.js"
import { entryOf, renderOptions } from "./Help.js"
import { type Checked, Problems, type Setting } from "./Setting.js"
import { DATA_DIR, dataDirOption } from "./SharedOptions.js"

const COMMAND = "tgsc-auth token"

/** `--session <name>`, repeatable: the sessions a new token may act for. */
export const TOKEN_SESSION: Setting<SessionName> = {
  flag: "session",
  placeholder: "<name>",
  help: "create: a session the token may act for (X-Telegram-Username); repeat for more; at least one",
  check: (text, source) => Either.mapLeft(validateSessionName(text), (reason) => `${source}: ${reason}`)
}

/** `--scope <entry>`, repeatable, as tgsc-mcp's --scope: what a new token may see. */
export const TOKEN_SCOPE: Setting<ScopeEntry> = {
  flag: "scope",
  placeholder: "<entry>",
  help: "create: only what this admits, as if nothing else existed: folder:<id or title> (the folder's chats, as it is " +
    "defined at each request) or dialog:<id>; repeat for more; none: the sessions' whole accounts",
  check: (text, source) => Either.mapLeft(parseScopeEntry(text), (error) => `${source}: ${error.message}`)
}

export const TOKEN_HELP = `Usage: tgsc-auth token create <name> --session <name> [--session <name> ...] [--scope <entry> ...]
       tgsc-auth token list
       tgsc-auth token revoke <name>

Named API tokens for tgsc-server's /api and /mcp, kept in {data_dir}/${TOKENS_FILE} (SHA-256 hashes only,
mode 0600). A named token acts only for its sessions and sees only its scope; logins, session deletion
and settings changes need the admin token (TGSC_API_TOKEN). create prints the new token once, alone on a
line of stdout: keep it where the agent reads it, it cannot be shown again. list shows names, sessions,
scopes and dates, never a token or hash. revoke refuses the token from the next request on. A running
server picks every change up without a restart.
Options (each also settable by the environment variable shown):
${
  renderOptions([
    entryOf(DATA_DIR),
    entryOf(TOKEN_SESSION),
    entryOf(TOKEN_SCOPE),
    { usage: "-h, --help", help: "show this help" }
  ])
}`

export type TokenRun =
  | { readonly _tag: "Create"; readonly dataDir: string; readonly name: TokenName; readonly sessions: NamedToken["sessions"]; readonly scopes: TokenScopes }
  | { readonly _tag: "List"; readonly dataDir: string }
  | { readonly _tag: "Revoke"; readonly dataDir: string; readonly name: TokenName }

const repeated = <A>(setting: Setting<A>): Options.Options<Array<Checked<A>>> =>
  Options.text(setting.flag).pipe(
    Options.repeated,
    Options.map((texts) => texts.map((text) => setting.check(text, `--${setting.flag}`)))
  )

const tokenOptions = (cwd: string) =>
  Options.all({
    help: Options.boolean("help").pipe(Options.withAlias("h")),
    dataDir: dataDirOption(cwd),
    sessions: repeated(TOKEN_SESSION),
    scopes: repeated(TOKEN_SCOPE)
  })

const FLAGS = [DATA_DIR.flag, TOKEN_SESSION.flag, TOKEN_SCOPE.flag, "help"]

const SUBCOMMANDS = ["create", "list", "revoke"] as const

/** The words after `tgsc-auth token`, the environment from the ConfigProvider in the context, paths relative to `cwd`. */
export const tokenCommandLine = (
  argv: ReadonlyArray<string>,
  cwd: string
): Effect.Effect<{ readonly _tag: "Help" } | TokenRun, CommandLineError> =>
  Effect.gen(function*() {
    const { positionals, value: given } = yield* parseFlags(COMMAND, tokenOptions(cwd), argv, FLAGS, 2)
    if (given.help) return { _tag: "Help" } as const
    const problems = new Problems()
    const [sub, name] = positionals
    const sessions = given.sessions.flatMap((s) => problems.take(s) ?? [])
    const scopes = given.scopes.flatMap((s) => problems.take(s) ?? [])
    if (sub === undefined || !(SUBCOMMANDS as ReadonlyArray<string>).includes(sub)) {
      problems.add(`expected create, list or revoke${sub === undefined ? "" : `, got '${sub}'`}`)
    } else if (sub === "list") {
      if (name !== undefined) problems.add(`list takes no name, got '${name}'`)
    } else if (name === undefined) {
      problems.add(`${sub} needs the token's name: tgsc-auth token ${sub} <name>`)
    }
    const tokenName = name === undefined || sub === "list" ? undefined : problems.take(validateTokenName(name))
    if (sub === "create" && given.sessions.length === 0) {
      problems.add("create needs --session <name>: the session (or sessions, each with --session) the token may act for")
    }
    if (sub !== "create" && (given.sessions.length > 0 || given.scopes.length > 0)) {
      problems.add("--session and --scope are for create: a token's sessions and scope are fixed when it is created")
    }
    if (problems.list.length > 0) return yield* new CommandLineError({ command: COMMAND, problems: problems.list })
    const dataDir = given.dataDir
    switch (sub) {
      case "create":
        return {
          _tag: "Create",
          dataDir,
          name: tokenName!,
          sessions: [...new Set(sessions)] as unknown as NamedToken["sessions"],
          scopes: scopes.length === 0 ? "all" : (scopes as unknown as TokenScopes)
        } as const
      case "revoke":
        return { _tag: "Revoke", dataDir, name: tokenName! } as const
      default:
        return { _tag: "List", dataDir } as const
    }
  })

/** A table with a header, each column as wide as its widest cell. */
const table = (header: ReadonlyArray<string>, rows: ReadonlyArray<ReadonlyArray<string>>): string => {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)))
  return [header, ...rows].map((row) => row.map((cell, i) => cell.padEnd(widths[i]!)).join("  ").trimEnd()).join("\n") + "\n"
}

const runToken = (run: TokenRun) =>
  Effect.gen(function*() {
    const tokens = yield* ApiTokens
    switch (run._tag) {
      case "Create": {
        const created = yield* tokens.create({ name: run.name, sessions: run.sessions, scopes: run.scopes })
        yield* Effect.sync(() => void process.stdout.write(`${Redacted.value(created.token)}\n`))
        const sessionsDir = nodePath.join(run.dataDir, "sessions")
        for (const session of run.sessions) {
          if (!nodeFs.existsSync(nodePath.join(sessionsDir, `${session}.session`))) {
            yield* Console.error(`tgsc-auth: note: session '${session}' is not logged in (yet) in ${run.dataDir}`)
          }
        }
        return yield* Console.error(
          `Token '${run.name}' created for ${run.sessions.map((s) => `'${s}'`).join(", ")}, scope ${describeTokenScopes(run.scopes)}. ` +
            "It is shown once, above: keep it where the agent reads it. End it with: tgsc-auth token revoke " + run.name
        )
      }
      case "List": {
        const all = yield* tokens.list
        if (all.length === 0) return yield* Console.log("No named tokens (tgsc-auth token create makes one).")
        return yield* Effect.sync(() =>
          void process.stdout.write(table(
            ["NAME", "SESSIONS", "SCOPE", "CREATED"],
            all.map((t) => [t.name, t.sessions.join(","), describeTokenScopes(t.scopes), t.created])
          ))
        )
      }
      case "Revoke": {
        yield* tokens.revoke(run.name)
        return yield* Console.log(`Token '${run.name}' revoked: it is refused from the next request on.`)
      }
    }
  }).pipe(Effect.provide(ApiTokens.Default.pipe(Layer.provide(TokensFileLive(nodePath.join(run.dataDir, TOKENS_FILE))))))

/** Whether tgsc-auth's arguments are a token command (`tgsc-auth token` alone stays a login of a session named "token"). */
export const isTokenCommand = (argv: ReadonlyArray<string>): boolean => argv[0] === "token" && argv.length > 1

/** The whole command: its exit code (0; 1 when it failed; 2 for a refused command line), messages on stderr. */
export const tokenProgram = (argv: ReadonlyArray<string>, cwd: string): Effect.Effect<number> =>
  tokenCommandLine(argv, cwd).pipe(
    Effect.flatMap((run) => (run._tag === "Help" ? Effect.sync(() => void process.stdout.write(TOKEN_HELP)) : runToken(run))),
    Effect.as(0),
    Effect.catchAll((error) =>
      Effect.as(Console.error(`tgsc-auth: ${error.message}`), error._tag === "CommandLineError" ? COMMAND_LINE_EXIT_CODE : 1)
    )
  )
