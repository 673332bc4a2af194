/**
 * The emulator's rate model (an extension of the contract): per-account token
 * buckets per TL method, answering `420 FLOOD_WAIT_n` as Telegram does when an
 * account calls a method faster than its budget allows, and counting what was
 * used so a benchmark can tell how much of the budget a client spent.
 *
 * A limit is written `messages.GetHistory=30/s,burst=60` (CLI `--rate`,
 * repeatable; scenario `options.rate`; control API `POST /rate`): the bucket
 * holds up to `burst` tokens (default: one second's worth, at least 1), starts
 * full, refills at the rate (`/s`, `/min` or `/h`), and each call takes one.
 * A call that finds less than one token takes none and answers
 * `FLOOD_WAIT_n`, n the seconds until a token is there, rounded up (at least
 * 1). Buckets are per account (calls before login: per auth key) and per
 * method; a method without a limit is never refused. A limit named
 * `takeout:<method>` applies to that method's calls within a takeout session
 * (invokeWithTakeout) in place of `<method>`'s, with a bucket of its own, as
 * Telegram gives data exports higher limits.
 */

export interface RateLimit {
  /** A TL method name such as `messages.GetHistory`. */
  readonly method: string
  readonly perSecond: number
  readonly burst: number
}

const UNITS: Readonly<Record<string, number>> = { s: 1, sec: 1, min: 60, m: 60, h: 3600 }

/** Reads `messages.GetHistory=30/s,burst=60`; a string is the reason it is invalid. */
export const parseRateLimit = (text: string): RateLimit | string => {
  const match = /^\s*((?:takeout:)?[A-Za-z][\w.]*)\s*=\s*(\d+(?:\.\d+)?)\s*\/\s*([a-z]+)\s*(?:,\s*burst\s*=\s*(\d+)\s*)?$/.exec(text)
  if (match === null) return `expected <method>=<n>/s[,burst=<n>] such as messages.GetHistory=30/s,burst=60, got ${JSON.stringify(text)}`
  const [, method, amount, unit, burstText] = match
  const seconds = UNITS[unit!]
  if (seconds === undefined) return `unknown unit /${unit} in ${JSON.stringify(text)} (use /s, /min or /h)`
  const perSecond = Number(amount) / seconds
  if (!(perSecond > 0) || perSecond > 1e6) return `the rate in ${JSON.stringify(text)} must be above 0 and at most 1000000/s`
  const burst = burstText === undefined ? Math.max(1, Math.ceil(perSecond)) : Number(burstText)
  if (burst < 1 || burst > 1e6) return `burst in ${JSON.stringify(text)} must be 1-1000000`
  return { method: method!, perSecond, burst }
}

/** Reads a list of limits (text or `{"method","per_second","burst"}`); a string is why it is invalid. */
export const parseRateLimits = (input: unknown): ReadonlyArray<RateLimit> | string => {
  if (input === undefined || input === null) return []
  const items = Array.isArray(input) ? input : [input]
  const limits: Array<RateLimit> = []
  for (const [i, item] of items.entries()) {
    let limit: RateLimit | string
    if (typeof item === "string") limit = parseRateLimit(item)
    else if (typeof item === "object" && item !== null && !Array.isArray(item)) {
      const { burst, method, per_second: perSecond, ...rest } = item as Record<string, unknown>
      const extra = Object.keys(rest)
      if (extra.length > 0) limit = `unknown field ${extra[0]} (expected method, per_second, burst)`
      else if (typeof method !== "string" || !/^(takeout:)?[A-Za-z][\w.]*$/.test(method)) limit = "method: expected a TL method name"
      else if (typeof perSecond !== "number" || !(perSecond > 0) || perSecond > 1e6) limit = "per_second: expected a number above 0"
      else if (burst !== undefined && (typeof burst !== "number" || !Number.isInteger(burst) || burst < 1 || burst > 1e6)) {
        limit = "burst: expected an integer 1-1000000"
      } else limit = { method, perSecond, burst: (burst as number | undefined) ?? Math.max(1, Math.ceil(perSecond)) }
    } else limit = "expected a limit such as \"messages.GetHistory=30/s,burst=60\""
    if (typeof limit === "string") return `[${i}]: ${limit}`
    if (limits.some((l) => l.method === limit.method)) return `[${i}]: a second limit for ${limit.method}`
    limits.push(limit)
  }
  return limits
}

