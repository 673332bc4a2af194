/**
 * The forum topic routes of the HTTP API (issue 17): a forum's topics.
 * Declared here, handled in Http.ts beside it; src/http/Api.ts adds the
 * group to TgscApi.
 */
import { HttpApiEndpoint, HttpApiGroup, OpenApi } from "@effect/platform"
import { Schema } from "effect"
import { TopicListResponse } from "../../contract/Topics.js"
import { BadGateway, BadRequest, NotFound, RateLimited, ServiceUnavailable } from "../ApiErrors.js"
import { SessionAuth } from "../CurrentSession.js"
import { DialogIdParam, QueryParam } from "../Params.js"

export class TopicsGroup extends HttpApiGroup.make("topics")
  .add(
    HttpApiEndpoint.get("listTopics", "/api/v3/dialogs/:dialog_id/topics")
      .setPath(Schema.Struct({ dialog_id: DialogIdParam }))
      .setUrlParams(Schema.Struct({
        q: Schema.optional(QueryParam.annotations({ description: "only topics whose title matches (dialog search's fuzzy match), best first" }))
      }))
      .addSuccess(TopicListResponse)
      .addError(BadRequest)
      .addError(NotFound)
      .addError(RateLimited)
      .addError(ServiceUnavailable)
      .annotate(
        OpenApi.Summary,
        "A forum's topics; message_count is the cached messages of a topic whose whole history is cached, else null"
      )
  )
  .addError(BadGateway)
  .middleware(SessionAuth)
  .annotate(OpenApi.Title, "Forum topics")
{}
