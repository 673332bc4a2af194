/**
 * --help text from the settings themselves: each option's line names its
 * flag, what it does, its environment variable and its default, so the text
 * cannot drift from what the command accepts (and test/cli/Config.test.ts
 * holds the README's table to it).
 */
import type { Setting } from "./Setting.js"

export interface HelpEntry {
  /** "--port <n>", "-h, --help". */
  readonly usage: string
  readonly help: string
  /** The variable (or variables) that also set it. */
  readonly variables?: string | undefined
  readonly default?: unknown
}

export const entryOf = (setting: Setting<unknown>): HelpEntry => ({
  usage: `--${setting.flag}${setting.placeholder === undefined ? "" : ` ${setting.placeholder}`}`,
  help: setting.help,
  variables: setting.variable,
  default: setting.default
})

const USAGE_WIDTH = 25
const HELP_WIDTH = 50
const indent = " ".repeat(2 + USAGE_WIDTH)

const wrap = (text: string, width: number): Array<string> => {
  const lines: Array<string> = []
  let line = ""
  for (const word of text.split(/\s+/).filter((w) => w !== "")) {
    if (line !== "" && line.length + 1 + word.length > width) {
      lines.push(line)
      line = word
    } else line = line === "" ? word : `${line} ${word}`
  }
  return [...lines, line]
}

/**
 * One entry: the usage, the help wrapped beside it (under it when the usage
 * is long), and the variable and `[default]` at the end of its last line.
 */
const renderEntry = (entry: HelpEntry): string => {
  const tail = [entry.variables, entry.default === undefined ? undefined : `[${String(entry.default)}]`]
    .filter((part) => part !== undefined).join(" ")
  const lines = wrap(entry.help, HELP_WIDTH)
  const last = lines.length - 1
  if (tail !== "") lines[last] = `${lines[last]!.padEnd(HELP_WIDTH)} ${tail}`
  const head = `  ${entry.usage}`
  const body = lines.map((line) => indent + line)
  if (head.length < indent.length) body[0] = head.padEnd(indent.length) + lines[0]
  else body.unshift(head)
  return body.map((line) => line.trimEnd()).join("\n")
}

export const renderOptions = (entries: ReadonlyArray<HelpEntry>): string => entries.map(renderEntry).join("\n") + "\n"
