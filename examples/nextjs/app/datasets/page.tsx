import Link from 'next/link'

import { DatasetList } from '../../components/DatasetList'
import { firstParam } from '../../lib/client/params'

export const metadata = { title: 'Datasets' }

/** The user's datasets. */
export default async function DatasetsPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const params = await searchParams
  return (
    <>
      <div className="page-head">
        <h1>Datasets</h1>
        <Link href="/datasets/new" className="button primary">Upload a dataset</Link>
      </div>
      <DatasetList initial={{ status: firstParam(params.status), search: firstParam(params.search), page: firstParam(params.page) }} />
    </>
  )
}
