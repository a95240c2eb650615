// GET /api/jobs/[id]/events: the job's worker output as server-sent events, live until the job ends.
import { jobEvents } from '../../../../../lib/server/sse'
import { route } from '../../../../../lib/server/route'

export const runtime = 'nodejs'
export const dynamic = 'force-dynamic'

export const GET = route<{ id: string }>(async ({ request, params, br }) => {
  await br.jobs.retrieve(params.id) // another user's job is not found before any event is sent
  return jobEvents(br, params.id, request)
})
