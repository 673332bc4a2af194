/**
 * The server records where it listens in its data directory
 * (adapters/fs/ServerAddressFile.ts) once it listens, and removes the record
 * when it stops, so a program finding the directory locked can reach it
 * (tgsc-mcp relays its requests there). An unspecified bind address is
 * recorded as the loopback address of its family.
 */
import { HttpServer } from "@effect/platform"
import { Effect, Layer, Option } from "effect"
import { recordServerAddress } from "../adapters/fs/ServerAddressFile.js"
import type { AppConfigShape } from "../config/AppConfig.js"

export const urlOf = (address: HttpServer.Address): string | undefined => {
  if (address._tag !== "TcpAddress") return undefined
  const host = address.hostname === "0.0.0.0" ? "127.0.0.1" : address.hostname === "::" ? "::1" : address.hostname
  return `http://${host.includes(":") ? `[${host}]` : host}:${address.port}`
}

export const withRecordedAddress = (config: AppConfigShape) => <A, E, R>(layer: Layer.Layer<A, E, R>) =>
  Layer.scopedDiscard(
    Effect.flatMap(HttpServer.HttpServer, (server) => {
      const url = urlOf(server.address)
      return url === undefined
        ? Effect.void
        : recordServerAddress(config.dataDir, { url, pid: process.pid, tokenRequired: Option.isSome(config.apiToken) })
    })
  ).pipe(Layer.provideMerge(layer))
