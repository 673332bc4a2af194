/**
 * Where every unwrapped RPC goes: counted by TL name, checked against the
 * injected faults, then answered by the world. Always yields the bytes of
 * an rpc_result's body (the result, or an rpc_error), never throws: a
 * handler that throws something other than an RpcError answers 500 INTERNAL
 * and is logged, since it is a bug in the world.
 */
import { Api } from "telegram"
import { encodeResult } from "./encodeResult.js"
import { type FaultSpec, Faults } from "./Faults.js"
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

  constructor(
    private readonly world: RpcHandler,
    private readonly logError: (message: string) => void,
    /** Per-call tracing, only when the emulator runs verbose. */
    private readonly debug?: (message: string) => void
  ) {}

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
    const method = request.className
    this.counts.set(method, (this.counts.get(method) ?? 0) + 1)
    const fault = this.faults.take(method)
    if (fault?.kind === "disconnect" || fault?.kind === "no-answer") return fault.kind
    if (fault !== undefined) {
      this.debug?.(`fault: ${method} -> ${fault.code} ${fault.message}`)
      return Promise.resolve(rpcErrorBytes(fault.code, fault.message))
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
}
