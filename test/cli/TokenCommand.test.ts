/**
 * `tgsc-auth token ...` as tokenCommandLine reads it: the subcommand, the
 * name, --session and --scope checked as the server reads them, every
 * problem at once. The same through the real binary, against a running
 * server: test/e2e/named-tokens.test.ts.
 */
import * as fs from "node:fs"
import * as path from "node:path"
import { Effect, Either } from "effect"
import { describe, expect, it } from "vitest"
import { AUTH_HELP } from "../../src/cli/AuthOptions.js"
import { envConfigProvider } from "../../src/cli/CommandLine.js"
import { isTokenCommand, TOKEN_HELP, tokenCommandLine } from "../../src/cli/TokenCommand.js"
import { projectRoot } from "../support/ServerProcess.js"

const parse = (argv: Array<string>, env: Record<string, string> = {}) =>
  Effect.runSync(Effect.either(Effect.withConfigProvider(tokenCommandLine(argv, "/work"), envConfigProvider(env))))
const accepted = (argv: Array<string>, env?: Record<string, string>) => Either.getOrThrowWith(parse(argv, env), (e) => new Error(e.message))
const refused = (argv: Array<string>) => {
  const parsed = parse(argv)
  if (Either.isRight(parsed)) throw new Error(`accepted ${JSON.stringify(argv)}`)
  expect(parsed.left.message).toMatch(/\nRun tgsc-auth token --help for the options\.$/)
  return parsed.left.problems
}

describe("tgsc-auth token's command line", () => {
  it("create: a name, its sessions (each once) and scopes; none is all", () => {
    expect(accepted(["create", "agent", "--session", "me", "--scope", "folder:Work", "--session", "bob", "--session", "me", "--scope", "dialog:-5"]))
      .toEqual({
        _tag: "Create",
        dataDir: "/work/data",
        name: "agent",
        sessions: ["me", "bob"],
        scopes: [{ _tag: "Folder", folder: "Work" }, { _tag: "Dialog", dialogId: -5 }]
      })
    expect(accepted(["create", "--data-dir", "d", "all-of-it", "--session", "me"])).toMatchObject({ dataDir: "/work/d", scopes: "all" })
    expect(accepted(["list"], { TGSC_DATA_DIR: "/srv/tgsc" })).toEqual({ _tag: "List", dataDir: "/srv/tgsc" })
    expect(accepted(["revoke", "agent"])).toEqual({ _tag: "Revoke", dataDir: "/work/data", name: "agent" })
    expect(accepted(["create", "--help"])).toEqual({ _tag: "Help" })
  })

  it("refuses what it cannot store as asked, every problem at once", () => {
    expect(refused(["create", "agent"])).toEqual([expect.stringMatching(/^create needs --session <name>/)])
    expect(refused(["create", "../x", "--session", "-me", "--scope", "chat:1"])).toEqual([
      expect.stringMatching(/^--session: Invalid session name "-me"/),
      expect.stringMatching(/^--scope: invalid scope "chat:1"/),
      expect.stringMatching(/^Invalid token name "\.\.\/x"/)
    ])
    expect(refused(["create", "agent", "--session", "me", "--scope", "dialog:0"])).toEqual([expect.stringMatching(/^--scope: invalid scope/)])
    expect(refused(["revoke"])).toEqual(["revoke needs the token's name: tgsc-auth token revoke <name>"])
    expect(refused(["revoke", "agent", "--scope", "dialog:5"])).toEqual([expect.stringMatching(/^--session and --scope are for create/)])
    expect(refused(["list", "agent"])).toEqual(["list takes no name, got 'agent'"])
    expect(refused(["show"])).toEqual(["expected create, list or revoke, got 'show'"])
    expect(refused(["list", "--token", "x"])).toEqual([expect.stringMatching(/--token/)])
  })

  it("is what tgsc-auth runs for `token <something>`; `token` alone stays a login of a session so named", () => {
    expect(isTokenCommand(["token", "list"])).toBe(true)
    expect(isTokenCommand(["token", "--help"])).toBe(true)
    expect(isTokenCommand(["token"])).toBe(false)
    expect(isTokenCommand(["alice", "token"])).toBe(false)
  })

  it("--help names every option, with its variable", () => {
    for (const flag of ["--data-dir", "--session", "--scope", "--help"]) expect(TOKEN_HELP).toMatch(new RegExp(`^  (-h, )?${flag}\\b`, "m"))
    expect(TOKEN_HELP).toContain("TGSC_DATA_DIR [./data]")
  })
})

describe("the README's tgsc-auth commands", () => {
  const readme = fs.readFileSync(path.join(projectRoot, "README.md"), "utf8")
  const section = readme.slice(readme.indexOf("\n## Command line and environment\n"), readme.indexOf("\n## Data layout\n"))
  const rows = section.split("\n").filter((line) => line.startsWith("| `tgsc-auth")).map((line) => /^\| `([^`]+)`/.exec(line)![1]!)
  /** The command words of a usage: up to the first argument or option. */
  const commandOf = (usage: string) => usage.split(/\s+/).filter((w) => w !== "").reduce<Array<string>>(
    (words, word, i, all) => (/^[<[-]/.test(word) || all.slice(0, i).some((w) => /^[<[-]/.test(w)) ? words : [...words, word]),
    []
  ).join(" ")
  const usages = (help: string) =>
    [...help.matchAll(/^(?:Usage:|\s{7}) *(tgsc-auth .*)$/gm)].map((m) => m[1]!)
      .flatMap((usage) => {
        // `token create|list|revoke ...` in tgsc-auth's own help points at tgsc-auth token --help.
        const alternatives = /^tgsc-auth token ([a-z|]+)/.exec(usage)
        return alternatives === null ? [usage] : alternatives[1]!.split("|").map((sub) => `tgsc-auth token ${sub}`)
      })
  const helpOf = (command: string) => (command.startsWith("tgsc-auth token") ? TOKEN_HELP : AUTH_HELP)

  it("are the commands --help shows, each flag of a row one its --help lists", () => {
    expect(rows.length).toBeGreaterThan(0)
    expect(rows.map(commandOf).sort()).toEqual([...new Set([...usages(AUTH_HELP), ...usages(TOKEN_HELP)].map(commandOf))].sort())
    for (const row of rows) {
      for (const [flag] of row.matchAll(/--[a-z-]+/g)) expect(helpOf(commandOf(row)), `${row}: ${flag}`).toMatch(new RegExp(`^  (-h, )?${flag}\\b`, "m"))
    }
  })

  it("the examples under Named tokens for agents are command lines tgsc-auth token takes", () => {
    const examples = [...readme.matchAll(/^tgsc-auth token (.*)$/gm)].map((m) => m[1]!.split(/\s+/))
    expect(examples.length).toBeGreaterThanOrEqual(3)
    for (const argv of examples) expect(Either.isRight(parse(argv)), argv.join(" ")).toBe(true)
  })
})
