// Search parameters as Next.js hands them to a page.

/** The first value of a search parameter as Next.js passes them to a page, or ''. */
export function firstParam(value: string | string[] | undefined): string {
  return (Array.isArray(value) ? value[0] : value) ?? ''
}
