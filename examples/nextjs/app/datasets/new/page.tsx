import { DatasetUpload } from '../../../components/DatasetUpload'

export const metadata = { title: 'Upload a dataset' }

/** Upload a dataset and see its validation report. */
export default function NewDatasetPage() {
  return (
    <>
      <h1>Upload a dataset</h1>
      <DatasetUpload />
    </>
  )
}
