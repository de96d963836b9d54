// Where tus-js-client keeps the address of each unfinished upload, so picking the same file again
// (after a dropped connection, a reload, or in the window after the app restarts) continues from
// the host's last byte. tus's own store writes straight to localStorage; this one writes through
// appStorage, which the desktop window mirrors to its data folder (windowStorage.js), so it also
// outlives the window's page port changing between runs. One item holds them all: appStorage
// cannot list keys.

const KEY = 'lanchat.uploads'
// A forgotten upload expires on the host anyway; past this many the oldest addresses go.
export const MAX_REMEMBERED_UPLOADS = 50

/** A tus `urlStorage` (findAllUploads, findUploadsByFingerprint, addUpload, removeUpload). */
export function createResumeStore(storage, random = Math.random) {
  function read() {
    try {
      const saved = JSON.parse(storage.getItem(KEY) ?? '{}')
      return saved && typeof saved === 'object' && !Array.isArray(saved) ? saved : {}
    } catch {
      return {}
    }
  }

  function write(entries) {
    if (Object.keys(entries).length) storage.setItem(KEY, JSON.stringify(entries))
    else storage.removeItem(KEY)
  }

  const listed = (filter) =>
    Object.entries(read())
      .filter(([, entry]) => filter(entry))
      .map(([urlStorageKey, entry]) => {
        const upload = { ...entry, urlStorageKey }
        delete upload.fingerprint
        return upload
      })

  return {
    findAllUploads: async () => listed(() => true),
    findUploadsByFingerprint: async (fingerprint) =>
      listed((entry) => entry.fingerprint === fingerprint),
    async removeUpload(urlStorageKey) {
      const entries = read()
      delete entries[urlStorageKey]
      write(entries)
    },
    async addUpload(fingerprint, upload) {
      const key = `tus::${fingerprint}::${Math.round(random() * 1e12)}`
      const entries = { ...read(), [key]: { ...upload, fingerprint } }
      const keys = Object.keys(entries)
      for (const old of keys.slice(0, Math.max(0, keys.length - MAX_REMEMBERED_UPLOADS)))
        delete entries[old]
      write(entries)
      return key
    },
  }
}