interface Bucket {
  tokens: number
  /** When `tokens` was last brought up to date (ms). */
  at: number
  allowed: number
  floodWaits: number
  longestFloodWait: number
  firstCall: number
  lastCall: number
}

/** What one account spent of one method's budget, for `GET /rate`. */
export interface RateUsage {
  readonly account: string
  readonly method: string
  /** Calls let through (each took a token). */
  readonly allowed: number
  /** Calls answered FLOOD_WAIT_n, and the longest n. */
  readonly floodWaits: number
  readonly longestFloodWait: number
  /** From the first call to the last one. */
  readonly windowSeconds: number
  /** The calls the budget allowed in that window: burst + rate x window. */
  readonly budget: number
  /** allowed / budget: 1 means every call the budget allowed was made. */
  readonly used: number
}

export class RateLimits {
  private limits = new Map<string, RateLimit>()
  private buckets = new Map<string, Bucket>()

  constructor(private readonly clock: () => number = Date.now) {}

  /** Replaces the limits in force; buckets start full again and the counts start afresh. */
  set(limits: ReadonlyArray<RateLimit>): void {
    this.limits = new Map(limits.map((l) => [l.method, l]))
    this.buckets = new Map()
  }

  /** The bucket a call of `method` counts against: `takeout:<method>`'s within a takeout when there is such a limit. */
  bucketOf(method: string, inTakeout: boolean): string {
    return inTakeout && this.limits.has(`takeout:${method}`) ? `takeout:${method}` : method
  }

  list(): ReadonlyArray<RateLimit> {
    return [...this.limits.values()]
  }

  /** Takes a token for one call: undefined lets it through, a number is the FLOOD_WAIT to answer. */
  take(account: string, method: string): number | undefined {
    const limit = this.limits.get(method)
    if (limit === undefined) return undefined
    const now = this.clock()
    const key = `${account}\u0000${method}`
    let bucket = this.buckets.get(key)
    if (bucket === undefined) {
      bucket = { tokens: limit.burst, at: now, allowed: 0, floodWaits: 0, longestFloodWait: 0, firstCall: now, lastCall: now }
      this.buckets.set(key, bucket)
    }
    bucket.tokens = Math.min(limit.burst, bucket.tokens + ((now - bucket.at) / 1000) * limit.perSecond)
    bucket.at = now
    bucket.lastCall = now
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1
      bucket.allowed++
      return undefined
    }
    const wait = Math.max(1, Math.ceil((1 - bucket.tokens) / limit.perSecond))
    bucket.floodWaits++
    bucket.longestFloodWait = Math.max(bucket.longestFloodWait, wait)
    return wait
  }

  usage(): ReadonlyArray<RateUsage> {
    return [...this.buckets].map(([key, b]) => {
      const [account, method] = key.split("\u0000") as [string, string]
      const limit = this.limits.get(method)!
      const windowSeconds = (b.lastCall - b.firstCall) / 1000
      const budget = limit.burst + limit.perSecond * windowSeconds
      return {
        account,
        method,
        allowed: b.allowed,
        floodWaits: b.floodWaits,
        longestFloodWait: b.longestFloodWait,
        windowSeconds,
        budget,
        used: b.allowed / budget
      }
    }).sort((a, b) => a.account.localeCompare(b.account) || a.method.localeCompare(b.method))
  }
}

/** A limit as the CLI and `GET /rate` write it. */
export const formatRateLimit = (l: RateLimit): string => `${l.method}=${Number(l.perSecond.toFixed(6))}/s,burst=${l.burst}`
