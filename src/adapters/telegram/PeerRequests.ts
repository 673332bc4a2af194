/**
 * Requests about one peer that the gateway sends as they are: its full
 * info's participant count, and messages by id. Each takes the connection's
 * client and the resolved input peer; the gateway wraps them in its call
 * (timeouts, rate limits, peer errors).
 */
import { Api } from "telegram"
import type { MessageRecord } from "../../domain/Message.js"
import type { TelegramClient } from "telegram"
import { messagesOf } from "./Mapping.js"

/** Participants from the full chat info, for entities that omit the count. */
export const participantsOf = async (client: TelegramClient, peer: Api.TypeInputPeer): Promise<number | null> => {
  if (peer.className === "InputPeerChannel") {
    const full = await client.invoke(
      new Api.channels.GetFullChannel({
        channel: new Api.InputChannel({ channelId: peer.channelId, accessHash: peer.accessHash })
      })
    )
    return full.fullChat.className === "ChannelFull" ? full.fullChat.participantsCount ?? null : null
  }
  if (peer.className === "InputPeerChat") {
    const full = await client.invoke(new Api.messages.GetFullChat({ chatId: peer.chatId }))
    const participants = full.fullChat.className === "ChatFull" ? full.fullChat.participants : undefined
    return participants?.className === "ChatParticipants" ? participants.participants.length : null
  }
  return null
}

/**
 * The messages with these ids (at most 100), as Telegram has them now: a
 * channel's through channels.getMessages, the account's own copies of
 * private and group messages through messages.getMessages. Ids Telegram no
 * longer has are left out.
 */
export const messagesByIdsOf = async (
  client: TelegramClient,
  selfId: number,
  peer: Api.TypeInputPeer,
  ids: ReadonlyArray<number>
): Promise<{ readonly result: Api.messages.TypeMessages; readonly messages: ReadonlyArray<MessageRecord> }> => {
  const id = ids.map((n) => new Api.InputMessageID({ id: n }))
  const result = peer.className === "InputPeerChannel"
    ? await client.invoke(
      new Api.channels.GetMessages({ channel: new Api.InputChannel({ channelId: peer.channelId, accessHash: peer.accessHash }), id })
    )
    : await client.invoke(new Api.messages.GetMessages({ id }))
  return { result, messages: messagesOf(result, selfId).messages }
}
