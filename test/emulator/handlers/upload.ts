/**
 * upload.getFile with Telegram's rules (core.telegram.org/api/files): offset
 * and limit multiples of 4 KiB, limit at most 1 MiB and a divisor of it, one
 * request never crossing a 1 MiB boundary (`precise` relaxes this to 1 KiB
 * steps); the location's id, access hash and file reference must be the
 * ones this account was given; a file on another DC answers FILE_MIGRATE_n.
 */
import { Api } from "telegram"
import { accessHash, decodeFileId, fileReferenceOf } from "../AccountView.js"
import { mediaIdentity, mediaSlice, photoSizes } from "../Media.js"
import { RpcError } from "../RpcContext.js"
import type { HandlerTable } from "./Handler.js"
import { toNumber } from "./Handler.js"

const KIB = 1024
const MIB = 1024 * 1024

const checkRange = (offset: number, limit: number, precise: boolean): void => {
  const step = precise ? KIB : 4 * KIB
  if (offset < 0 || offset % step !== 0) throw new RpcError(400, "OFFSET_INVALID")
  if (limit <= 0 || limit % step !== 0 || limit > MIB) throw new RpcError(400, "LIMIT_INVALID")
  if (!precise && (MIB % limit !== 0 || Math.floor(offset / MIB) !== Math.floor((offset + limit - 1) / MIB))) {
    throw new RpcError(400, "LIMIT_INVALID")
  }
}

export const uploadHandlers: HandlerTable = {
  "upload.GetFile": (req: Api.upload.GetFile, ctx, world) => {
    const view = world.viewOf(ctx)
    const offset = toNumber(req.offset)
    checkRange(offset, req.limit, req.precise === true)
    const location = req.location
    if (location.className !== "InputPhotoFileLocation" && location.className !== "InputDocumentFileLocation") {
      throw new RpcError(400, "LOCATION_INVALID")
    }
    const kind = location.className === "InputPhotoFileLocation" ? "photo" : "document"
    const decoded = decodeFileId(location.id)
    const timeline = decoded === undefined ? undefined : world.timelines[decoded.timelineIndex]
    const message = decoded === undefined ? undefined : timeline?.message(decoded.messageId)
    const media = message?.media
    const reachable = timeline !== undefined &&
      (timeline.owner === null ? view.canSeeChannel(timeline.peer.id) : timeline.owner === view.me)
    if (
      timeline === undefined || message === undefined || media === undefined || media === null ||
      media.type !== kind || !reachable || !location.accessHash.equals(accessHash(view.me, kind, location.id.toString()))
    ) {
      throw new RpcError(400, "FILE_ID_INVALID")
    }
    if (!Buffer.from(location.fileReference).equals(fileReferenceOf(location.id, world.fileReferenceGeneration()))) {
      throw new RpcError(400, "FILE_REFERENCE_EXPIRED")
    }
    const dc = world.mediaDc(timeline, media)
    if (dc !== ctx.dcId) throw new RpcError(303, `FILE_MIGRATE_${dc}`)

    let identity = mediaIdentity(timeline.peer, timeline.owner, message.id)
    let size = media.size
    if (media.type === "photo") {
      const sizes = photoSizes(media.size)
      const chosen = sizes.find((s) => s.type === location.thumbSize)
      if (chosen === undefined) throw new RpcError(400, "LOCATION_INVALID")
      // The largest size is the photo itself (what GET /media serves); the others are thumbnails.
      if (chosen !== sizes.at(-1)) identity = mediaIdentity(timeline.peer, timeline.owner, message.id, chosen.type)
      size = chosen.size
    } else if (location.thumbSize !== "") {
      throw new RpcError(400, "LOCATION_INVALID")
    }
    return new Api.upload.File({
      type: media.type === "photo" ? new Api.storage.FileJpeg() : new Api.storage.FilePartial(),
      mtime: message.date,
      bytes: mediaSlice(identity, size, offset, req.limit)
    })
  }
}
