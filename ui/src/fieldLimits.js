// A text field's limit counted as the server counts it: in characters (code points). The
// `maxlength` attribute counts UTF-16 units, so it would stop a name of emoji at half its length.
import { charCount } from './protocol.js'

/** `text` cut to at most `max` characters. */
export function clipChars(text, max) {
  return charCount(text) > max ? Array.from(text).slice(0, max).join('') : text
}

/**
 * Cut an input's value to `max` characters where the person typed or pasted it, keeping the caret
 * where it was. Returns the value to keep. While an input method composes a word, the value is
 * left alone: cutting it then would break the word; the next input event cuts it.
 */
export function limitInput(event, max) {
  const field = event.target
  if (event.isComposing) return field.value
  const clipped = clipChars(field.value, max)
  if (clipped !== field.value) {
    const caret = Math.min(field.selectionStart ?? clipped.length, clipped.length)
    field.value = clipped
    field.setSelectionRange?.(caret, caret)
  }
  return clipped
}
