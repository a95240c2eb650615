import Link from 'next/link'

import { JobList } from '../../components/JobList'
import { firstParam } from '../../lib/client/params'

export const metadata = { title: 'Training jobs' }

/** The user's training jobs. */
export default async function JobsPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const params = await searchParams
  return (
    <>
      <div className="page-head">
        <h1>Training jobs</h1>
        <Link href="/jobs/new" className="button primary">Configure training</Link>
      </div>
      <JobList initial={{ status: firstParam(params.status), page: firstParam(params.page) }} />
    </>
  )
}
