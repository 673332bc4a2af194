/**
 * The shape of the world's RPC handlers: one function per TL method name
 * (`"messages.GetHistory"`), given the decoded GramJS request, the call's
 * context and the world; it returns a GramJS TL object (or an array or a
 * boolean) or throws an RpcError. Optional request fields that were not
 * sent arrive as null (GramJS's decoder), so handlers test them with `== null`.
 */
import type { CallContext } from "../RpcContext.js"
import type { World } from "../World.js"

// Requests arrive as GramJS objects of whatever class their constructor id named.
export type Handler = (request: any, ctx: CallContext, world: World) => unknown

export type HandlerTable = Readonly<Record<string, Handler>>

/** A long (big-integer, bigint or number) as a JS number; ids and offsets here fit. */
export const toNumber = (value: { toString(): string } | number | bigint | undefined | null): number =>
  value === undefined || value === null ? 0 : Number(value.toString())

/** Telegram caps list requests at 100 and treats 0 (or less) as its default of 20. */
export const pageLimit = (limit: number | undefined, max = 100): number =>
  limit === undefined || limit <= 0 ? 20 : Math.min(limit, max)
