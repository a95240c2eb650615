// POST /api/jobs/[id]/cancel: cancels a queued or running job.
import { publicJob } from '../../../../../lib/server/jobs'
import { ok } from '../../../../../lib/server/respond'
import { route } from '../../../../../lib/server/route'

export const runtime = 'nodejs'
export const dynamic = 'force-dynamic'

export const POST = route<{ id: string }>(async ({ params, br }) => ok({ job: publicJob(await br.jobs.cancel(params.id)) }))
