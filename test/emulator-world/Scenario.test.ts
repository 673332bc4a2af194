/**
 * Loading scenarios: the sample exercises every field, the contract's own
 * example loads unchanged, and a bad field is named in the error.
 */
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { describe, expect, it } from "@effect/vitest"
import { ScenarioError } from "../emulator/RpcContext.js"
import { loadWorldFromFile, World } from "../emulator/World.js"
import { fixture, sampleWorld } from "./WorldHarness.js"

/** The example scenario of the emulator contract, verbatim. */
const contractExample = {
  users: [{ id: 1001, first_name: "Alice", last_name: "Liddell", username: "alice", bot: false, verified: false }],
  chats: [{ id: 2001, title: "Family", creator: 1001, members: [1001, 1002], date: "2020-01-01 10:00:00" }],
  channels: [
    {
      id: 3001, title: "Crypto News", username: "cryptonews", megagroup: false,
      verified: true, creator: 1003, participants_count: 45231, date: "2020-03-10 12:00:00"
    }
  ],
  accounts: [
    {
      user: 1001, password: "hunter2", dc: 2,
      dialogs: [
        { peer: "user:1002", unread_count: 2, archived: false, pinned: false },
        { peer: "user:1001" },
        { peer: "channel:3001", archived: true }
      ],
      folders: [
        {
          id: 2, title: "Work", include_peers: ["channel:3001"], exclude_peers: [],
          pinned_peers: [], contacts: false, non_contacts: false, groups: true,
          broadcasts: false, bots: false, exclude_muted: false, exclude_read: false, exclude_archived: false
        }
      ]
    }
  ],
  messages: [
    {
      peer: "channel:3001", id: 1, date: "2024-01-15 14:30:00", from: "channel:3001",
      text: "Bitcoin just hit a new all-time high!", edit_date: null, reply_to: null, post_author: "Editor",
      fwd_from: null, media: { type: "photo", size: 2458624 }
    },
    {
      peer: "user:1002", owner: 1001, id: 7, date: "2024-02-01 09:00:00", from: "user:1002",
      text: "see attached", fwd_from: { channel: 3001 },
      media: { type: "document", kind: "file", file_name: "report.pdf", mime_type: "application/pdf", size: 48213 }
    }
  ],
  generate: [
    { peer: "channel:3001", count: 50000, start: "2019-01-01 00:00:00", end: "2024-01-01 00:00:00", media_every: 100, seed: 7 }
  ]
}

const errorOf = (json: unknown): string => {
  try {
    World.fromScenario(json)
  } catch (e) {
    if (e instanceof ScenarioError) return e.message
    throw e
  }
  return "no error"
}

