import { ModelDetail } from '../../../components/ModelDetail'

export const metadata = { title: 'Model' }

/** One trained adapter and its files. */
export default async function ModelPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params
  return <ModelDetail id={id} />
}
