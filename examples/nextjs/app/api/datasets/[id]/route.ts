// GET, PATCH and DELETE /api/datasets/[id]: one dataset with its full validation report,
// renamed or re-described, or deleted with its file.
import { ok } from '../../../../lib/server/respond'
import { route } from '../../../../lib/server/route'
import { badField } from '../../../../lib/server/errors'
import { onlyFields, readBody, stringField } from '../../../../lib/server/validate'

export const runtime = 'nodejs'
export const dynamic = 'force-dynamic'

type Params = { id: string }

export const GET = route<Params>(async ({ params, br }) => {
  const [dataset, report] = await Promise.all([br.datasets.retrieve(params.id), br.datasets.report(params.id)])
  return ok({ dataset, report: report ?? null })
})

export const PATCH = route<Params>(async ({ request, params, br }) => {
  const body = await readBody(request)
  onlyFields(body, ['name', 'description'])
  if (body.name === undefined && body.description === undefined) {
    throw badField('body', 'give name or description (or both) to change', 'name, description')
  }
  const name = stringField(body, 'name') ?? undefined
  const description = stringField(body, 'description', { nullable: true })
  const dataset = await br.datasets.update(params.id, description === undefined ? { name } : { name, description })
  return ok({ dataset })
})

export const DELETE = route<Params>(async ({ params, br }) => {
  await br.datasets.delete(params.id)
  return ok({ deleted: true, id: params.id })
})
