/**
 * A job's worker output as server-sent events: an event `job` with the job, one unnamed
 * event per worker line, an event `end` with the final job once it has ended, then the
 * stream closes. A comment every 15 s keeps proxies from closing it. Closing the request
 * stops the reading.
 */

import type { BrightRun } from 'brightrun'

import { publicJob } from './jobs'

/** Milliseconds between keep-alive comments. */
const KEEP_ALIVE_MS = 15_000

/** One event in the `text/event-stream` framing. */
function frame(data: unknown, event?: string): string {
  return `${event ? `event: ${event}\n` : ''}data: ${JSON.stringify(data)}\n\n`
}

/** The event stream of job `jobId` (already known to be the caller's) for `request`. */
export function jobEvents(br: BrightRun, jobId: string, request: Request): Response {
  const stop = new AbortController()
  const abort = () => stop.abort()
  request.signal.addEventListener('abort', abort, { once: true })
  const encoder = new TextEncoder()
  let keepAlive: ReturnType<typeof setInterval> | undefined
  const body = new ReadableStream<Uint8Array>({
    async start(controller) {
      const send = (text: string) => {
        if (!stop.signal.aborted) controller.enqueue(encoder.encode(text))
      }
      keepAlive = setInterval(() => send(': keep-alive\n\n'), KEEP_ALIVE_MS)
      try {
        send(frame(publicJob(await br.jobs.retrieve(jobId)), 'job'))
        for await (const line of br.jobs.events(jobId, { signal: stop.signal })) send(frame(line))
        send(frame(publicJob(await br.jobs.retrieve(jobId)), 'end'))
      } catch (error) {
        if (!stop.signal.aborted) {
          console.error('brightrun api: job events stopped', error)
          send(frame({ message: 'the event stream stopped; reconnect to read the events again from the start' }, 'error'))
        }
      } finally {
        clearInterval(keepAlive)
        request.signal.removeEventListener('abort', abort)
        try {
          controller.close()
        } catch {
          // Cancelled by the reader already: nothing left to close.
        }
      }
    },
    cancel() {
      stop.abort()
      clearInterval(keepAlive)
    },
  })
  return new Response(body, {
    headers: {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    },
  })
}
