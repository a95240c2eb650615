import { CostsView } from '../../components/CostsView'

export const metadata = { title: 'Costs' }

/** Spending by month and type against the budget. */
export default function CostsPage() {
  return (
    <>
      <h1>Costs</h1>
      <CostsView />
    </>
  )
}
