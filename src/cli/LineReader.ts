/**
 * Answers typed at a prompt, for tgsc-auth: one line reader for the rest of
 * the run, made at the first prompt (a pipe may deliver several lines at
 * once). On a terminal, a secret prompt (the 2FA password) echoes nothing:
 * the prompt is written here, the typed characters never, and Ctrl+C (raw
 * mode turns it into a key) still cancels. Without a terminal each answer
 * is one line of stdin.
 */
import * as readline from "node:readline"
import { Effect } from "effect"

export interface LineReader {
  /** Writes `prompt`, then reads one line; fails with `closedReason` when stdin ends first. */
  readonly ask: (prompt: string, options: { readonly secret: boolean; readonly closedReason: string }) => Effect.Effect<string, string>
  readonly close: () => void
}

export const makeLineReader = (): LineReader => {
  const terminal = process.stdin.isTTY === true
  const rl = readline.createInterface({ input: process.stdin, output: process.stdout, terminal })
  let muted = false
  if (terminal) {
    const internals = rl as unknown as { _writeToOutput: (s: string) => void }
    const write = internals._writeToOutput.bind(rl)
    internals._writeToOutput = (s: string) => {
      if (!muted) write(s)
    }
    rl.on("SIGINT", () => process.kill(process.pid, "SIGINT"))
  }
  const lines: Array<string> = []
  const waiting: Array<(line: string | null) => void> = []
  let closed = false
  rl.on("line", (line) => {
    const next = waiting.shift()
    if (next === undefined) lines.push(line)
    else next(line)
  })
  rl.on("close", () => {
    closed = true
    for (const next of waiting.splice(0)) next(null)
  })
  return {
    ask: (prompt, options) =>
      Effect.async<string, string>((resume) => {
        process.stdout.write(prompt)
        muted = options.secret
        const answer = (line: string | null) => {
          if (terminal && options.secret) process.stdout.write("\n")
          muted = false
          resume(line === null ? Effect.fail(options.closedReason) : Effect.succeed(line))
        }
        const ready = lines.shift()
        if (ready !== undefined) answer(ready)
        else if (closed) answer(null)
        else waiting.push(answer)
        return Effect.sync(() => {
          const i = waiting.indexOf(answer)
          if (i >= 0) waiting.splice(i, 1)
          muted = false
        })
      }),
    close: () => rl.close()
  }
}
