/**
 * The Swagger UI route as an app of its own, for SwaggerDocs to import on
 * the first request: this module is what pulls in the Swagger UI assets.
 */
import { type HttpApi, HttpApiSwagger, HttpLayerRouter } from "@effect/platform"

export const swaggerDocsApp = (api: HttpApi.HttpApi.Any, path: `/${string}`) =>
  HttpLayerRouter.toHttpEffect(HttpApiSwagger.layerHttpLayerRouter({ api, path }))
