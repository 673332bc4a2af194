/**
 * Injected failures (control API `POST /faults`): the next `times` calls of
 * `method` (or any method, `*`), after `after` more that pass, fail with an
 * RPC error or, for `DISCONNECT`, lose their TCP connection, or, for
 * `NO_ANSWER` (an extension of the contract), are never answered while the
 * connection stays up, as a Telegram that has stopped responding. Faults apply in
 * the order they were added; a call that fails does not count as passing
 * for the others.
 *
 * Faults are one-off failures; Telegram's standing imperfections (pinned
 * dialogs of both folders on first pages, min peers, expiring file
 * references, a clock offset) are flags of their own: Realism.ts, set in
 * the scenario's `options.realism` or through `POST /realism`.
 */

export interface FaultSpec {
  /** A TL method name such as `messages.GetHistory`, or `*`. */
  readonly method: string
  /** An RPC error message such as `FLOOD_WAIT_30`, or `DISCONNECT`, or `NO_ANSWER`. */
  readonly error: string
  readonly times: number
  readonly after: number
  /** The RPC error code to send; derived from `error` when absent. */
  readonly code?: number
}

export type FaultAction =
  | { readonly kind: "disconnect" }
  | { readonly kind: "no-answer" }
  | { readonly kind: "rpc-error"; readonly code: number; readonly message: string }

/** The error code Telegram sends with an RPC error message. */
export const rpcErrorCode = (message: string): number => {
  if (/^FLOOD_(PREMIUM_)?WAIT_\d+$/.test(message) || /^FLOOD_TEST_PHONE_WAIT_\d+$/.test(message)) return 420
  if (/_MIGRATE_\d+$/.test(message)) return 303
  if (
    ["AUTH_KEY_UNREGISTERED", "SESSION_REVOKED", "USER_DEACTIVATED", "SESSION_PASSWORD_NEEDED", "AUTH_KEY_INVALID"]
      .includes(message) || message.startsWith("SESSION_EXPIRED")
  ) return 401
  if (message.endsWith("_FORBIDDEN")) return 403
  if (message.startsWith("INTERNAL")) return 500
  return 400
}

/** Reads a fault from control API JSON; a string is the reason it is invalid. */
export const parseFault = (input: unknown): FaultSpec | string => {
  if (typeof input !== "object" || input === null || Array.isArray(input)) return "expected a JSON object"
  const { after = 0, code, error, method, times = 1 } = input as Record<string, unknown>
  if (typeof method !== "string" || method.trim() === "") return "method: expected a TL method name or \"*\""
  if (code !== undefined && (typeof code !== "number" || !Number.isInteger(code) || code === 0 || Math.abs(code) > 0x7fffffff)) {
    return "code: expected a non-zero 32-bit integer such as -503"
  }
  if (code !== undefined && (typeof error !== "string" || error.trim() === "" || error.length > 200)) {
    return "error: expected the error message text to send with that code, such as Timeout"
  }
  if (code === undefined && (typeof error !== "string" || !/^[A-Z0-9_]+$/.test(error))) {
    return "error: expected an RPC error message such as FLOOD_WAIT_30, or DISCONNECT, or NO_ANSWER (or any text with a \"code\")"
  }
  if (typeof times !== "number" || !Number.isInteger(times) || times < 1) return "times: expected a positive integer"
  if (typeof after !== "number" || !Number.isInteger(after) || after < 0) return "after: expected a non-negative integer"
  return { method: method.trim(), error: error as string, times, after, ...(code === undefined ? {} : { code: code as number }) }
}

interface PendingFault {
  readonly spec: FaultSpec
  passesLeft: number
  failuresLeft: number
}

export class Faults {
  private pending: Array<PendingFault> = []

  add(spec: FaultSpec): void {
    this.pending.push({ spec, passesLeft: spec.after, failuresLeft: spec.times })
  }

  clear(): void {
    this.pending = []
  }

  get size(): number {
    return this.pending.length
  }

  /** Decides the fate of one call of `method`: a failure to apply, or undefined to let it through. */
  take(method: string): FaultAction | undefined {
    if (this.pending.length === 0) return undefined
    const matching = this.pending.filter((f) => f.spec.method === "*" || f.spec.method === method)
    const firing = matching.find((f) => f.passesLeft === 0)
    if (firing === undefined) {
      for (const f of matching) f.passesLeft--
      return undefined
    }
    firing.failuresLeft--
    if (firing.failuresLeft === 0) this.pending = this.pending.filter((f) => f !== firing)
    const { code, error } = firing.spec
    if (code !== undefined) return { kind: "rpc-error", code, message: error }
    if (error === "DISCONNECT") return { kind: "disconnect" }
    if (error === "NO_ANSWER") return { kind: "no-answer" }
    return { kind: "rpc-error", code: rpcErrorCode(error), message: error }
  }
}
