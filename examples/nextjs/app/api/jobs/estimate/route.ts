// POST /api/jobs/estimate: duration range, cost, memory fit and advice of a job on a ready dataset.
import { jobOptions } from '../../../../lib/server/jobs'
import { ok } from '../../../../lib/server/respond'
import { route } from '../../../../lib/server/route'
import { readBody } from '../../../../lib/server/validate'

export const runtime = 'nodejs'
export const dynamic = 'force-dynamic'

export const POST = route(async ({ request, br }) => ok({ estimate: await br.jobs.estimate(jobOptions(await readBody(request))) }))
