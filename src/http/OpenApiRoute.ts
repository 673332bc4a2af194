/**
 * GET /openapi.json: the API's OpenAPI document, as @effect/platform's own
 * `HttpApiBuilder.middlewareOpenApi` writes it, but written on the first
 * request and kept, instead of while the server starts. Walking every
 * endpoint's schemas into JSON Schema took about 25 ms of each start-up
 * (some 7% of it, bench/RESULTS.md) for a document most runs never serve.
 */
import { HttpApi, HttpApiBuilder, HttpServerResponse, OpenApi } from "@effect/platform"
import { Effect } from "effect"

export const OpenApiRouteLive = (options: { readonly path: `/${string}` }) =>
  HttpApiBuilder.Router.use((router) =>
    Effect.gen(function*() {
      const { api } = yield* HttpApi.Api
      // The first request writes the response (the document as JSON), whichever that is; the rest reuse it, as
      // the platform's middleware reuses the one it writes at start.
      let response: HttpServerResponse.HttpServerResponse | undefined
      yield* router.get(
        options.path,
        Effect.suspend(() =>
          response !== undefined
            ? Effect.succeed(response)
            : Effect.tap(HttpServerResponse.json(OpenApi.fromApi(api)), (written) => {
              response = written
            })
        ).pipe(Effect.orDie)
      )
    })
  )
