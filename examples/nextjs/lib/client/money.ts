// Amounts of money typed by the user: kept as text end to end, never turned into a float.

/** An amount in USD as typed: digits with an optional decimal part of up to 6 digits. */
const AMOUNT = /^\d{1,12}(\.\d{1,6})?$/

/** Whether `text` is empty (no amount) or a well-formed amount. */
export function isAmountOrEmpty(text: string): boolean {
  const trimmed = text.trim()
  return trimmed === '' || AMOUNT.test(trimmed)
}
