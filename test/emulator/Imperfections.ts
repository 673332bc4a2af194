/**
 * Ways the real Telegram is less tidy than the emulator by default, each a
 * named flag: set in the scenario's `options` (snake_case below) or at any
 * time through the control API (`GET`/`POST /imperfections`, see
 * ControlApi.ts). All are off by default, so existing scenarios behave as
 * before; a "realistic" mode turns them on together.
 *
 * | option | effect when on |
 * |---|---|
 * | `pinned_across_folders` | messages.getDialogs with a folder_id returns, on its first page, the pinned dialogs of both the main list and the archive (as Telegram does), and folder 0 lists the archive itself as a `dialogFolder` entry |
 * | `min_peers` | in messages of groups and channels, senders the account has not met (no private dialog, not a contact, not itself) and forward origins are sent as `min` users/channels (an access hash the account cannot use) unless the same answer also carries the full entity; `InputPeerUserFromMessage`, `InputPeerChannelFromMessage`, `InputUserFromMessage` and `InputChannelFromMessage` naming the message they were seen in are accepted, plain input peers built from a min hash are refused (PEER_ID_INVALID / USER_ID_INVALID / CHANNEL_INVALID) |
 * | `expiring_file_references` | file references change every `file_reference_window_seconds` (default 3600) of the emulator's clock; upload.getFile with an older one answers FILE_REFERENCE_EXPIRED (`POST /file-references/rotate` rotates them at once) |
 * | `clock_offset_seconds` | the emulator's clock runs this many seconds ahead of (or, negative, behind) the machine's: dates it sends (help.getConfig, QR login token expiry, appended messages' default date) and its own expiry checks use it |
 */
import { Either, ParseResult, Schema } from "effect"
import { ScenarioError } from "./RpcContext.js"

export interface Imperfections {
  readonly pinnedAcrossFolders: boolean
  readonly minPeers: boolean
  readonly expiringFileReferences: boolean
  readonly fileReferenceWindowSeconds: number
  readonly clockOffsetSeconds: number
}

export const NO_IMPERFECTIONS: Imperfections = {
  pinnedAcrossFolders: false,
  minPeers: false,
  expiringFileReferences: false,
  fileReferenceWindowSeconds: 3600,
  clockOffsetSeconds: 0
}

/** The fields of the scenario's `options` (and of `POST /imperfections`) that set the imperfections. */
export const imperfectionFields = {
  pinned_across_folders: Schema.optional(Schema.Boolean),
  min_peers: Schema.optional(Schema.Boolean),
  expiring_file_references: Schema.optional(Schema.Boolean),
  file_reference_window_seconds: Schema.optional(Schema.Int.pipe(Schema.positive(), Schema.lessThanOrEqualTo(31_536_000))),
  clock_offset_seconds: Schema.optional(Schema.Int.pipe(Schema.between(-31_536_000, 31_536_000)))
}

type ImperfectionsJson = Schema.Struct.Type<typeof imperfectionFields>

/** `base` with the flags `json` gives replaced. */
export const applyImperfections = (base: Imperfections, json: ImperfectionsJson | undefined): Imperfections => ({
  pinnedAcrossFolders: json?.pinned_across_folders ?? base.pinnedAcrossFolders,
  minPeers: json?.min_peers ?? base.minPeers,
  expiringFileReferences: json?.expiring_file_references ?? base.expiringFileReferences,
  fileReferenceWindowSeconds: json?.file_reference_window_seconds ?? base.fileReferenceWindowSeconds,
  clockOffsetSeconds: json?.clock_offset_seconds ?? base.clockOffsetSeconds
})

/** The control API's view of the flags, in the scenario's spelling. */
export const imperfectionsJson = (i: Imperfections) => ({
  pinned_across_folders: i.pinnedAcrossFolders,
  min_peers: i.minPeers,
  expiring_file_references: i.expiringFileReferences,
  file_reference_window_seconds: i.fileReferenceWindowSeconds,
  clock_offset_seconds: i.clockOffsetSeconds
})

const Patch = Schema.Struct(imperfectionFields)

/** `POST /imperfections`: some flags to change; throws ScenarioError naming the bad field (unknown fields too). */
export const parseImperfectionsPatch = (input: unknown): ImperfectionsJson => {
  const decoded = Schema.decodeUnknownEither(Patch, { onExcessProperty: "error" })(input)
  if (Either.isLeft(decoded)) {
    throw new ScenarioError(ParseResult.TreeFormatter.formatErrorSync(decoded.left))
  }
  return decoded.right
}
