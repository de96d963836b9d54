import { describe, expect, it, vi } from 'vitest'
import { nextTick, shallowRef } from 'vue'
import { useServerProblem } from './useServerProblem.js'

const damaged = {
  sentence: 'the history file /d/history.sqlite3 is damaged',
  file: '/d/history.sqlite3',
  name: 'history.sqlite3',
  movable: true,
}

async function settled() {
  for (let i = 0; i < 5; i += 1) await nextTick()
}

describe('useServerProblem', () => {
  it('asks the window once it appears, and shows nothing when the server runs', async () => {
    const api = shallowRef(null)
    const { problem } = useServerProblem({ api })
    expect(problem.value).toBe(null)
    api.value = { server_problem: vi.fn(async () => null) }
    await settled()
    expect(api.value.server_problem).toHaveBeenCalledOnce()
    expect(problem.value).toBe(null)
  })

  it('moving the file aside reloads the page once the server runs', async () => {
    const reload = vi.fn()
    const api = shallowRef({
      server_problem: vi.fn(async () => damaged),
      move_damaged_file_aside: vi.fn(async () => null),
    })
    const server = useServerProblem({ api, reload })
    await settled()
    expect(server.problem.value).toEqual(damaged)
    await server.moveAside()
    expect(reload).toHaveBeenCalledOnce()
  })

  it('says so when moving it aside did not help, and keeps the choices', async () => {
    const api = shallowRef({
      server_problem: vi.fn(async () => damaged),
      move_damaged_file_aside: vi.fn(async () => ({ ...damaged, movable: false })),
    })
    const server = useServerProblem({ api, reload: vi.fn() })
    await settled()
    await server.moveAside()
    expect(server.failed.value).toBe(true)
    expect(server.problem.value.movable).toBe(false)
  })
})
