/**
 * One message of a conversation: author, date and id, forward and reply
 * lines, the text (as text), the media, the thread's reply count. A class
 * with shouldComponentUpdate: scrolling re-renders the list on every move,
 * and a row whose message and highlight did not change is left alone.
 */
import { Component } from "preact"
import { Media } from "./Media.js"
import { MessageText } from "./text.js"
import type { Message } from "./types.js"

export const authorOf = (m: Message): string => {
  const name = [m.first_name, m.last_name].filter((p) => p !== null && p !== "").join(" ")
  return m.post_author ?? (name !== "" ? name : m.username ?? (m.sender_id === null ? "" : `#${m.sender_id}`))
}

export interface RowActions {
  readonly showMessage: (id: number) => void
  readonly openPhoto: (url: string, alt: string) => void
  /** Undefined inside a thread (no threads of threads). */
  readonly openThread: ((id: number) => void) | undefined
}

export interface MessageRowProps {
  readonly session: string
  readonly m: Message
  readonly highlight: boolean
  readonly actions: RowActions
}

export class MessageRow extends Component<MessageRowProps> {
  override shouldComponentUpdate(next: MessageRowProps): boolean {
    const p = this.props
    return next.m !== p.m || next.highlight !== p.highlight || next.session !== p.session || next.actions !== p.actions
  }

  override render() {
    const { m, session, actions } = this.props
    const author = authorOf(m)
    return (
      <div class={`msg${this.props.highlight ? " highlight" : ""}`} id={`m${m.message_id}`}>
        <div class="meta">
          {author !== "" && <span class="author">{author}</span>}
          <time dateTime={`${m.date.replace(" ", "T")}Z`}>{m.date}</time>
          <span class="mid">#{m.message_id}</span>
        </div>
        {m.is_forwarded === 1 && (
          <div class="fwd">Forwarded from {m.forward_from_name ?? (m.forwarded_from_channel_id === null ? "a hidden sender" : `#${m.forwarded_from_channel_id}`)}</div>
        )}
        {m.reply_to !== null && (
          <button type="button" class="reply" onClick={() => actions.showMessage(m.reply_to!)}>
            Reply to #{m.reply_to}
          </button>
        )}
        {m.action != null && <div class="action">[{m.action.type.replace(/_/g, " ")}]</div>}
        {m.message !== "" && <MessageText text={m.message} entities={m.entities} />}
        {m.media_type !== null && <Media session={session} m={m} onOpenPhoto={actions.openPhoto} />}
        {(m.replies ?? 0) > 0 && actions.openThread !== undefined && (
          <button type="button" class="thread" onClick={() => actions.openThread?.(m.message_id)}>
            {m.replies} {m.replies === 1 ? "reply" : "replies"}
          </button>
        )}
      </div>
    )
  }
}
