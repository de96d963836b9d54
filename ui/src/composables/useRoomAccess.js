// A room's door and the token it gives: the password a private room asks for (typed, or
// remembered for this tab, and sent first on every connection), the token its `entered` and
// `token` frames bring (history, search, uploads and downloads read it when they go), and the
// files cookie traded for that token. Open rooms pass through all of this untouched.
import { getCurrentScope, onScopeDispose, ref } from 'vue'
import { localServerHost } from '../address.js'
import { desktopApi, ownRoomPass } from '../desktopBridge.js'
import {
  ErrorCode,
  passFrame,
  passwordFrame,
  ROOM_TOKEN_HEADER,
  roomAccessUrl,
} from '../protocol.js'
import { forgetPassword, rememberedPassword, rememberPassword } from '../roomPasswords.js'
import { isPageHost } from '../roomFiles.js'
import { PASSWORD_REFUSALS } from '../roomRefusals.js'

// How long after asking for a pass the window may ask again (the room's password changed, say).
const PASS_AGAIN_AFTER_MS = 10_000

/** What the door made of a refusal (`refused`): null when it was not the door's. */
export const DoorAnswer = Object.freeze({
  PROMPT: 'prompt', // the password prompt asks (the refusal explains the failed connection)
  RETRY: 'retry', // this tab learnt the room's new password meanwhile: the next connection tries it
  STALE: 'stale', // the room is open now: the password we sent was for nothing, and is forgotten
})

/**
 * @param {object} options
 * @param {string} options.host
 * @param {string} options.room
 * @param {() => void} options.reconnect  open a new connection at once (the socket's)
 * @param {typeof fetch} options.fetchImpl
 * @param {Storage} [options.passwordStorage]  sessionStorage unless a test gives its own
 */
export function useRoomAccess({ host, room, reconnect, fetchImpl, passwordStorage }) {
  // A private room asks for its password: { code, retryAfter } of the door's refusal, else null.
  const passwordPrompt = ref(null)
  const isPrivate = ref(false) // the room let us in with its password (a lock in its header)

  let typedPassword = null // what the prompt was given, until the room accepts or refuses it
  let sentPassword = null // the password this connection opened with
  let token = null // from the `entered` frame: a private room's HTTP history needs it
  let retryWith = null // a password this tab learnt meanwhile (the host's own panel): try it, not ask
  let retryTimer = 0
  // The host's own window enters its own private rooms with a pass its bridge gives (the host
  // keeps only the password's hash): asked once per refusal, used for one connection.
  let hostPass = null
  let passAsked = null // the bridge's answer, while it comes
  const ownHost = () =>
    typeof desktopApi.value?.room_pass === 'function' && host === localServerHost()

  /** A connection opens: the door frame it goes in with (password or pass), or null. The last
   * connection's token is void. */
  function opening() {
    token = null
    sentPassword = typedPassword ?? rememberedPassword(host, room, passwordStorage)
    if (sentPassword) return passwordFrame(sentPassword)
    const pass = hostPass
    hostPass = null
    return pass ? passFrame(pass) : null
  }

  /** The door opened (a direct room's opens to our hello, not a password). */
  function entered(frame) {
    if (sentPassword) rememberPassword(host, room, sentPassword, passwordStorage)
    typedPassword = null
    token = frame.token
    passwordPrompt.value = null
    isPrivate.value = true
    // Only the page's own host can set the cookie; elsewhere files go with the token header.
    if (isPageHost(host)) openFiles(frame.token)
  }

  // A fresh token while we stay (the last one's life is half gone); the files cookie with it.
  function renewed(frame) {
    token = frame.token
    if (isPageHost(host)) openFiles(frame.token)
  }

  /** The room's welcome: it is private when its door gave us a token on this connection. */
  function welcomed() {
    isPrivate.value = token !== null
  }

  /** An error frame: a `DoorAnswer` when it concerns the door, else null. */
  function refused(frame) {
    const known = rememberedPassword(host, room, passwordStorage)
    if (frame.code === ErrorCode.PASSWORD_REQUIRED && known && known !== sentPassword) {
      retryWith = known // the room got a new password, and this tab was just given it
      return DoorAnswer.RETRY
    }
    if (frame.code === ErrorCode.PASSWORD_REQUIRED && !sentPassword && !passAsked && ownHost()) {
      passAsked = ownRoomPass(room) // this window hosts the room: no need to ask its person
      return DoorAnswer.RETRY
    }
    if (PASSWORD_REFUSALS.has(frame.code)) {
      // A wrong or outdated password is not tried again by itself.
      if (frame.code !== ErrorCode.PASSWORD_LOCKED || typedPassword) {
        forgetPassword(host, room, passwordStorage)
        typedPassword = null
      }
      passwordPrompt.value = { code: frame.code, retryAfter: frame.retry_after }
      return DoorAnswer.PROMPT
    }
    // A room that was private and is open now: our password frame was not for it.
    if (frame.code === ErrorCode.UNKNOWN_TYPE && sentPassword && !token) {
      forgetPassword(host, room, passwordStorage)
      return DoorAnswer.STALE
    }
    return null
  }

  /** The connection closed: with a password learnt meanwhile, or the host's pass, go again with it. */
  function closed() {
    if (passAsked && !retryWith) {
      passAsked.then((pass) => {
        if (pass) {
          hostPass = pass
          reconnect()
        } else {
          passwordPrompt.value = { code: ErrorCode.PASSWORD_REQUIRED }
        }
        // One pass per refusal: a pass that did not open the door is not asked for again at once.
        setTimeout(() => (passAsked = null), PASS_AGAIN_AFTER_MS)
      })
      return
    }
    if (!retryWith) return
    typedPassword = retryWith
    retryWith = null
    // After the socket has finished failing (it marks itself failed right after this).
    retryTimer = setTimeout(reconnect, 0)
  }

  /** The password the prompt was given: try the room again with it. */
  function enterPassword(password) {
    if (!password) return
    typedPassword = password
    passwordPrompt.value = null
    reconnect()
  }

  // <img> and download links cannot send the token header: the host trades it for a cookie that
  // opens this room's files (server/protocol/PROTOCOL.md, Files). Without it previews stay blank, nothing
  // else breaks, so a failure is only reported.
  async function openFiles(value) {
    try {
      const response = await fetchImpl(roomAccessUrl(host, room), {
        method: 'POST',
        headers: { [ROOM_TOKEN_HEADER]: value },
      })
      if (!response.ok) throw new Error(`HTTP ${response.status}`)
    } catch (error) {
      console.error('lanchat: could not open the room files', error)
    }
  }

  /** GET `url` of this room's HTTP API: a private room's token goes in a header, never the URL. */
  function fetchWithToken(url) {
    return token ? fetchImpl(url, { headers: { [ROOM_TOKEN_HEADER]: token } }) : fetchImpl(url)
  }

  if (getCurrentScope()) onScopeDispose(() => clearTimeout(retryTimer))

  return {
    passwordPrompt,
    isPrivate,
    // The token a private or direct room's door gave (null for an open room): uploads, search.
    roomToken: () => token,
    opening,
    entered,
    renewed,
    welcomed,
    refused,
    closed,
    enterPassword,
    fetch: fetchWithToken,
  }
}
