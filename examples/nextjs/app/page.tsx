// A bare upload form; the work is in app/api/validate/route.ts.
export default function Home() {
  return (
    <main>
      <h1>Validate a training dataset</h1>
      <form action="/api/validate" method="post" encType="multipart/form-data">
        <input type="file" name="file" accept=".jsonl,.json,.gz" required />
        <button type="submit">Validate</button>
      </form>
    </main>
  )
}
