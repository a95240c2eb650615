import { DatasetDetailView } from '../../../components/DatasetDetailView'

export const metadata = { title: 'Dataset' }

/** One dataset and its validation report. */
export default async function DatasetPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params
  return <DatasetDetailView id={id} />
}
