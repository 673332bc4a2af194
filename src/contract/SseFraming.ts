/**
 * Server-Sent Events framing. Data is JSON written with `", "` and `": "`
 * separators, as the contract shows it (`data: {"messages": [...]}`) and
 * the earlier implementation sent it, so clients matching on text keep working.
 */

/** JSON of plain data (objects, arrays, strings, numbers, booleans, null) with spaced separators. */
export const spacedJson = (value: unknown): string => {
  switch (typeof value) {
    case "string":
      return JSON.stringify(value)
    case "number":
      return Number.isFinite(value) ? String(value) : "null"
    case "boolean":
      return value ? "true" : "false"
    case "object": {
      if (value === null) return "null"
      // String concatenation, not arrays and join: this runs for every field of every streamed message.
      let out = ""
      if (Array.isArray(value)) {
        for (let i = 0; i < value.length; i++) out += (i === 0 ? "" : ", ") + spacedJson(value[i])
        return `[${out}]`
      }
      for (const k in value) {
        const v = (value as Record<string, unknown>)[k]
        if (v !== undefined) out += (out === "" ? "" : ", ") + quotedKey(k) + spacedJson(v)
      }
      return `{${out}}`
    }
    default:
      return "null"
  }
}

const keys = new Map<string, string>()
const quotedKey = (k: string): string => {
  let q = keys.get(k)
  if (q === undefined) {
    q = `${JSON.stringify(k)}: `
    if (keys.size < 1000) keys.set(k, q)
  }
  return q
}

export const namedEvent = (event: string, data: unknown): string => `event: ${event}\ndata: ${spacedJson(data)}\n\n`

/** A comment line: ignored by clients, it keeps proxies and idle timeouts from closing the connection. */
export const KEEP_ALIVE = ": keep-alive\n\n"
