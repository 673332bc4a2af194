/**
 * tgsc-server's command line (src/cli/Config.ts) read at once, with `env`
 * as the environment instead of the process's.
 */
import { Effect, type Either } from "effect"
import { type CommandLineError, envConfigProvider } from "../../src/cli/CommandLine.js"
import { type ParsedCommandLine, serverCommandLine } from "../../src/cli/Config.js"

export const parseCommandLine = (
  argv: ReadonlyArray<string>,
  env: Readonly<Record<string, string | undefined>>,
  cwd: string = process.cwd()
): Either.Either<ParsedCommandLine, CommandLineError> =>
  Effect.runSync(Effect.either(Effect.withConfigProvider(serverCommandLine(argv, cwd), envConfigProvider(env))))
