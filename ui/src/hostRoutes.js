// Where the page reaches each host. In a browser that is the host itself. In the desktop window,
// every other host is reached through the window's pinned gateway (desktop/gateway.py): a loopback
// address per host, "127.0.0.1:PORT", that the window relays over TLS after checking the host's
// identity. Rooms, drafts and stored secrets stay keyed by the host's own address; only the URLs
// built for it (protocol.js) name the gateway.

const routes = new Map()

/** From now on the page reaches `host` at `via`. */
export function setHostRoute(host, via) {
  routes.set(host, via)
}

/** The address the page's requests and sockets for `host` go to. */
export function routeTo(host) {
  return routes.get(host) ?? host
}

/** For tests: forget every route. */
export function clearHostRoutes() {
  routes.clear()
}
