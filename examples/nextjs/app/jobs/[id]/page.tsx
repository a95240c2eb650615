import { JobMonitor } from '../../../components/JobMonitor'

export const metadata = { title: 'Training job' }

/** One training job, followed live. */
export default async function JobPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params
  return <JobMonitor id={id} />
}
