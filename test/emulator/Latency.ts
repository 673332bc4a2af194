/**
 * Injected latency (an extension of the contract): every RPC answer leaves
 * `ms` milliseconds (plus or minus up to `jitterMs`, uniformly) after its
 * request arrived, as over a link to a far data centre. Only the answer
 * waits: other calls, on the same connection or others, go on meanwhile,
 * so a client with several requests in flight sees them overlap as it
 * would on the real network. Written `150ms`, `150ms±20ms` (or `+-20ms`),
 * `0.15s` (CLI `--latency`, with `--latency-jitter 20ms`; scenario
 * `options.latency`; control API `POST /latency`).
 */

export interface Latency {
  readonly ms: number
  readonly jitterMs: number
}

export const NO_LATENCY: Latency = { ms: 0, jitterMs: 0 }

const MAX_MS = 60_000

/** `150ms`, `0.15s` or a bare number of ms; undefined when it is none of these. */
export const parseDuration = (text: string): number | undefined => {
  const match = /^\s*(\d+(?:\.\d+)?)\s*(ms|s)?\s*$/.exec(text)
  if (match === null) return undefined
  const ms = Number(match[1]) * (match[2] === "s" ? 1000 : 1)
  return ms <= MAX_MS ? ms : undefined
}

/** Reads `150ms±20ms` (or a `{"ms","jitter_ms"}` object); a string is why it is invalid. */
export const parseLatency = (input: unknown): Latency | string => {
  if (input === undefined || input === null || input === false) return NO_LATENCY
  if (typeof input === "number") input = `${input}ms`
  if (typeof input === "string") {
    const [base, jitter, ...rest] = input.split(/±|\+-|\+\/-/)
    const ms = parseDuration(base ?? "")
    const jitterMs = jitter === undefined ? 0 : parseDuration(jitter)
    if (rest.length > 0 || ms === undefined || jitterMs === undefined) {
      return `expected a latency such as 150ms or 150ms±20ms (at most ${MAX_MS} ms), got ${JSON.stringify(input)}`
    }
    return { ms, jitterMs }
  }
  if (typeof input === "object" && !Array.isArray(input)) {
    const { jitter_ms: jitterMs = 0, ms, ...rest } = input as Record<string, unknown>
    if (Object.keys(rest).length > 0) return `unknown field ${Object.keys(rest)[0]} (expected ms, jitter_ms)`
    const valid = (n: unknown) => typeof n === "number" && n >= 0 && n <= MAX_MS
    if (!valid(ms)) return `ms: expected a number of milliseconds 0-${MAX_MS}`
    if (!valid(jitterMs)) return `jitter_ms: expected a number of milliseconds 0-${MAX_MS}`
    return { ms: ms as number, jitterMs: jitterMs as number }
  }
  return "expected a latency such as \"150ms±20ms\" or {\"ms\":150,\"jitter_ms\":20}"
}

/** The delay of one answer: `ms` moved by a uniform draw in [-jitterMs, +jitterMs], never below 0. */
export const drawDelay = (latency: Latency, random: () => number = Math.random): number =>
  Math.max(0, latency.ms + (latency.jitterMs === 0 ? 0 : (random() * 2 - 1) * latency.jitterMs))

/** Resolves with `value` after `ms` (at once for 0), on a timer: nothing else waits. */
export const delayed = <A>(value: Promise<A>, ms: number): Promise<A> =>
  ms <= 0 ? value : Promise.all([value, new Promise<void>((resolve) => setTimeout(resolve, ms))]).then(([v]) => v)
