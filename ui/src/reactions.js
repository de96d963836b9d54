// What the UI offers and shows of reactions. The server decides what a reaction may be
// (reaction_invalid, too_many_reactions); this only keeps the quick row and reads the groups.

export const QUICK_REACTIONS = Object.freeze(['👍', '❤️', '😂', '😮', '😢', '🎉'])
// Names listed in a reaction's tooltip before "and N more".
export const REACTORS_LISTED_MAX = 10

/**
 * The reaction groups of a message as the bar shows them: emoji, count, whether one is ours,
 * and who, by name (ours first, as "you").
 * @param {{emoji: string, by: {identity: string, name: string}[]}[]} reactions
 * @param {string | null} me  our identity
 */
export function reactionChips(reactions, me) {
  return (reactions ?? [])
    .filter((group) => group.by.length > 0)
    .map((group) => {
      const mine = Boolean(me) && group.by.some((who) => who.identity === me)
      const others = group.by.filter((who) => who.identity !== me).map((who) => who.name)
      return { emoji: group.emoji, count: group.by.length, mine, others }
    })
}

/** Whether our identity is among those who put `emoji` on the message. */
export function reactedWith(reactions, emoji, me) {
  return (
    Boolean(me) &&
    (reactions ?? []).some(
      (group) => group.emoji === emoji && group.by.some((who) => who.identity === me),
    )
  )
}
