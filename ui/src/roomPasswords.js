// Passwords of private rooms this tab entered, so a reconnect or a reload does not ask again.
// In sessionStorage, not localStorage: a password lasts as long as the tab (or the window's
// page), and is never kept on disk beside the settings, where the window's lanchat.* items go.
// Without sessionStorage (a sandboxed page) they live in memory only.
const memory = new Map()

function sessionStore() {
  try {
    return globalThis.sessionStorage ?? null
  } catch {
    return null
  }
}

const keyOf = (host, room) => `lanchat-room-password:${host}/${room}`

export function rememberedPassword(host, room, storage = sessionStore()) {
  const key = keyOf(host, room)
  return storage?.getItem(key) ?? memory.get(key) ?? null
}

export function rememberPassword(host, room, password, storage = sessionStore()) {
  const key = keyOf(host, room)
  try {
    if (storage) {
      storage.setItem(key, password)
      return
    }
  } catch {
    // full or refused: memory keeps it for this page
  }
  memory.set(key, password)
}

export function forgetPassword(host, room, storage = sessionStore()) {
  const key = keyOf(host, room)
  memory.delete(key)
  storage?.removeItem(key)
}
