/**
 * Server-Sent Events framing, read from text as it arrives: complete events
 * (separated by a blank line) out, the incomplete tail kept for the next
 * read. Comment lines (`: keep-alive`) are skipped; `data:` lines joined.
 */
export interface SseEvent {
  /** `message` when the event names none. */
  readonly event: string
  readonly data: string
}

export const parseSse = (text: string): { readonly events: Array<SseEvent>; readonly rest: string } => {
  const events: Array<SseEvent> = []
  // A trailing CR may be the first half of a CRLF: it waits for the next piece.
  const held = text.endsWith("\r") ? "\r" : ""
  const normalised = (held === "" ? text : text.slice(0, -1)).replace(/\r\n?/g, "\n")
  const blocks = normalised.split("\n\n")
  const rest = (blocks.pop() ?? "") + held
  for (const block of blocks) {
    let event = "message"
    const data: Array<string> = []
    for (const line of block.split("\n")) {
      if (line === "" || line.startsWith(":")) continue
      const colon = line.indexOf(":")
      const field = colon === -1 ? line : line.slice(0, colon)
      let value = colon === -1 ? "" : line.slice(colon + 1)
      if (value.startsWith(" ")) value = value.slice(1)
      if (field === "event") event = value
      else if (field === "data") data.push(value)
    }
    if (data.length > 0) events.push({ event, data: data.join("\n") })
  }
  return { events, rest }
}
