/** Successful answers: `{success: true, data}`. */

/** A JSON success (200 unless `status` says otherwise). */
export function ok(data: object, status = 200): Response {
  return Response.json({ success: true, data }, { status })
}
