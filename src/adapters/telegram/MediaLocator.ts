/**
 * The opaque `locator` of a media file: what upload.getFile needs to fetch
 * it again (id, access hash, file reference, DC, and the photo size).
 */
import { Api } from "telegram"
import bigInt from "big-integer"

export type MediaLocator =
  | {
    readonly kind: "photo"
    readonly id: string
    readonly accessHash: string
    readonly fileReference: string
    readonly dcId: number
    readonly thumbSize: string
    readonly size: number
  }
  | {
    readonly kind: "document"
    readonly id: string
    readonly accessHash: string
    readonly fileReference: string
    readonly dcId: number
    readonly size: number
  }

export const encodeLocator = (locator: MediaLocator): string => JSON.stringify(locator)

export const decodeLocator = (text: string): MediaLocator => {
  const value = JSON.parse(text) as MediaLocator
  if (value.kind !== "photo" && value.kind !== "document") throw new Error("unknown media locator")
  return value
}

export const inputLocation = (locator: MediaLocator): Api.TypeInputFileLocation =>
  locator.kind === "photo"
    ? new Api.InputPhotoFileLocation({
      id: bigInt(locator.id),
      accessHash: bigInt(locator.accessHash),
      fileReference: Buffer.from(locator.fileReference, "base64"),
      thumbSize: locator.thumbSize
    })
    : new Api.InputDocumentFileLocation({
      id: bigInt(locator.id),
      accessHash: bigInt(locator.accessHash),
      fileReference: Buffer.from(locator.fileReference, "base64"),
      thumbSize: ""
    })
