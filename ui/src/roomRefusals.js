// Where each refusal of the host goes, decided from the error frame alone. Pure: the room's
// connection looks the frame up here, then hands it to the part that owns it (the door's
// password prompt, the outbox, the message changes, the room's alert). The sentence shown for a
// code is i18n.js's errorText (`error.<code>` in the locales).
import { ErrorCode } from './protocol.js'

/** What a refusal concerns. */
export const Refusal = Object.freeze({
  RECEIPT: 'receipt', // a read receipt of ours: nobody is told, the next one says the same
  PASSWORD: 'password', // a private room's door: the password prompt
  CHANGE: 'change', // one of our edits, deletes or reactions (it names the message)
  TRY_LATER: 'try-later', // one frame, refused for now: it says when to try again
  ROOM: 'room', // anything else: it may explain a refused connection
})

// The refusals of a private room's door: each turns into the password prompt.
export const PASSWORD_REFUSALS = new Set([
  ErrorCode.PASSWORD_REQUIRED,
  ErrorCode.PASSWORD_WRONG,
  ErrorCode.PASSWORD_LOCKED,
])

// Refusals of one frame that say when to try again; they do not explain a refused connection.
const TRY_LATER_REFUSALS = new Set([ErrorCode.RATE_LIMITED, ErrorCode.NAME_CHANGE_TOO_SOON])

// Error codes that are about our name: the Settings panel shows them beside the Name field.
const NAME_REFUSALS = new Set(
  [
    ErrorCode.NAME_TAKEN,
    ErrorCode.NAME_CHANGE_TOO_SOON,
    ErrorCode.SENDER_EMPTY,
    ErrorCode.SENDER_TOO_LONG,
    ErrorCode.SENDER_INVALID,
  ].filter(Boolean),
)

/** Whether refusal `code` is about our name (shown beside the Name field in Settings). */
export function isNameRefusal(code) {
  return NAME_REFUSALS.has(code)
}

/** The first of rooms' latest refusals (or nulls) that is about our name, else null. */
export function nameRefusalAmong(errors) {
  return errors.find((error) => error && isNameRefusal(error.code)) ?? null
}

/**
 * What the error `frame` concerns (a `Refusal`). A frame that names a message (`id`) and none of
 * the outbox (`client_id`) refuses a change of ours; a rate-limited one is a read receipt.
 */
export function refusalOf(frame) {
  const namesMessage = frame.id != null && !frame.client_id
  if (frame.code === ErrorCode.SEEN_INVALID) return Refusal.RECEIPT
  if (frame.code === ErrorCode.RATE_LIMITED && Number.isInteger(frame.id) && !frame.client_id)
    return Refusal.RECEIPT
  if (PASSWORD_REFUSALS.has(frame.code)) return Refusal.PASSWORD
  if (namesMessage) return Refusal.CHANGE
  if (TRY_LATER_REFUSALS.has(frame.code)) return Refusal.TRY_LATER
  return Refusal.ROOM
}