describe("scenario loading", () => {
  it("loads the contract's example verbatim, creating the users it mentions but does not list", () => {
    const world = World.fromScenario(contractExample)
    expect(world.dcIds()).toEqual([1, 2])
    expect(world.timelineOf({ kind: "channel", id: 3001 }, null)!.count).toBe(50001)
    expect(world.timelineOf({ kind: "user", id: 1002 }, 1001)!.topId).toBe(7)
    expect(world.users.get(1002)!.firstName).toBe("User 1002")
    expect(world.users.get(1003)!.firstName).toBe("User 1003")
    expect(world.users.get(1001)!.username).toBe("alice")
  })

  it("loads the sample with every field", () => {
    const world = sampleWorld()
    expect(world.dcIds()).toEqual([1, 2])
    expect(world.accounts.get(1001)!.dialogs).toHaveLength(11)
    // Private-chat ids are one sequence per account: the generated block continues after 1001's last id.
    const family = world.timelineOf({ kind: "chat", id: 2001 }, 1001)!
    expect(family.count).toBe(153)
    expect(family.topId).toBe(169)
    expect(world.timelineOf({ kind: "chat", id: 2001 }, 1002)!.count).toBe(3)
    expect(world.timelineOf({ kind: "channel", id: 3004 }, null)!.count).toBe(2000)
  })

  it.each([
    [{ users: [{ id: 1, first_name: "A", nickname: "x" }] }, /^users\[0\]\.nickname: /],
    [{ users: [{ id: -4 }] }, /^users\[0\]\.id: expected a positive integer id/],
    [{ users: [{ id: 1 }, { id: 1 }] }, /^users\[1\]\.id: duplicate user id 1/],
    [{ users: [{ id: 1, username: "ab" }] }, /^users\[0\]\.username: "ab" is not a Telegram username/],
    [{ users: [{ id: 1 }], accounts: [{ user: 1, dc: 9 }] }, /^accounts\[0\]\.dc: expected a DC id from 1 to 5/],
    [{ users: [{ id: 1 }], accounts: [{ user: 1, dialogs: [{ peer: "chat:7" }] }] }, /^accounts\[0\]\.dialogs\[0\]\.peer: chat:7 is not among/],
    [{ users: [{ id: 1 }], accounts: [{ user: 1, dialogs: [{ peer: "group:7" }] }] }, /^accounts\[0\]\.dialogs\[0\]\.peer: expected a peer/],
    [
      { users: [{ id: 1 }], messages: [{ peer: "user:1", date: "2024-13-01 00:00:00" }] },
      /^messages\[0\]\.date: expected a date "YYYY-MM-DD HH:MM:SS"/
    ],
    [
      { users: [{ id: 1 }, { id: 2 }], accounts: [{ user: 1, dialogs: [{ peer: "user:2" }] }], messages: [{ peer: "user:2", date: "2024-01-01 00:00:00", media: { type: "photo" } }] },
      /^messages\[0\]\.media\.size: is missing/
    ],
    [
      { users: [{ id: 1 }, { id: 2 }], accounts: [{ user: 1, dialogs: [{ peer: "user:2" }] }], messages: [{ peer: "user:2", date: "2024-01-01 00:00:00", media: { type: "document", kind: "hologram", size: 3 } }] },
      /^messages\[0\]\.media\.kind: /
    ],
    [
      { users: [{ id: 1 }, { id: 2 }], accounts: [{ user: 1 }, { user: 2 }], messages: [{ peer: "user:2", date: "2024-01-01 00:00:00" }] },
      /^messages\[0\]\.owner: required for user:2/
    ],
    [
      { users: [{ id: 1 }, { id: 2 }, { id: 3 }], accounts: [{ user: 1, dialogs: [{ peer: "user:2" }] }], messages: [{ peer: "user:2", owner: 1, from: "user:3", date: "2024-01-01 00:00:00" }] },
      /^messages\[0\]\.from: in a private chat the sender is user:1 or user:2/
    ],
    [
      { users: [{ id: 1 }], channels: [{ id: 5, title: "C" }], messages: [{ peer: "channel:5", from: "user:1", date: "2024-01-01 00:00:00" }] },
      /^messages\[0\]\.from: posts in broadcast channel 5 come from channel:5/
    ],
    [
      { users: [{ id: 1 }, { id: 2 }], accounts: [{ user: 1, dialogs: [{ peer: "user:2" }, { peer: "user:1" }] }], messages: [
        { peer: "user:2", id: 4, date: "2024-01-01 00:00:00" },
        { peer: "user:1", id: 4, date: "2024-01-01 00:00:00" }
      ] },
      /^messages\[1\]\.id: id 4 is already used in user:2@1/
    ],
    [
      { channels: [{ id: 5, title: "C" }], generate: [{ peer: "channel:5", count: 3, start: "2024-01-02 00:00:00", end: "2024-01-01 00:00:00" }] },
      /^generate\[0\]\.end: must be after start/
    ],
    [{ options: { login_token_ttl_seconds: 0 } }, /^options\.login_token_ttl_seconds: /],
    [
      { users: [{ id: 1 }], chats: [{ id: 9, title: "G", members: [1] }], accounts: [{ user: 1, folders: [{ id: 2, title: "L", chatlist: true, groups: true }] }] },
      /^accounts\[0\]\.folders\[0\]: a chat-list folder/
    ]
  ])("rejects %j naming the field", (json, expected) => {
    expect(errorOf(json)).toMatch(expected)
  })

  it("numbers messages without ids after the dialog's newest", () => {
    const world = World.fromScenario({
      channels: [{ id: 5, title: "C" }],
      messages: [
        { peer: "channel:5", id: 10, date: "2024-01-01 00:00:00" },
        { peer: "channel:5", date: "2024-01-01 00:01:00" },
        { peer: "channel:5", id: 3, date: "2023-12-01 00:00:00" }
      ]
    })
    expect([...world.timelineOf({ kind: "channel", id: 5 }, null)!.idsNewestFirst()]).toEqual([11, 10, 3])
  })

  it("loadWorldFromFile names the file in its errors", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tgsc-scenario-"))
    const file = path.join(dir, "bad.json")
    fs.writeFileSync(file, JSON.stringify({ users: [{ id: "x" }] }))
    expect(() => loadWorldFromFile(file)).toThrow(`${file}: users[0].id: Expected number`)
    fs.writeFileSync(file, "{ not json")
    expect(() => loadWorldFromFile(file)).toThrow(ScenarioError)
    fs.writeFileSync(file, JSON.stringify(fixture("sample.json")))
    expect(loadWorldFromFile(file).dcIds()).toEqual([1, 2])
    fs.rmSync(dir, { recursive: true })
  })
})
