import { ModelList } from '../../components/ModelList'
import { firstParam } from '../../lib/client/params'

export const metadata = { title: 'Models' }

/** The user's trained adapters. */
export default async function ModelsPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const params = await searchParams
  return (
    <>
      <h1>Models</h1>
      <ModelList initial={{ status: firstParam(params.status), page: firstParam(params.page) }} />
    </>
  )
}
