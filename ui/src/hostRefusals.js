// A host control the server refused, as the window's bridge rejects its Promise: the message is
// "code: sentence" (desktop/host_controls.py, server/rooms/bans.py ModerationCode). The page says
// the code in the host's language; the English sentence goes to the console only.

/** The refusal's code, or 'unknown' for a failure that names none (the bridge, the server gone). */
export function hostRefusalCode(error) {
  const match = /^([a-z_]+): /.exec(String(error?.message ?? error ?? ''))
  return match ? match[1] : 'unknown'
}

/** The sentence for a refusal code, in the current language. */
export function hostRefusalText(t, te, code) {
  return te(`hostRefusal.${code}`) ? t(`hostRefusal.${code}`) : t('hostRefusal.unknown')
}
