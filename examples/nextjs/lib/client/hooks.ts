// React hooks over the API helpers: load a resource, and keep polling it while it changes.
import { useCallback, useEffect, useRef, useState } from 'react'

import { ApiError, apiGet, errorText, isAbort } from './api'

/** A loaded resource: its data (kept while reloading), the last error, and a reload. */
export interface Resource<T> {
  data: T | undefined
  error: string | undefined
  reload: () => void
}

/** Options of `useResource`. */
export interface ResourceOptions<T> {
  /** Reload every this many milliseconds while `keepPolling(data)` is true (and after a transient error). */
  pollMs?: number
  /** Whether to poll again after this answer (default: never). */
  keepPolling?: (data: T) => boolean
}

/**
 * GET `path` and keep the answer; a new path or `reload()` loads it
 * again, and a superseded request is aborted.
 */
export function useResource<T>(path: string, options: ResourceOptions<T> = {}): Resource<T> {
  const [data, setData] = useState<T>()
  const [error, setError] = useState<string>()
  const [generation, setGeneration] = useState(0)
  const optionsRef = useRef(options)
  optionsRef.current = options

  const reload = useCallback(() => setGeneration((value) => value + 1), [])

  useEffect(() => {
    const controller = new AbortController()
    let timer: ReturnType<typeof setTimeout> | undefined
    apiGet<T>(path, undefined, controller.signal)
      .then((answer) => {
        setData(answer)
        setError(undefined)
        const { pollMs, keepPolling } = optionsRef.current
        if (pollMs && keepPolling?.(answer)) timer = setTimeout(reload, pollMs)
      })
      .catch((caught: unknown) => {
        if (isAbort(caught)) return
        setError(errorText(caught))
        // A lost connection or a server error may pass: a polled resource tries again.
        if (optionsRef.current.pollMs && caught instanceof ApiError && (caught.status === 0 || caught.status >= 500)) {
          timer = setTimeout(reload, optionsRef.current.pollMs)
        }
      })
    return () => {
      controller.abort()
      clearTimeout(timer)
    }
  }, [path, generation, reload])

  return { data, error, reload }
}

/** `value`, once it has stayed the same for `delayMs` milliseconds. */
export function useDebounced<T>(value: T, delayMs: number): T {
  const [settled, setSettled] = useState(value)
  useEffect(() => {
    const timer = setTimeout(() => setSettled(value), delayMs)
    return () => clearTimeout(timer)
  }, [value, delayMs])
  return settled
}
