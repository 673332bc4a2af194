/**
 * The messages of a scenario `generate` block, computed on demand from
 * (block, index): nothing per message is stored, so a block of a million
 * messages costs only the dialog's id/date index. Everything derives from the
 * block's seed, so the same scenario always yields the same messages.
 */
import type { DocumentKind, GenerateSpec, MediaSpec, MessageSpec, PeerRef } from "./Scenario.js"
import { NO_DETAILS } from "./Scenario.js"

/** Date of the i-th message: spread evenly over [start, end), non-decreasing with i. */
export const generatedDate = (g: GenerateSpec, i: number): number => {
  // Split the product so it stays exact in doubles even for 10^7 messages over decades.
  const span = g.end - g.start
  const q = Math.floor(span / g.count)
  const r = span - q * g.count
  return g.start + i * q + Math.floor((i * r) / g.count)
}

/** A small, fast, well-mixed PRNG (mulberry32); `next()` is uniform in [0, 1). */
export const prng = (seed: number) => {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const mix = (seed: number, i: number): number => {
  let h = Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(i + 0x632be5ab, 0xc2b2ae35)
  h ^= h >>> 16
  h = Math.imul(h, 0x7feb352d)
  h ^= h >>> 15
  return h >>> 0
}

const WORDS = [
  "the", "a", "market", "bitcoin", "price", "today", "meeting", "tomorrow", "report", "photo", "look", "at",
  "this", "new", "release", "update", "weekend", "coffee", "team", "project", "deadline", "ship", "it",
  "great", "idea", "why", "not", "maybe", "later", "agreed", "thanks", "hello", "world", "launch", "rocket",
  "server", "database", "cache", "history", "search", "folder", "channel", "group", "message", "time",
  "café", "naïve", "Zürich", "São", "Paulo", "Привет", "мир", "日本語", "テスト", "中文", "مرحبا", "שלום",
  "🚀", "😀", "🎉", "👍", "🔥", "❤️", "Ελλάδα", "Straße", "ĳssel", "crème", "brûlée", "fiancé"
]

/** Deterministic text of the i-th message of the block: 3 to 16 words. */
export const generatedText = (g: GenerateSpec, i: number): string => {
  const next = prng(mix(g.seed, i))
  const n = 3 + Math.floor(next() * 14)
  const words: Array<string> = []
  for (let k = 0; k < n; k++) words.push(WORDS[Math.floor(next() * WORDS.length)]!)
  const text = words.join(" ")
  return text.charAt(0).toUpperCase() + text.slice(1)
}

export const generatedSender = (g: GenerateSpec, i: number): PeerRef =>
  g.senders.length === 1 ? g.senders[0]! : g.senders[mix(g.seed ^ 0x5bd1e995, i) % g.senders.length]!

interface DocumentTemplate {
  readonly kind: DocumentKind
  readonly minSize: number
  readonly maxSize: number
}

/** Media cycle: a photo, then each document kind in turn. */
const MEDIA_CYCLE: ReadonlyArray<DocumentTemplate | "photo"> = [
  "photo",
  { kind: "file", minSize: 1_000, maxSize: 3_000_000 },
  "photo",
  { kind: "video", minSize: 100_000, maxSize: 4_000_000 },
  { kind: "audio", minSize: 200_000, maxSize: 3_000_000 },
  "photo",
  { kind: "voice", minSize: 5_000, maxSize: 300_000 },
  { kind: "video_note", minSize: 50_000, maxSize: 1_500_000 },
  { kind: "sticker", minSize: 10_000, maxSize: 60_000 },
  { kind: "gif", minSize: 50_000, maxSize: 1_500_000 }
]

const FILE_NAMES: Partial<Record<DocumentKind, string>> = { file: "document", video: "clip", audio: "track", gif: "animation" }

/** Media of the i-th message: every `mediaEvery`-th message has a photo or a document. */
export const generatedMedia = (g: GenerateSpec, i: number): MediaSpec | null => {
  if (g.mediaEvery <= 0 || (i + 1) % g.mediaEvery !== 0) return null
  const j = (i + 1) / g.mediaEvery - 1
  const next = prng(mix(g.seed ^ 0x27d4eb2f, i))
  const template = MEDIA_CYCLE[j % MEDIA_CYCLE.length]!
  if (template === "photo") return { type: "photo", size: 20_000 + Math.floor(next() * 1_500_000), dc: null }
  const size = template.minSize + Math.floor(next() * (template.maxSize - template.minSize))
  const base = FILE_NAMES[template.kind]
  return {
    type: "document",
    kind: template.kind,
    fileName: base === undefined ? null : `${base}-${i + 1}${template.kind === "file" ? ".pdf" : template.kind === "audio" ? ".mp3" : ".mp4"}`,
    mimeType: template.kind === "file" ? "application/pdf" : null,
    size,
    dc: null,
    duration: template.kind === "sticker" || template.kind === "file" ? null : 1 + Math.floor(next() * 300)
  }
}

/** The i-th message of a block whose first message got id `firstId`. */
export const generatedMessage = (g: GenerateSpec, i: number, firstId: number): MessageSpec => {
  const id = firstId + i
  const roll = mix(g.seed ^ 0x165667b1, i)
  // About one message in twenty replies to one of the ten before it.
  const replyTo = i > 0 && roll % 20 === 0 ? id - 1 - ((roll >>> 8) % Math.min(10, i)) : null
  const from = generatedSender(g, i)
  return {
    peer: g.peer,
    owner: g.owner,
    id,
    date: generatedDate(g, i),
    from,
    text: generatedText(g, i),
    editDate: null,
    replyTo,
    postAuthor: null,
    fwdFrom: null,
    media: generatedMedia(g, i),
    // NO_DETAILS written out: spreading it here made this hot path forty times slower.
    views: null,
    forwards: null,
    pinned: false,
    groupedId: null,
    viaBot: null,
    entities: NO_DETAILS.entities,
    reactions: NO_DETAILS.reactions,
    replyToTopId: null,
    quote: null,
    topic: null,
    action: null,
    discussionOf: null
  }
}
