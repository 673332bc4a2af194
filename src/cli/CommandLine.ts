/**
 * What every tgsc command line shares: the typed error a bad command line
 * fails with (exit code 2), the environment as a ConfigProvider in which an
 * empty variable counts as unset, and the parse of the flags by @effect/cli.
 *
 * Only @effect/cli's option parser is used, not its command runner: the
 * runner's built-in options include a `--log-level` of its own that would
 * shadow tgsc-server's (it takes no `warn`, and sets the level around the
 * program instead of in the server's configuration), and its generated help
 * cannot name the environment variables. The help text is rendered from the
 * same table the options are built from (Help.ts).
 */
import { NodeFileSystem, NodePath, NodeTerminal } from "@effect/platform-node"
import { CliConfig, type HelpDoc, Options, type Span, type ValidationError } from "@effect/cli"
import { ConfigProvider, Data, Effect, Layer, Option } from "effect"

/**
 * The command line or the environment was refused: each problem a sentence
 * naming the flag, variable or file, all reported at once. Exit code 2.
 */
export class CommandLineError extends Data.TaggedError("CommandLineError")<{
  /** The command's name, for the hint under the problems. */
  readonly command: string
  readonly problems: ReadonlyArray<string>
}> {
  override get message() {
    return `${this.problems.join("\n")}\nRun ${this.command} --help for the options.`
  }
}

/** The exit code of a command line or environment refused at start. */
export const COMMAND_LINE_EXIT_CODE = 2

/**
 * The environment for `Config`: an empty or blank variable counts as unset,
 * so `TGSC_PORT= tgsc-server` runs on the default port.
 */
export const envConfigProvider = (env: Readonly<Record<string, string | undefined>>): ConfigProvider.ConfigProvider =>
  ConfigProvider.fromMap(
    new Map(Object.entries(env).filter((entry): entry is [string, string] => entry[1] !== undefined && entry[1].trim() !== ""))
  )

/**
 * Flags are case-sensitive, as they always were. No auto-correction: it
 * answers a repeated or value-less `--port` with "did you mean '--host'?".
 */
const cliConfig = CliConfig.make({ isCaseSensitive: true, autoCorrectLimit: 0 })

/** `--flag=value` as two arguments, before `--`: @effect/cli reads `--flag=` (an empty value) as an unknown flag. */
const splitAssignments = (argv: ReadonlyArray<string>): Array<string> => {
  const end = argv.indexOf("--")
  return argv.flatMap((argument, i) => {
    const at = argument.indexOf("=")
    return (end < 0 || i < end) && argument.startsWith("--") && at > 2 ? [argument.slice(0, at), argument.slice(at + 1)] : [argument]
  })
}

/** @effect/cli's parser asks for these (for file and prompt options, which tgsc does not use); Node's own. */
const parserServices = Layer.mergeAll(NodeFileSystem.layer, NodePath.layer, NodeTerminal.layer)

const spanText = (span: Span.Span): string => {
  switch (span._tag) {
    case "Text":
    case "URI":
      return span.value
    case "Highlight":
    case "Strong":
    case "Weak":
      return spanText(span.value)
    case "Sequence":
      return spanText(span.left) + spanText(span.right)
  }
}

const docText = (doc: HelpDoc.HelpDoc): ReadonlyArray<string> => {
  switch (doc._tag) {
    case "Empty":
      return []
    case "Header":
    case "Paragraph":
      return [spanText(doc.value)]
    case "DescriptionList":
      return doc.definitions.flatMap(([term, description]) => [spanText(term), ...docText(description)])
    case "Enumeration":
      return doc.elements.flatMap(docText)
    case "Sequence":
      return [...docText(doc.left), ...docText(doc.right)]
  }
}

/**
 * A parser error as plain text. (@effect/cli's own renderer, HelpDoc.toAnsiText,
 * would load @effect/printer for it: 27 KB more to load at every start.)
 */
const describe = (error: ValidationError.ValidationError): string => docText(error.error).join("\n").trim()

/**
 * Parses `argv` into `options`' value, the variables read from the
 * ConfigProvider in the context. `positionals` says how many arguments that
 * are not options the command takes (tgsc-auth's session name), returned in
 * order. The parser stops at the first argument it cannot place, so that
 * one is the problem: an unknown option, a repeated one (`flags` are the
 * declared names), or a positional argument too many.
 */
export const parseFlags = <A>(
  command: string,
  options: Options.Options<A>,
  argv: ReadonlyArray<string>,
  flags: ReadonlyArray<string>,
  positionals: number = 0
): Effect.Effect<{ readonly value: A; readonly positionals: ReadonlyArray<string> }, CommandLineError> =>
  Options.processCommandLine(options, splitAssignments(argv), cliConfig).pipe(
    Effect.mapError((error) => new CommandLineError({ command, problems: [describe(error)] })),
    Effect.flatMap(([error, leftover, value]) => {
      if (Option.isSome(error)) return Effect.fail(new CommandLineError({ command, problems: [describe(error.value)] }))
      const given: Array<string> = []
      for (const argument of leftover) {
        if (argument.startsWith("-") || given.length === positionals) {
          const name = argument.replace(/=.*$/s, "")
          const problem = !argument.startsWith("-")
            ? `Unexpected argument '${argument}'`
            : name.startsWith("--") && flags.includes(name.slice(2))
            ? `${name} is given more than once`
            : `Unknown option '${argument}'`
          return Effect.fail(new CommandLineError({ command, problems: [problem] }))
        }
        given.push(argument)
      }
      return Effect.succeed({ value, positionals: given })
    }),
    Effect.provide(parserServices)
  )
