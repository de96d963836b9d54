import { describe, expect, it } from 'vitest'
import {
  addressInRoomField,
  fingerprintInLink,
  isLoopbackAddress,
  localServerHost,
  parseAddress,
} from './address.js'

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

describe('localServerHost', () => {
  const page = (href) => new URL(href)

  it('is the host that served the page', () => {
    expect(localServerHost(page('http://192.168.1.20:8765/'))).toBe('192.168.1.20:8765')
  })

  it.each([
    ['http://127.0.0.1:42001/index.html?server=127.0.0.1%3A8765', '127.0.0.1:8765'],
    ['http://localhost:42001/?server=localhost:9000', 'localhost:9000'],
    ['http://[::1]:42001/?server=[::1]:9000', '[::1]:9000'],
  ])('is the loopback server a loopback page names: %s', (href, host) => {
    expect(localServerHost(page(href))).toBe(host)
  })

  it.each([
    ['http://192.168.1.20:8765/?server=127.0.0.1:9000', '192.168.1.20:8765'],
    ['http://127.0.0.1:42001/?server=192.168.1.66:8765', '127.0.0.1:42001'],
    ['http://127.0.0.1:42001/?server=127.0.0.1', '127.0.0.1:42001'],
  ])('ignores a server named by a page off loopback or naming one off it: %s', (href, host) => {
    expect(localServerHost(page(href))).toBe(host)
  })
})

describe('isLoopbackAddress', () => {
  it.each(['127.0.0.1', '127.255.0.9', '::1', '::ffff:127.0.0.1', '0:0:0:0:0:ffff:127.1.2.3'])(
    'takes %s for this machine’s own loopback',
    (address) => expect(isLoopbackAddress(address)).toBe(true),
  )
  it.each(['192.168.1.20', '10.127.0.1', '::ffff:192.168.1.2', 'fe80::1', '128.0.0.1', '', null])(
    'takes %s for another address',
    (address) => expect(isLoopbackAddress(address)).toBe(false),
  )
})

describe('addressInRoomField', () => {
  it('reads a join link, with the room it names', () => {
    expect(addressInRoomField('http://10.0.0.5:8765/#room=kitchen')).toEqual({
      host: '10.0.0.5:8765',
      room: 'kitchen',
    })
    expect(addressInRoomField(' http://[fe80::1]:8765/?room=team%20a ')).toEqual({
      host: '[fe80::1]:8765',
      room: 'team a',
    })
  })

  it('reads a bare address, and a link naming no usable room, as the host alone', () => {
    expect(addressInRoomField('10.0.0.5:8765')).toEqual({ host: '10.0.0.5:8765', room: '' })
    expect(addressInRoomField('http://10.0.0.5:8765/#room=a%3Ab')).toEqual({
      host: '10.0.0.5:8765',
      room: '',
    })
  })

  it('never takes a room name for an address', () => {
    for (const room of ['kitchen', '10.0.0.5', 'team a', 'http', 'a:b c'])
      expect(addressInRoomField(room)).toBeNull()
  })
})

describe('join links with the host fingerprint', () => {
  const FP = 'AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8'

  it('reads the https link the Host panel copies: its host and the fingerprint to pin', () => {
    expect(addressInRoomField(`https://10.0.0.5:8765/#fp=${FP}`)).toEqual({
      host: '10.0.0.5:8765',
      room: '',
      fp: FP,
    })
    expect(parseAddress(`https://10.0.0.5:8765/#fp=${FP}`)).toEqual({ host: '10.0.0.5:8765' })
  })

  it('keeps a room the link names beside the fingerprint', () => {
    expect(addressInRoomField(`https://[fe80::1]:8765/#fp=${FP}&room=kitchen`)).toEqual({
      host: '[fe80::1]:8765',
      room: 'kitchen',
      fp: FP,
    })
  })

  it('takes no fingerprint that is not a whole SHA-256', () => {
    expect(fingerprintInLink(`https://10.0.0.5:8765/#fp=${FP.slice(1)}`)).toBe('')
    expect(fingerprintInLink(`https://10.0.0.5:8765/#fp=${FP}=`)).toBe('')
    expect(fingerprintInLink('https://10.0.0.5:8765/')).toBe('')
    expect(fingerprintInLink(`https://10.0.0.5:8765/?fp=${FP}`)).toBe('')
  })
})
