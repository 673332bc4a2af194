/** GramJS entities to the names the API shows: a dialog is named the same in dialog search and in message search. */
import bigInt from "big-integer"
import { Api } from "telegram"
import { describe, expect, it } from "vitest"
import { dialogOf, dialogTitleOf } from "../../../src/adapters/telegram/Mapping.js"

const user = (fields: Partial<ConstructorParameters<typeof Api.User>[0]>) => new Api.User({ id: bigInt(1002), ...fields })

const dialogOfEntity = (entity: Api.User | Api.Chat | Api.Channel) =>
  new Api.Dialog({
    peer: entity.className === "User"
      ? new Api.PeerUser({ userId: entity.id })
      : entity.className === "Chat"
      ? new Api.PeerChat({ chatId: entity.id })
      : new Api.PeerChannel({ channelId: entity.id }),
    topMessage: 0,
    readInboxMaxId: 0,
    readOutboxMaxId: 0,
    unreadCount: 0,
    unreadMentionsCount: 0,
    unreadReactionsCount: 0,
    notifySettings: new Api.PeerNotifySettings({})
  })

describe("dialogTitleOf", () => {
  const cases: Array<[string, Api.User | Api.Chat | Api.Channel, string | null]> = [
    ["your own chat", user({ self: true, firstName: "Morgan", lastName: "Many" }), "Saved Messages"],
    ["a deleted account", user({ deleted: true }), "Deleted Account"],
    ["a user", user({ firstName: "Søren", lastName: "田中" }), "Søren 田中"],
    ["a user with a first name only", user({ firstName: "Uxía" }), "Uxía"],
    ["a user without a name", user({}), null],
    ["a basic group", new Api.Chat({ id: bigInt(6001), title: "Book club 📚", photo: new Api.ChatPhotoEmpty(), participantsCount: 3, date: 0, version: 1 }), "Book club 📚"],
    ["a channel", new Api.Channel({ id: bigInt(7015), title: "Crypto News", photo: new Api.ChatPhotoEmpty(), date: 0 }), "Crypto News"]
  ]
  it.each(cases)("%s", (_, entity, title) => {
    expect(dialogTitleOf(entity)).toBe(title)
  })

  it.each(cases.filter(([, , title]) => title !== null))("matches the dialog list's title: %s", (_, entity) => {
    expect(dialogOf(dialogOfEntity(entity), entity, undefined, 0)?.title).toBe(dialogTitleOf(entity))
  })
})
