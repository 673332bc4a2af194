/**
 * The update machinery's settings (Updates.ts): set through the control API
 * (`POST /updates/settings`) or the CLI's `--updates '{"difference_limit":50}'`.
 */

// A type alias, not an interface, so it passes where a Record of numbers is expected (EmulatorWorld).
export type UpdateSettings = {
  /** Most changes one getDifference answers before it answers differenceSlice (Telegram: about 1000). */
  readonly difference_limit: number
  /** Changes kept per message box; a client older than the oldest kept one gets differenceTooLong (Telegram: about 100000). */
  readonly retention: number
  /** Seconds a client should wait before asking getChannelDifference again, as channelDifference* `timeout`. */
  readonly channel_timeout: number
}

export const DEFAULT_UPDATE_SETTINGS: UpdateSettings = { difference_limit: 1000, retention: 100_000, channel_timeout: 30 }

/** Parses `{"difference_limit": n, ...}` over `base`; a string says what is wrong. */
export const parseUpdateSettings = (value: unknown, base: UpdateSettings): UpdateSettings | string => {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return "expected an object of settings"
  const next: Record<string, number> = { ...base }
  for (const [key, v] of Object.entries(value)) {
    if (!Object.hasOwn(base, key)) return `unknown setting ${JSON.stringify(key)} (known: ${Object.keys(base).join(", ")})`
    const min = key === "difference_limit" ? 1 : 0
    if (typeof v !== "number" || !Number.isSafeInteger(v) || v < min) return `${key}: expected an integer >= ${min}, got ${JSON.stringify(v)}`
    next[key] = v
  }
  return next as unknown as UpdateSettings
}
