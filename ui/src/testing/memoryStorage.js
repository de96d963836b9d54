// A localStorage-shaped store in memory, for composables that take a `storage`.
export function memoryStorage() {
  const items = new Map()
  return {
    items,
    getItem: (key) => items.get(key) ?? null,
    setItem: (key, value) => items.set(key, String(value)),
    removeItem: (key) => items.delete(key),
  }
}
