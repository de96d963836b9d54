// A stand-in for the browser's WebSocket at the true boundary: tests open, feed
// and close it by hand and read what the code sent.
export class FakeWebSocket {
  static CONNECTING = 0
  static OPEN = 1
  static CLOSING = 2
  static CLOSED = 3
  static instances = []

  constructor(url) {
    this.url = url
    this.readyState = FakeWebSocket.CONNECTING
    this.sent = []
    this.onopen = null
    this.onmessage = null
    this.onclose = null
    this.onerror = null
    FakeWebSocket.instances.push(this)
  }

  static reset() {
    FakeWebSocket.instances = []
  }

  static get last() {
    return FakeWebSocket.instances.at(-1)
  }

  get params() {
    return new URL(this.url).searchParams
  }

  /** What the code sent, its hello (who we are, sent first on every connection) aside. */
  get frames() {
    return this.allFrames.filter((frame) => frame.type !== 'hello')
  }

  get allFrames() {
    return this.sent.map((text) => JSON.parse(text))
  }

  send(text) {
    if (this.readyState !== FakeWebSocket.OPEN) throw new Error('send on a socket that is not open')
    this.sent.push(text)
  }

  close(code = 1000) {
    if (this.readyState === FakeWebSocket.CLOSED) return
    // A socket closed before it opened reports an abnormal close, as browsers do.
    this.serverClose(this.readyState === FakeWebSocket.CONNECTING ? 1006 : code)
  }

  // What the server side does -------------------------------------------------

  accept() {
    this.readyState = FakeWebSocket.OPEN
    this.onopen?.({})
  }

  receive(frame) {
    this.onmessage?.({ data: typeof frame === 'string' ? frame : JSON.stringify(frame) })
  }

  serverClose(code = 1006, reason = '') {
    this.readyState = FakeWebSocket.CLOSED
    this.onclose?.({ code, reason, wasClean: code !== 1006 })
  }
}

export function memoryStorage() {
  const data = new Map()
  return {
    getItem: (key) => (data.has(key) ? data.get(key) : null),
    setItem: (key, value) => data.set(key, String(value)),
    removeItem: (key) => data.delete(key),
    data,
  }
}

export function welcome(overrides = {}) {
  return {
    type: 'welcome',
    room: 'general',
    members: ['Anna'],
    first_id: 0,
    last_id: 0,
    limits: {
      max_text_chars: 4000,
      max_sender_chars: 32,
      rate_limit_burst: 30,
      rate_limit_per_second: 10,
    },
    ...overrides,
  }
}

export function message(id, overrides = {}) {
  return {
    type: 'message',
    id,
    room: 'general',
    sender: 'Bob',
    text: `message ${id}`,
    timestamp: 1764147600 + id,
    ...overrides,
  }
}
