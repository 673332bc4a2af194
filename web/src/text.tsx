/**
 * A message's text as text nodes, never HTML: entities that are links
 * (`url`, `text_url`, `email`) become anchors opening in a new tab without
 * a referrer or opener; everything else stays plain text.
 */
import type { ComponentChildren } from "preact"
import type { Entity } from "./types.js"

/** Only web and mail links are followed; anything else (javascript:, data:) stays text. */
export const safeHref = (url: string): string | null => {
  const withScheme = /^[a-z][a-z0-9+.-]*:/i.test(url) ? url : `https://${url}`
  try {
    const parsed = new URL(withScheme)
    return parsed.protocol === "http:" || parsed.protocol === "https:" || parsed.protocol === "mailto:" ? parsed.href : null
  } catch {
    return null
  }
}

const link = (text: string, href: string | null, key: number): ComponentChildren =>
  href === null ? text : (
    <a key={key} href={href} target="_blank" rel="noopener noreferrer">
      {text}
    </a>
  )

export const MessageText = (props: { readonly text: string; readonly entities: ReadonlyArray<Entity> | null | undefined }) => {
  const { text } = props
  const links = (props.entities ?? [])
    .filter((e) => e.type === "url" || e.type === "text_url" || e.type === "email")
    .sort((a, b) => a.offset - b.offset)
  const parts: Array<ComponentChildren> = []
  let at = 0
  links.forEach((e, i) => {
    if (e.offset < at || e.offset + e.length > text.length) return
    parts.push(text.slice(at, e.offset))
    const shown = text.slice(e.offset, e.offset + e.length)
    const target = e.type === "text_url" ? e.url ?? "" : e.type === "email" ? `mailto:${shown}` : e.url ?? shown
    parts.push(link(shown, safeHref(target), i))
    at = e.offset + e.length
  })
  parts.push(text.slice(at))
  return <span class="text">{parts}</span>
}
