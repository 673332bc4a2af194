/**
 * Marked peer ids, the one id form used everywhere in the API: a user is
 * `+id`, a basic group `-id`, a channel or supergroup `-(1000000000000 + id)`.
 * Telegram's own ids are unmarked and only unique within their kind.
 */
export type PeerKind = "user" | "chat" | "channel"

const CHANNEL_OFFSET = 1_000_000_000_000

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
