// GET /api/models/[id]/download: each file of the model with its size, sha256 and a URL:
// a signed GET URL on S3-compatible storage, else this app's streaming route.
import { ok } from '../../../../../lib/server/respond'
import { route } from '../../../../../lib/server/route'

export const runtime = 'nodejs'
export const dynamic = 'force-dynamic'

export const GET = route<{ id: string }>(async ({ params, br }) => {
  const files = (await br.models.downloadUrls(params.id)).map(({ name, bytes, sha256, location }) =>
    location.kind === 'signed_url'
      ? { name, bytes, sha256, url: location.url, expiresAt: location.expiresAt }
      : { name, bytes, sha256, url: `/api/models/${encodeURIComponent(params.id)}/files/${encodeURIComponent(name)}`, expiresAt: null },
  )
  return ok({ files })
})
