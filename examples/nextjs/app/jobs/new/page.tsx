import { ConfigureJob } from '../../../components/ConfigureJob'
import { firstParam } from '../../../lib/client/params'

export const metadata = { title: 'Configure training' }

/** Configure a training job with a live estimate, and start it. */
export default async function NewJobPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const params = await searchParams
  return (
    <>
      <h1>Configure training</h1>
      <ConfigureJob initialDatasetId={firstParam(params.dataset)} />
    </>
  )
}
