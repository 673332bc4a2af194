/**
 * An edit through the control API (`POST /messages` naming a message that
 * exists): the fields it gives replace the old ones (`null` clears one), the
 * others stay, and its edit_date is now unless given.
 */
import type { MessageSpec } from "./Scenario.js"

/** `old` edited by `replacement` (parsed from `raw`, the JSON object as given); `now` in seconds. */
export const editedMessage = (old: MessageSpec, replacement: MessageSpec, raw: Record<string, unknown>, now: number): MessageSpec => {
  const given = (field: string) => Object.hasOwn(raw, field)
  return {
    ...old,
    date: raw.date != null ? replacement.date : old.date,
    from: given("from") ? replacement.from : old.from,
    text: given("text") ? replacement.text : old.text,
    replyTo: given("reply_to") ? replacement.replyTo : old.replyTo,
    postAuthor: given("post_author") ? replacement.postAuthor : old.postAuthor,
    fwdFrom: given("fwd_from") ? replacement.fwdFrom : old.fwdFrom,
    media: given("media") ? replacement.media : old.media,
    views: given("views") ? replacement.views : old.views,
    forwards: given("forwards") ? replacement.forwards : old.forwards,
    pinned: given("pinned") ? replacement.pinned : old.pinned,
    groupedId: given("grouped_id") ? replacement.groupedId : old.groupedId,
    viaBot: given("via_bot") ? replacement.viaBot : old.viaBot,
    entities: given("entities") ? replacement.entities : old.entities,
    reactions: given("reactions") ? replacement.reactions : old.reactions,
    replyToTopId: given("reply_to_top_id") ? replacement.replyToTopId : old.replyToTopId,
    quote: given("quote") ? replacement.quote : old.quote,
    topic: given("topic") ? replacement.topic : old.topic,
    action: given("action") ? replacement.action : old.action,
    discussionOf: given("discussion_of") ? replacement.discussionOf : old.discussionOf,
    editDate: raw.edit_date != null ? replacement.editDate : now
  }
}
