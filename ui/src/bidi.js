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

// Letters of the scripts written right to left (Unicode bidi classes R and AL).
const RIGHT_TO_LEFT_LETTER =
  /[\p{Script=Hebrew}\p{Script=Arabic}\p{Script=Syriac}\p{Script=Thaana}\p{Script=Nko}\p{Script=Samaritan}\p{Script=Mandaic}\p{Script=Adlam}\p{Script=Hanifi_Rohingya}]/u

/**
 * The direction dir="auto" gives `text`: that of its first letter ('rtl' or 'ltr'), or '' when it
 * has none (digits, emoji, punctuation), as the HTML standard's first strong character rule does.
 * CSS cannot ask for it where it counts: the build turns :dir(rtl) into a list of languages.
 */
export function textDirection(text) {
  const letter = /\p{L}/u.exec(text)
  if (!letter) return ''
  return RIGHT_TO_LEFT_LETTER.test(letter[0]) ? 'rtl' : 'ltr'
}
