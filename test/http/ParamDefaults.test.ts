/**
 * URL parameter defaults are applied by the decoding (handlers get complete
 * values) and still shown in /openapi.json, as text, with the parameter's
 * own description.
 */
import { OpenApi } from "@effect/platform"
import { Schema } from "effect"
import { describe, expect, it } from "vitest"
import { TgscApi } from "../../src/http/Api.js"
import { DialogSearchUrlParams } from "../../src/http/dialogs/Api.js"
import { MessageSearchUrlParams } from "../../src/http/messages/Api.js"

describe("URL parameter defaults", () => {
  it("the decoding applies them; cache-only message search parameters stay absent unless given", () => {
    expect(Schema.decodeUnknownSync(DialogSearchUrlParams)({})).toEqual({
      match: "fuzzy", min_score: 0.8, sort: "last_message", order: "desc", limit: 50, offset: 0
    })
    expect(Schema.decodeUnknownSync(DialogSearchUrlParams)({ limit: "7", order: "asc" })).toMatchObject({ limit: 7, order: "asc" })
    expect(Schema.decodeUnknownSync(MessageSearchUrlParams)({})).toEqual({ limit: 50, source: "telegram" })
    expect(Schema.decodeUnknownSync(MessageSearchUrlParams)({ offset: "3" })).toEqual({ limit: 50, source: "telegram", offset: 3 })
  })

  it("/openapi.json documents each default and description", () => {
    const spec = OpenApi.fromApi(TgscApi)
    const params = (path: string) => spec.paths[path]!.get!.parameters
    const param = (path: string, name: string) => params(path).find((p) => p.name === name) as any
    expect(param("/api/v3/search/dialogs", "limit")).toMatchObject({ required: false, description: "integer 1-500", schema: { default: "50" } })
    expect(param("/api/v3/search/dialogs", "match").schema).toMatchObject({ enum: ["fuzzy", "exact"], default: "fuzzy" })
    expect(param("/api/v3/history/{dialog_id}", "chunk_size")).toMatchObject({ required: false, schema: { default: "100" } })
    expect(param("/api/v3/search/messages", "start_date")).toMatchObject({ description: "upper bound: messages before this date" })
    expect(param("/api/v3/search/messages", "offset")).toMatchObject({
      description: "skip this many results (paging) (source=cache or auto only)",
      schema: { default: "0" }
    })
  })
})
