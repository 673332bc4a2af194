/**
 * GramJS 2.26.22's send loop (MTProtoSender._sendLoop) takes each batch of
 * requests from its queue (MessagePacker.get), sends it and waits for the
 * next; while it waits, its suspended frame still holds the batch it sent
 * last (and the last request state of it, its loop variable). A request
 * state holds its promise, and a fulfilled promise holds its answer: a page
 * of history, a hundred messages as GramJS objects, kept from its arrival
 * until the next request goes out, long after the adapter has mapped it.
 * In a sync with parallel walkers that outlives V8's young generation, page
 * after page: most of what the old generation fills with between full
 * collections, which is what sets the server's peak memory.
 *
 * `releaseAnswers` makes each request state that goes out let go of its
 * promise once that is fulfilled (the promise, and its resolving functions,
 * which hold it as well): everyone who waits for the answer took
 * the promise before it was sent (MTProtoSender.send, the client's invoke,
 * the packer's own bookkeeping), and nothing in GramJS reads it afterwards;
 * should anything ever do, it gets an error naming this file rather than
 * the answer. A rejected promise is left as it is (the client's retry loop
 * waits on it again). Installed once, like FastLongs.ts.
 */
import { createRequire } from "node:module"

interface State {
  readonly request: { readonly classType: string }
  readonly promise: Promise<unknown>
  /** The promise's own resolving functions, which hold it too. */
  resolve: (value: unknown) => void
  reject: (reason?: unknown) => void
}

interface Packer {
  get(): Promise<{ readonly batch: ReadonlyArray<State | ReadonlyArray<State>> } | undefined>
}

const packerModule = createRequire(import.meta.url)("telegram/extensions/MessagePacker.js") as {
  MessagePacker: { prototype: Packer }
}

const taken = {
  configurable: true,
  enumerable: true,
  get: (): never => {
    throw new Error("a GramJS request state was read after its answer was taken (src/adapters/telegram/RequestAnswers.ts)")
  }
}

const settled = (): void => undefined

/** Makes `state` drop its promise, and with it the answer, once the promise is fulfilled. */
export const releaseAnswer = (state: State): void => {
  const answer = state.promise
  answer.then(() => {
    // (A state sent again, after a bad salt or message id, gets here twice: the first time let go of it.)
    if (Object.getOwnPropertyDescriptor(state, "promise")?.value !== answer) return
    Object.defineProperty(state, "promise", taken)
    // Settling a settled promise does nothing: these do the same without holding it.
    state.resolve = settled
    state.reject = settled
  }, () => undefined)
}

let installed = false

/** Wraps MessagePacker.get: every request state it hands to the send loop gets releaseAnswer; idempotent. */
export const releaseAnswers = (): void => {
  if (installed) return
  const proto = packerModule.MessagePacker.prototype
  const get = proto.get
  proto.get = async function(this: Packer) {
    const sent = await get.call(this)
    // Acknowledgements (MsgsAck) are states too, never answered.
    for (const state of sent?.batch.flat() ?? []) if (state.request.classType === "request") releaseAnswer(state)
    return sent
  }
  installed = true
}
