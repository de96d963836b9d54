import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { effectScope } from 'vue'
import {
  BACKOFF_BASE_MS,
  ConnectionStatus,
  useReconnectingSocket,
} from './useReconnectingSocket.js'
import { FakeWebSocket } from '../testing/FakeWebSocket.js'

function open(options = {}) {
  let urls = 0
  return useReconnectingSocket(() => `ws://h:1/ws/r?n=${++urls}`, {
    WebSocketImpl: FakeWebSocket,
    random: () => 0.5,
    ...options,
  })
}

beforeEach(() => {
  vi.useFakeTimers()
  FakeWebSocket.reset()
})

afterEach(() => {
  vi.useRealTimers()
})

describe('useReconnectingSocket', () => {
  it('hands over each frame and sends only while a connection is open', () => {
    const onMessage = vi.fn()
    const socket = open({ onMessage })
    expect(socket.send('early')).toBe(false)
    FakeWebSocket.last.accept()
    expect(socket.status.value).toBe(ConnectionStatus.CONNECTED)
    FakeWebSocket.last.receive('{"type":"x"}')
    expect(onMessage).toHaveBeenCalledWith('{"type":"x"}')
    expect(socket.send('hello')).toBe(true)
    expect(FakeWebSocket.last.sent).toEqual(['hello'])
  })

  it('asks for the address again before every attempt, after backing off', () => {
    const socket = open()
    FakeWebSocket.last.accept()
    socket.confirm()
    FakeWebSocket.last.serverClose(1006)
    expect(socket.status.value).toBe(ConnectionStatus.RECONNECTING)
    vi.advanceTimersByTime(BACKOFF_BASE_MS * 0.75 - 1)
    expect(FakeWebSocket.instances).toHaveLength(1)
    vi.advanceTimersByTime(1)
    expect(FakeWebSocket.last.url).toBe('ws://h:1/ws/r?n=2')
  })

  it('does not retry a close the caller calls fatal, and says it was rejected', () => {
    const socket = open({ isFatal: (code) => code === 4001 })
    FakeWebSocket.last.accept()
    socket.confirm()
    FakeWebSocket.last.serverClose(4001)
    vi.advanceTimersByTime(60_000)
    expect(socket.status.value).toBe(ConnectionStatus.FAILED)
    expect(socket.failure.value).toEqual({ reason: 'rejected', code: 4001 })
    expect(FakeWebSocket.instances).toHaveLength(1)
  })

  it('tells the caller of each end of a connection before planning the retry', () => {
    const onClose = vi.fn()
    const socket = open({ onClose, keepTrying: true })
    FakeWebSocket.last.serverClose(1012)
    expect(onClose).toHaveBeenCalledWith(expect.objectContaining({ code: 1012 }))
    expect(socket.status.value).toBe(ConnectionStatus.RECONNECTING)
  })

  it('closes its socket and stops retrying when its scope ends', () => {
    const scope = effectScope()
    const socket = scope.run(() => open({ keepTrying: true }))
    const first = FakeWebSocket.last
    first.accept()
    scope.stop()
    expect(first.readyState).toBe(FakeWebSocket.CLOSED)
    expect(socket.status.value).toBe(ConnectionStatus.CLOSED)
    vi.advanceTimersByTime(60_000)
    expect(FakeWebSocket.instances).toHaveLength(1)
  })

  it('waits for the network instead of retrying while the browser is offline', () => {
    const socket = open({ keepTrying: true })
    const online = vi.spyOn(navigator, 'onLine', 'get').mockReturnValue(false)
    FakeWebSocket.last.serverClose(1006)
    expect(socket.status.value).toBe(ConnectionStatus.OFFLINE)
    vi.advanceTimersByTime(60_000)
    expect(FakeWebSocket.instances).toHaveLength(1)
    online.mockReturnValue(true)
    window.dispatchEvent(new Event('online'))
    expect(FakeWebSocket.instances).toHaveLength(2)
    socket.close()
  })
})
