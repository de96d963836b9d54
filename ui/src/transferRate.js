// Speed and time left of a transfer, from the bytes done so far. The speed is taken over the last
// few seconds, not since the start: after a pause or a resume the figure follows what the link
// does now.
export const RATE_WINDOW_MS = 5000

export function createTransferRate(now = () => Date.now()) {
  let samples = []
  return {
    /** `done` bytes of `total` at this moment: { speed (bytes/s, null at first), secondsLeft }. */
    update(done, total) {
      const at = now()
      samples.push({ at, done })
      while (samples.length > 2 && at - samples[1].at >= RATE_WINDOW_MS) samples.shift()
      const first = samples[0]
      const elapsed = (at - first.at) / 1000
      if (elapsed <= 0 || done < first.done) return { speed: null, secondsLeft: null }
      const speed = (done - first.done) / elapsed
      return { speed, secondsLeft: speed > 0 ? Math.ceil((total - done) / speed) : null }
    },
    /** A pause or a new attempt: what came before says nothing of the link now. */
    reset() {
      samples = []
    },
  }
}
