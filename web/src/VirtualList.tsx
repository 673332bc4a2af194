/**
 * A windowed list: only the rows in view (and a few screens around) are in
 * the DOM, between two spacers standing for the rest, so a list of a
 * million rows costs what a screenful does. Rows have their own heights:
 * each is measured once shown (and again when it changes size, an image
 * loading), the others count as `estimate`.
 *
 * Keys are message ids, sorted ascending: a row is found by binary search,
 * and the list keeps the row at the top of the view where it is when rows
 * are added above it (older messages loaded) or rows above change height.
 * At the bottom, it stays at the bottom (newest messages, like Telegram).
 */
import type { ComponentChildren } from "preact"
import { useEffect, useLayoutEffect, useMemo, useRef, useState } from "preact/hooks"

export interface ScrollRequest {
  readonly key: number
  readonly align: "start" | "center" | "end"
  /** A new number for each request, so the same key can be asked again. */
  readonly seq: number
}

export interface VirtualListProps {
  readonly keys: ReadonlyArray<number>
  readonly render: (index: number) => ComponentChildren
  readonly label: string
  readonly busy: boolean
  readonly estimate?: number
  readonly overscanPx?: number
  readonly onNearTop: () => void
  readonly onNearBottom: () => void
  readonly scrollRequest: ScrollRequest | null
  /** Whether to start at the bottom (and stay there while there). */
  readonly startAtBottom: boolean
}

/** The first index whose key is >= key (keys ascending). */
export const lowerBound = (keys: ReadonlyArray<number>, key: number): number => {
  let lo = 0
  let hi = keys.length
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if (keys[mid]! < key) lo = mid + 1
    else hi = mid
  }
  return lo
}

/** The index of the row covering `y` in prefix sums `tops` (length n + 1). */
const rowAt = (tops: Float64Array, n: number, y: number): number => {
  let lo = 0
  let hi = n - 1
  while (lo < hi) {
    const mid = (lo + hi + 1) >>> 1
    if (tops[mid]! <= y) lo = mid
    else hi = mid - 1
  }
  return Math.max(0, lo)
}

const NEAR_PX = 1200

