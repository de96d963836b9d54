// The window's own server, when it could not start on its data folder (a file damaged by a power
// cut or a failing disk): what the page shows instead of the chat, and the ways out. In a plain
// browser there is no window, and nothing to ask.
import { ref, watch } from 'vue'
import { desktopApi } from '../desktopBridge.js'

export function useServerProblem({
  api = desktopApi,
  reload = () => window.location.reload(),
} = {}) {
  const problem = ref(null) // { sentence, file, name, movable } from desktop/server_problem.py
  const busy = ref(false)
  const failed = ref(false) // moving the file aside did not help: say so, keep the choices

  async function ask(method) {
    try {
      return (await api.value[method]()) ?? null
    } catch (error) {
      console.error(`lanchat: the window could not answer ${method}`, error)
      return problem.value
    }
  }

  watch(
    api,
    async (bridge) => {
      if (typeof bridge?.server_problem === 'function') problem.value = await ask('server_problem')
    },
    { immediate: true },
  )

  async function moveAside() {
    busy.value = true
    const left = await ask('move_damaged_file_aside')
    busy.value = false
    if (left === null)
      reload() // the server runs now: start the page afresh
    else [problem.value, failed.value] = [left, true]
  }

  const quit = () => api.value?.quit()

  return { problem, busy, failed, moveAside, quit }
}
