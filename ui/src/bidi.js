// A name or room title is whatever people typed: right-to-left letters, or U+202E RIGHT-TO-LEFT
// OVERRIDE, would otherwise reorder our own sentence around it ("Alice reacted" read backwards).
// In markup such text goes in <bdi> (or an element with dir="auto"); where no markup can go
// (an attribute, a notification's title), it goes between these two isolating characters.
export const FIRST_STRONG_ISOLATE = '\u2068'
export const POP_DIRECTIONAL_ISOLATE = '\u2069'

/** `text` as a run the text around it cannot reorder and that cannot reorder its neighbours. */
export function isolate(text) {
  return `${FIRST_STRONG_ISOLATE}${text}${POP_DIRECTIONAL_ISOLATE}`
}

/** `names` each isolated, joined by `separator`: a list of people inside a sentence. */
export function isolateEach(names, separator = ', ') {
  return names.map(isolate).join(separator)
}
