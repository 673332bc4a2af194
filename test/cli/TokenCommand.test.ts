/**
 * `tgsc-auth token ...` as tokenCommandLine reads it: the subcommand, the
 * name, --session and --scope checked as the server reads them, every
 * problem at once. The same through the real binary, against a running
 * server: test/e2e/named-tokens.test.ts.
 */
import { Effect, Either } from "effect"
import { describe, expect, it } from "vitest"
import { envConfigProvider } from "../../src/cli/CommandLine.js"
import { isTokenCommand, TOKEN_HELP, tokenCommandLine } from "../../src/cli/TokenCommand.js"

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
