import { describe, expect, it } from 'vitest'
import { parseAddress } from './address.js'

describe('parseAddress', () => {
  it.each([
    ['192.168.1.20:8765', '192.168.1.20:8765'],
    ['  pc-anna.local:9000 ', 'pc-anna.local:9000'],
    ['http://192.168.1.20:8765/', '192.168.1.20:8765'],
    ['[fe80::1]:8765', '[fe80::1]:8765'],
    ['LOCALHOST:80', 'localhost:80'],
  ])('accepts %s', (input, host) => {
    expect(parseAddress(input)).toEqual({ host })
  })

  it.each([
    ['', 'address_empty'],
    ['192.168.1.20', 'address_port_missing'],
    ['192.168.1.20:0', 'address_port_invalid'],
    ['192.168.1.20:70000', 'address_port_invalid'],
    ['192.168.1.20:abc', 'address_port_invalid'],
    ['300.1.1.1:8765', 'address_host_invalid'],
    ['bad host:8765', 'address_host_invalid'],
  ])('explains what is wrong with %j', (input, problem) => {
    expect(parseAddress(input)).toEqual({ problem })
  })
})
