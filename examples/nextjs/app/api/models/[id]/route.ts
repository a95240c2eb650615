// GET and PATCH /api/models/[id]: one trained adapter; renamed, re-described or archived.
import { MODEL_STATUSES } from '../../../../lib/server/enums'
import { badField } from '../../../../lib/server/errors'
import { ok } from '../../../../lib/server/respond'
import { route } from '../../../../lib/server/route'
import { choice, onlyFields, readBody, stringField } from '../../../../lib/server/validate'

export const runtime = 'nodejs'
export const dynamic = 'force-dynamic'

type Params = { id: string }

export const GET = route<Params>(async ({ params, br }) => ok({ model: await br.models.retrieve(params.id) }))

export const PATCH = route<Params>(async ({ request, params, br }) => {
  const body = await readBody(request)
  onlyFields(body, ['name', 'description', 'status'])
  if (Object.keys(body).length === 0) throw badField('body', 'give name, description or status to change', 'name, description, status')
  const name = stringField(body, 'name') ?? undefined
  const description = stringField(body, 'description', { nullable: true })
  const status = choice(body.status, 'status', MODEL_STATUSES)
  const changes = description === undefined ? { name, status } : { name, description, status }
  return ok({ model: await br.models.update(params.id, changes) })
})
