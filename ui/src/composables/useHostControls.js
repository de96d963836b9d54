// The host's controls for one room of this window's own server: who a member is (identity id,
// address) as only the window may know, and the actions. Null-safe: `available` is false in a
// browser and for rooms on other hosts, and then nothing here is shown.
import { computed, ref } from 'vue'
import { desktopApi, hostControlsFor } from '../desktopBridge.js'
import { localServerHost } from '../address.js'
import { hostRefusalCode } from '../hostRefusals.js'

export function useHostControls(host, room, { ownHost = localServerHost() } = {}) {
  const controls = computed(() => (desktopApi.value ? hostControlsFor(host, ownHost) : null))
  const available = computed(() => controls.value !== null)
  const bans = ref([])
  const failure = ref('') // the code of the last refusal (hostRefusals.js), '' when none

  // Each action the host takes clears the last failure; reading (who is who, the bans) does not,
  // so a refusal stays on screen after the list refreshes.
  async function attempt(action, { clears = true } = {}) {
    if (clears) failure.value = ''
    try {
      return await action(controls.value)
    } catch (error) {
      console.error('lanchat: a host control failed:', error)
      failure.value = hostRefusalCode(error)
      return null
    }
  }

  /** The connections under `name` in the room: [{ name, identity, address }]. */
  async function whoIs(name) {
    const members = (await attempt((c) => c.members(room), { clears: false })) ?? []
    return members.filter((member) => member.name === name)
  }

  const remove = (name) => attempt((c) => c.remove(room, name))

  /** Ban `name` by identity or address. `shown`: the connections the host confirmed the ban for
   * (whoIs's answer when it asked): exactly those are banned, not whoever holds the name now. */
  async function ban(name, kind, shown = null) {
    failure.value = ''
    const targets = shown ?? (await whoIs(name))
    const values = new Set(
      targets.map((member) => (kind === 'identity' ? member.identity : member.address)),
    )
    values.delete(null)
    for (const value of values)
      await attempt(
        (c) => (kind === 'identity' ? c.banIdentity(value, name) : c.banAddress(value, name)),
        { clears: false },
      )
    await refreshBans()
  }

  async function refreshBans() {
    bans.value = (await attempt((c) => c.bans(), { clears: false })) ?? []
  }

  async function unban(entry) {
    await attempt((c) => c.unban(entry.kind, entry.value))
    await refreshBans()
  }

  const deleteMessage = (id) => attempt((c) => c.deleteMessage(room, id))

  return { available, bans, failure, whoIs, remove, ban, refreshBans, unban, deleteMessage }
}
