/**
 * Marked peer ids, the one id form used everywhere in the API: a user is
 * `+id`, a basic group `-id`, a channel or supergroup `-(1000000000000 + id)`.
 * Telegram's own ids are unmarked and only unique within their kind.
 */
export type PeerKind = "user" | "chat" | "channel"

const CHANNEL_OFFSET = 1_000_000_000_000

export interface UnmarkedPeer {
  readonly kind: PeerKind
  readonly id: number
}

export const markPeerId = (kind: PeerKind, id: number): number => {
  switch (kind) {
    case "user":
      return id
    case "chat":
      return -id
    case "channel":
      return -(CHANNEL_OFFSET + id)
  }
}

/** The kind and Telegram id behind a marked id; null for 0. */
export const unmarkPeerId = (marked: number): UnmarkedPeer | null => {
  if (marked > 0) return { kind: "user", id: marked }
  if (marked === 0) return null
  if (-marked > CHANNEL_OFFSET) return { kind: "channel", id: -marked - CHANNEL_OFFSET }
  return { kind: "chat", id: -marked }
}
