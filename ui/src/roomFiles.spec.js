import { describe, expect, it } from 'vitest'
import { roomImages } from './roomFiles.js'

const image = (id) => ({ id, name: `${id}.png`, type: 'image/png', width: 40, height: 30 })
const pdf = { id: 'P', name: 'a.pdf', type: 'application/pdf' }
const message = (id, attachments) => ({ kind: 'message', key: `m${id}`, id, attachments })

describe('roomImages', () => {
  it('lists the images of the timeline oldest first, several from one message in their order', () => {
    const timeline = [
      message(1, [image('A'), pdf]),
      { kind: 'notice', key: 'n1', text: 'Bob joined' },
      message(2, []),
      message(3, [image('B'), image('C')]),
    ]
    expect(roomImages(timeline).map((found) => found.id)).toEqual(['A', 'B', 'C'])
  })

  it('leaves out images without a size (shown as file cards) and deleted messages', () => {
    const timeline = [
      message(1, [{ ...image('A'), width: undefined }]),
      { ...message(2, []), deleted: true },
      message(3, [{ ...image('B'), type: 'image/svg+xml' }]),
    ]
    expect(roomImages(timeline)).toEqual([])
  })
})
