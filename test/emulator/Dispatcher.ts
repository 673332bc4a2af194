/**
 * Where every unwrapped RPC goes: counted by TL name, checked against the
 * injected faults and the account's rate budget (RateLimits.ts), then
 * answered by the world, the answer held back by the injected latency
 * (Latency.ts) if any. `InvokeWithTakeout` is counted (and faulted) too,
 * its takeout id checked by the world, then its inner query dispatched
 * (and counted) as any call. Always yields the bytes of an rpc_result's body (the result, or
 * an rpc_error), never throws: a handler that throws something other than
 * an RpcError answers 500 INTERNAL and is logged, since it is a bug in the world.
 */
import { Api } from "telegram"
import { encodeResult } from "./encodeResult.js"
import { type FaultSpec, Faults } from "./Faults.js"
import { delayed, drawDelay, type Latency, NO_LATENCY } from "./Latency.js"
import { type RateLimit, RateLimits, type RateUsage } from "./RateLimits.js"
import { type CallContext, type RpcHandler, RpcError } from "./RpcContext.js"

export type Dispatched = Promise<Buffer> | "disconnect" | "no-answer"

export const rpcErrorBytes = (code: number, message: string): Buffer =>
  new Api.RpcError({ errorCode: code, errorMessage: message }).getBytes()

/** `messages.GetHistory` -> `METHOD_NOT_IMPLEMENTED_MESSAGES_GET_HISTORY`, in Telegram's error style. */
export const notImplementedError = (method: string): string =>
  `METHOD_NOT_IMPLEMENTED_${method.replace(/([a-z0-9])([A-Z])/g, "$1_$2").replace(/\W/g, "_").toUpperCase()}`

export class Dispatcher {
  private counts = new Map<string, number>()
  private readonly faults = new Faults()
  private readonly rates: RateLimits
  private latencyInForce: Latency = NO_LATENCY

  constructor(
    private readonly world: RpcHandler,
    private readonly logError: (message: string) => void,
    /** Per-call tracing, only when the emulator runs verbose. */
    private readonly debug?: (message: string) => void,
    /** Tests fix the rate model's clock and the latency's jitter. */
    private readonly options: { readonly clock?: () => number; readonly random?: () => number } = {}
  ) {
    this.rates = new RateLimits(options.clock)
  }

  /** Replaces the rate limits in force; every bucket starts full and its counts afresh. */
  setRateLimits(limits: ReadonlyArray<RateLimit>): void {
    this.rates.set(limits)
  }

  rateLimits(): ReadonlyArray<RateLimit> {
    return this.rates.list()
  }

  rateUsage(): ReadonlyArray<RateUsage> {
    return this.rates.usage()
  }

  setLatency(latency: Latency): void {
    this.latencyInForce = latency
  }

  get latency(): Latency {
    return this.latencyInForce
  }

  calls(): Record<string, number> {
    return Object.fromEntries([...this.counts].sort(([a], [b]) => a.localeCompare(b)))
  }

  resetCalls(): void {
    this.counts = new Map()
  }

  addFault(spec: FaultSpec): void {
    this.faults.add(spec)
  }

  clearFaults(): void {
    this.faults.clear()
  }

  dispatch(request: { readonly className: string }, ctx: CallContext): Dispatched {
    const outcome = this.answer(request, ctx)
    if (typeof outcome === "string") return outcome
    return delayed(outcome, drawDelay(this.latencyInForce, this.options.random))
  }

  private answer(request: { readonly className: string }, ctx: CallContext): Dispatched {
    const method = request.className
    this.counts.set(method, (this.counts.get(method) ?? 0) + 1)
    const fault = this.faults.take(method)
    if (fault?.kind === "disconnect" || fault?.kind === "no-answer") return fault.kind
    if (fault !== undefined) {
      this.debug?.(`fault: ${method} -> ${fault.code} ${fault.message}`)
      return Promise.resolve(rpcErrorBytes(fault.code, fault.message))
    }
    if (method === "InvokeWithTakeout") return this.takeout(request as TakeoutCall, ctx)
    const account = this.world.accountOf?.(ctx)
    const wait = this.rates.take(
      account === undefined ? `key:${ctx.authKeyId}` : String(account),
      this.rates.bucketOf(method, ctx.takeoutId !== undefined)
    )
    if (wait !== undefined) {
      this.debug?.(`rate: ${method} -> FLOOD_WAIT_${wait}`)
      return Promise.resolve(rpcErrorBytes(420, `FLOOD_WAIT_${wait}`))
    }
    let answer: Promise<unknown>
    try {
      answer = Promise.resolve(this.world.handle(request, ctx))
    } catch (error) {
      answer = Promise.reject(error)
    }
    return answer.then(
      (result) => result === undefined ? rpcErrorBytes(400, notImplementedError(method)) : encodeResult(result),
      (error: unknown) => {
        if (error instanceof RpcError) return rpcErrorBytes(error.code, error.errorMessage)
        this.logError(`${method} failed: ${error instanceof Error ? error.stack ?? error.message : String(error)}`)
        return rpcErrorBytes(500, "INTERNAL")
      }
    ).catch((error: unknown) => {
      this.logError(`${method} returned a result that cannot be serialised: ${error instanceof Error ? error.message : String(error)}`)
      return rpcErrorBytes(500, "INTERNAL")
    })
  }

  /** invokeWithTakeout: the world checks the takeout id, then the inner query goes as any call. */
  private takeout(request: TakeoutCall, ctx: CallContext): Dispatched {
    const inner = request.query
    if (inner?.classType !== "request" || typeof inner.className !== "string") {
      return Promise.resolve(rpcErrorBytes(400, "INPUT_METHOD_INVALID"))
    }
    const takeoutId = String(request.takeoutId)
    try {
      this.world.checkTakeout?.(takeoutId, ctx)
    } catch (error) {
      if (error instanceof RpcError) return Promise.resolve(rpcErrorBytes(error.code, error.errorMessage))
      this.logError(`InvokeWithTakeout failed: ${error instanceof Error ? error.stack ?? error.message : String(error)}`)
      return Promise.resolve(rpcErrorBytes(500, "INTERNAL"))
    }
    return this.answer(inner as { className: string }, { ...ctx, takeoutId })
  }
}

interface TakeoutCall {
  readonly className: "InvokeWithTakeout"
  readonly takeoutId: { toString(): string }
  readonly query?: { readonly className?: string; readonly classType?: string }
}
