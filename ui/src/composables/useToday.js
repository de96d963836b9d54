// Today's date as a reactive value that changes at local midnight, so "Today" and "Yesterday"
// headings move on by themselves when a window stays open overnight.
import { getCurrentScope, onScopeDispose, ref } from 'vue'
import { localDay } from '../timeFormat.js'

/** Milliseconds from `now` until just after the next local midnight. */
export function untilNextMidnight(now = Date.now()) {
  const next = new Date(now)
  next.setHours(24, 0, 0, 0)
  return next.getTime() - now + 1000 // a second past, so the new day has surely begun
}

export function useToday() {
  const today = ref(localDay(Date.now() / 1000))
  let timer = 0
  function schedule() {
    timer = setTimeout(() => {
      today.value = localDay(Date.now() / 1000)
      schedule()
    }, untilNextMidnight())
  }
  schedule()
  if (getCurrentScope()) onScopeDispose(() => clearTimeout(timer))
  return today
}
