import Link from 'next/link'

/** The page for an address that names nothing. */
export default function NotFound() {
  return (
    <>
      <h1>Not found</h1>
      <p>There is nothing at this address. <Link href="/">Back to the start</Link>.</p>
    </>
  )
}