export const VirtualList = (props: VirtualListProps) => {
  const estimate = props.estimate ?? 72
  const overscan = props.overscanPx ?? 800
  const scroller = useRef<HTMLDivElement>(null)
  const heights = useRef(new Map<number, number>())
  /** The row the view is pinned to, and how far below the view's top its top is. */
  const anchor = useRef<{ key: number; delta: number } | null>(null)
  const atBottom = useRef(props.startAtBottom)
  const [view, setView] = useState({ top: 0, height: 600 })
  const [measured, setMeasured] = useState(0)
  const observer = useRef<ResizeObserver | null>(null)
  const observed = useRef(new Set<HTMLElement>())
  const n = props.keys.length

  // Prefix sums of the rows' heights: tops[i] is row i's top, tops[n] the whole height. Computed again only when
  // rows come or a height is measured, not on every scroll.
  const tops = useMemo(() => {
    const t = new Float64Array(n + 1)
    for (let i = 0; i < n; i++) t[i + 1] = t[i]! + (heights.current.get(props.keys[i]!) ?? estimate)
    return t
  }, [props.keys, measured, estimate])
  const total = tops[n]!

  const first = n === 0 ? 0 : rowAt(tops, n, Math.max(0, view.top - overscan))
  const last = n === 0 ? -1 : rowAt(tops, n, view.top + view.height + overscan)

  const remember = () => {
    const el = scroller.current
    if (el === null) return
    atBottom.current = el.scrollTop + el.clientHeight >= el.scrollHeight - 4
    const keys = props.keys
    if (keys.length === 0) return
    const i = rowAt(tops, keys.length, el.scrollTop)
    anchor.current = { key: keys[i]!, delta: tops[i]! - el.scrollTop }
  }

  const onScroll = () => {
    const el = scroller.current
    if (el === null) return
    remember()
    setView({ top: el.scrollTop, height: el.clientHeight })
  }

  // Measure the rows shown; keep the anchor row in place (or the bottom at the bottom).
  useLayoutEffect(() => {
    const el = scroller.current
    if (el === null) return
    let changed = false
    for (const row of el.querySelectorAll<HTMLElement>("[data-vkey]")) {
      const key = Number(row.dataset["vkey"])
      const h = row.offsetHeight
      if (h > 0 && heights.current.get(key) !== h) {
        heights.current.set(key, h)
        changed = true
      }
      if (!observed.current.has(row)) {
        observed.current.add(row)
        observer.current?.observe(row)
      }
    }
    // Rows scrolled out are no longer watched (the observer would keep them, detached, for ever).
    for (const row of observed.current) {
      if (!row.isConnected) {
        observer.current?.unobserve(row)
        observed.current.delete(row)
      }
    }
    if (changed) {
      setMeasured((m) => m + 1)
      return
    }
    if (atBottom.current) {
      el.scrollTop = el.scrollHeight
    } else if (anchor.current !== null) {
      const i = lowerBound(props.keys, anchor.current.key)
      if (i < n) {
        const wanted = tops[i]! - anchor.current.delta
        if (Math.abs(el.scrollTop - wanted) > 1) el.scrollTop = wanted
      }
    }
    if (view.top !== el.scrollTop || view.height !== el.clientHeight) setView({ top: el.scrollTop, height: el.clientHeight })
  })

  useEffect(() => {
    observer.current = new ResizeObserver((entries) => {
      let changed = false
      for (const entry of entries) {
        const row = entry.target as HTMLElement
        const key = Number(row.dataset["vkey"])
        const h = row.offsetHeight
        if (h > 0 && heights.current.get(key) !== h) {
          heights.current.set(key, h)
          changed = true
        }
      }
      if (changed) setMeasured((m) => m + 1)
    })
    const resize = () => onScroll()
    window.addEventListener("resize", resize)
    return () => {
      observer.current?.disconnect()
      window.removeEventListener("resize", resize)
    }
  }, [])

  // A scroll request: put the row where asked, and pin it there while heights settle.
  useLayoutEffect(() => {
    const req = props.scrollRequest
    const el = scroller.current
    if (req === null || el === null) return
    const i = lowerBound(props.keys, req.key)
    if (i >= n) return
    const h = heights.current.get(props.keys[i]!) ?? estimate
    const delta = req.align === "start" ? 0 : req.align === "center" ? (el.clientHeight - h) / 2 : el.clientHeight - h
    atBottom.current = false
    anchor.current = { key: props.keys[i]!, delta: Math.max(0, delta) }
    el.scrollTop = tops[i]! - anchor.current.delta
    setView({ top: el.scrollTop, height: el.clientHeight })
  }, [props.scrollRequest?.seq])

  // Near an end: ask for more.
  useEffect(() => {
    if (n === 0) return
    if (view.top < NEAR_PX) props.onNearTop()
    if (total - view.top - view.height < NEAR_PX) props.onNearBottom()
  }, [view.top, view.height, n, measured])

  const rows: Array<ComponentChildren> = []
  for (let i = first; i <= last; i++) {
    rows.push(
      <div key={props.keys[i]} data-vkey={props.keys[i]} role="article" aria-posinset={i + 1} aria-setsize={n} class="vrow">
        {props.render(i)}
      </div>
    )
  }
  return (
    <div class="vlist" ref={scroller} onScroll={onScroll} role="feed" aria-label={props.label} aria-busy={props.busy} tabIndex={0}>
      <div class="vspacer" style={{ height: `${n === 0 ? 0 : tops[first]!}px` }} />
      {rows}
      <div class="vspacer" style={{ height: `${n === 0 ? 0 : total - tops[last + 1]!}px` }} />
    </div>
  )
}
