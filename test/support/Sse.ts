/** Server-Sent Events bodies as the tests read them, and write the reference ones. */
import { spacedJson } from "../../src/contract/SseFraming.js"

export interface SseEvent {
  readonly event: string
  readonly data: unknown
}

export interface SseBody {
  readonly text: string
  readonly events: Array<SseEvent>
  readonly keepAlives: number
}

/** Splits an SSE body into its events (comments dropped) and counts its keep-alive comments. */
export const parseSse = (text: string): SseBody => {
  const events: Array<SseEvent> = []
  let keepAlives = 0
  for (const block of text.split("\n\n")) {
    if (block.trim() === "") continue
    let event = "message"
    const data: Array<string> = []
    for (const line of block.split("\n")) {
      if (line === ": keep-alive") keepAlives++
      else if (line.startsWith("event: ")) event = line.slice(7)
      else if (line.startsWith("data: ")) data.push(line.slice(6))
    }
    if (data.length > 0) events.push({ event, data: JSON.parse(data.join("\n")) })
  }
  return { text, events, keepAlives }
}

/** An unnamed event (what `onmessage` receives) as the server frames one: the reference the fast writers are checked against. */
export const dataEvent = (data: unknown): string => `data: ${spacedJson(data)}\n\n`
