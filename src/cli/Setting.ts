/**
 * One setting of a command line, declared once: its flag, the environment
 * variable it falls back to, the check its text must pass, its default and
 * its entry in --help. From it, the @effect/cli option (flag, then
 * `withFallbackConfig` for the variable, then `withDefault`) and the help
 * line (Help.ts).
 *
 * A setting's value is `Checked`: the value, or the sentence saying what is
 * wrong with it, naming the flag or the variable it came from. The parse
 * itself never fails on a value, so that every problem of a command line is
 * reported at once (Problems), not only the first.
 */
import { Options } from "@effect/cli"
import { Config, Either, Option } from "effect"

export type Checked<A> = Either.Either<A, string>

export interface Setting<A> {
  /** Without the dashes: "data-dir". */
  readonly flag: string
  readonly variable?: string | undefined
  /** What the flag takes, for --help: "<dir>". */
  readonly placeholder?: string | undefined
  /** For --help, one sentence, wrapped there. */
  readonly help: string
  /**
   * The value when neither the flag nor the variable is given, shown in
   * --help. With `optional` the option leaves it unset and the library
   * applies the same default (both read DEFAULTS).
   */
  readonly default?: A | undefined
  /** `text` as given (a flag's value or a variable's), and `source`, "--flag" or the variable, to name in a problem. */
  readonly check: (text: string, source: string) => Checked<A>
}

const given = <A>(setting: Setting<A>): Options.Options<Checked<A>> => {
  const fromFlag = Options.map(Options.text(setting.flag), (text) => setting.check(text, `--${setting.flag}`))
  const variable = setting.variable
  return variable === undefined
    ? fromFlag
    : Options.withFallbackConfig(fromFlag, Config.map(Config.string(variable), (text) => setting.check(text, variable)))
}

/** The flag, else the variable, else the setting's default. */
export const withDefault = <A>(setting: Setting<A> & { readonly default: A }): Options.Options<Checked<A>> =>
  Options.withDefault(given(setting), Either.right(setting.default))

/** The flag, else the variable, else none. */
export const optional = <A>(setting: Setting<A>): Options.Options<Option.Option<Checked<A>>> => Options.optional(given(setting))

/** A switch: `--flag` (or `--flag true|false`), else its variable (1/true/yes/on or 0/false/no/off), else off. */
export const switchOption = (setting: Setting<boolean>): Options.Options<Checked<boolean>> => {
  const flag = Options.boolean(setting.flag)
  const variable = setting.variable
  const either = variable === undefined
    ? flag
    : Options.withFallbackConfig(flag, Config.map(Config.string(variable), (text) => setting.check(text, variable)))
  return Options.map(either, (value) => (typeof value === "boolean" ? Either.right(value) : value))
}

/** Every problem of a command line, in the order the settings are read. */
export class Problems {
  readonly list: Array<string> = []
  add(problem: string): undefined {
    this.list.push(problem)
    return undefined
  }
  /** The value, or undefined with its problem recorded. */
  take<A>(checked: Checked<A>): A | undefined {
    return Either.isRight(checked) ? checked.right : this.add(checked.left)
  }
  /** The value if given and good; undefined if not given, or with its problem recorded. */
  takeGiven<A>(checked: Option.Option<Checked<A>>): A | undefined {
    return Option.isSome(checked) ? this.take(checked.value) : undefined
  }
}

const NUMBER = /^\d+(\.\d+)?$/

/** A number of seconds, > 0 or, with `zero`, >= 0. */
export const seconds = (options: { readonly zero: boolean }) => (text: string, source: string): Checked<number> => {
  const value = Number(text.trim())
  return NUMBER.test(text.trim()) && (options.zero ? value >= 0 : value > 0)
    ? Either.right(value)
    : Either.left(`${source} must be a number of seconds ${options.zero ? ">=" : ">"} 0, got ${JSON.stringify(text)}`)
}

export const portNumber = (text: string, source: string): Checked<number> => {
  const value = Number(text.trim())
  return /^\d+$/.test(text.trim()) && value <= 65535
    ? Either.right(value)
    : Either.left(`${source} must be a port number 0-65535, got ${JSON.stringify(text)}`)
}

export const wholeNumber = (text: string, source: string): Checked<number> => {
  const value = Number(text.trim())
  return /^\d+$/.test(text.trim()) && Number.isSafeInteger(value) && value >= 1
    ? Either.right(value)
    : Either.left(`${source} must be a whole number >= 1, got ${JSON.stringify(text)}`)
}

/** One of `choices`, in any case. */
export const oneOf = <const C extends ReadonlyArray<string>>(choices: C, aliases: Readonly<Record<string, C[number]>> = {}) =>
(text: string, source: string): Checked<C[number]> => {
  const value = text.trim().toLowerCase()
  const choice = aliases[value] ?? choices.find((c) => c === value)
  return choice !== undefined
    ? Either.right(choice)
    : Either.left(`${source} must be ${choices.length === 2 ? choices.join(" or ") : `one of ${choices.join(", ")}`}, got ${JSON.stringify(text)}`)
}

/** 1/true/yes/on or 0/false/no/off, in any case. */
export const yesOrNo = (text: string, source: string): Checked<boolean> => {
  const value = text.trim().toLowerCase()
  if (["0", "false", "no", "off"].includes(value)) return Either.right(false)
  if (["1", "true", "yes", "on"].includes(value)) return Either.right(true)
  return Either.left(`${source} must be 1 or 0, got ${JSON.stringify(text)}`)
}

/** Text taken as given, with where it came from (for problems found later, e.g. in the file it names). */
export interface Sourced {
  readonly text: string
  readonly source: string
}

export const sourced = (text: string, source: string): Checked<Sourced> => Either.right({ text, source })

/** The value an option parses to. */
export type OptionValue<O> = O extends Options.Options<infer A> ? A : never
