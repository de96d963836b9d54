// What must survive a restart (joined rooms, drafts, the outbox) is kept in localStorage, and in
// the desktop window also in the window's data folder, through the bridge. localStorage is keyed by
// the page's origin, and the window's page port can change between runs (another program took
// it); Chromium also writes localStorage to disk lazily, so a crash could lose the last change.
// Before the app mounts, the window's copy is put back into localStorage; afterwards every change
// goes to both. Reads stay synchronous, from localStorage.

const PREFIX = 'lanchat.'
export const BRIDGE_WAIT_MS = 5000

/** True for the page the desktop window shows: only it names its server in its address. */
export function inDesktopWindow(location = globalThis.location) {
  return new URLSearchParams(location.search).has('server')
}

/** The pywebview API once the window has injected it, or null after `waitMs`. */
export function whenBridgeReady(win = globalThis.window, waitMs = BRIDGE_WAIT_MS) {
  if (win.pywebview?.api) return Promise.resolve(win.pywebview.api)
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(null), waitMs)
    win.addEventListener(
      'pywebviewready',
      () => {
        clearTimeout(timer)
        resolve(win.pywebview?.api ?? null)
      },
      { once: true },
    )
  })
}

/**
 * A localStorage-shaped store that mirrors `lanchat.*` items to the window's data folder.
 * Writes reach the bridge one after another. Each bridge write is a file written and synced, so
 * a key's changes that pile up while the bridge is busy (a draft, one per keystroke) go as one:
 * its latest, in the place of its first.
 */
export function createWindowStorage({ local = globalThis.localStorage } = {}) {
  let api = null
  let queue = Promise.resolve()
  const waiting = new Map() // key -> its latest change not yet sent

  function mirror(key, call) {
    if (!api) return
    const queued = waiting.has(key)
    waiting.set(key, call)
    if (queued) return
    queue = queue
      .then(() => {
        const latest = waiting.get(key)
        waiting.delete(key)
        return latest()
      })
      .catch((error) => console.error('lanchat: could not keep', error))
  }

  return {
    getItem: (key) => local.getItem(key),
    setItem(key, value) {
      local.setItem(key, value)
      if (key.startsWith(PREFIX)) mirror(key, () => api.storage_set(key, String(value)))
    },
    removeItem(key) {
      local.removeItem(key)
      if (key.startsWith(PREFIX)) mirror(key, () => api.storage_remove(key))
    },
    /** From now on mirror to `bridge`, after putting its copy back into localStorage (it wins). */
    async attach(bridge) {
      api = bridge
      if (!api) return
      try {
        const items = (await api.storage_items()) ?? {}
        for (const [key, value] of Object.entries(items)) local.setItem(key, value)
      } catch (error) {
        console.error('lanchat: could not restore what the window kept', error)
      }
    },
    /** Wait until every change so far has reached the window. */
    settled: () => queue,
  }
}

/** The store the composables use; the desktop window gives it its bridge before the app mounts. */
export const appStorage = createWindowStorage()

/** Puts the window's copy back; the window's bridge once ready (null in a browser). */
export async function startWindowStorage() {
  if (!inDesktopWindow()) return null
  const api = await whenBridgeReady()
  await appStorage.attach(api)
  return api
}
