import { describe, expect, it } from 'vitest'
import UploadRow from './UploadRow.vue'
import { mountWithI18n } from '../testing/mountWithI18n.js'

const uploading = {
  key: 'u1',
  name: 'holiday.mp4',
  size: 10_000_000,
  state: 'uploading',
  hashed: 10_000_000,
  sent: 2_500_000,
  speed: 1_000_000,
  secondsLeft: 8,
  error: null,
}

describe('UploadRow', () => {
  it('shows bytes sent, speed and time left, in both languages', () => {
    const en = mountWithI18n(UploadRow, { props: { upload: uploading } })
    expect(en.get('[data-testid="upload-status"]').text()).toBe(
      '2.5 MB of 10 MB · 1 MB/s · 8 sec left',
    )
    expect(en.get('progress').attributes('value')).toBe('2500000')
    const ru = mountWithI18n(UploadRow, { props: { upload: uploading } }, 'ru')
    expect(ru.get('[data-testid="upload-status"]').text()).toBe(
      '2,5 МБ из 10 МБ · 1 МБ/с · осталось 8 с',
    )
  })

  it('says it is preparing while the checksum is computed', () => {
    const wrapper = mountWithI18n(UploadRow, {
      props: { upload: { ...uploading, state: 'hashing', hashed: 5_000_000, sent: 0 } },
    })
    expect(wrapper.get('[data-testid="upload-status"]').text()).toBe('Preparing… 50%')
  })

  it('cancels by its key', async () => {
    const wrapper = mountWithI18n(UploadRow, { props: { upload: uploading } })
    const cancel = wrapper.get('[data-testid="upload-cancel"]')
    expect(cancel.attributes('aria-label')).toBe('Cancel sending holiday.mp4')
    await cancel.trigger('click')
    expect(wrapper.emitted('cancel')).toEqual([['u1']])
  })

  it('says why it failed in plain words, and offers retry, in both languages', async () => {
    const failed = { ...uploading, state: 'failed', error: { code: 'file_too_large' } }
    const en = mountWithI18n(UploadRow, { props: { upload: failed } })
    expect(en.get('[data-testid="upload-error"]').text()).toBe(
      'Not sent: this file is larger than the host accepts.',
    )
    await en.get('[data-testid="upload-retry"]').trigger('click')
    expect(en.emitted('retry')).toEqual([['u1']])
    const ru = mountWithI18n(UploadRow, { props: { upload: failed } }, 'ru')
    expect(ru.get('[data-testid="upload-error"]').text()).toBe(
      'Не отправлено: файл больше, чем принимает хост.',
    )
    expect(ru.get('[data-testid="upload-retry"]').text()).toBe('Повторить')
  })

  it('says an upload the host no longer has (expired) in plain words, and offers to send it again', async () => {
    const gone = { ...uploading, state: 'failed', error: { code: 'upload_not_found' } }
    const en = mountWithI18n(UploadRow, { props: { upload: gone } })
    expect(en.get('[data-testid="upload-error"]').text()).toBe(
      'Not sent: the host no longer has this upload (cancelled or expired). Send the file again.',
    )
    expect(en.get('[data-testid="upload-retry"]').text()).toBe('Send again')
    await en.get('[data-testid="upload-retry"]').trigger('click')
    expect(en.emitted('retry')).toEqual([['u1']])
    const ru = mountWithI18n(UploadRow, { props: { upload: gone } }, 'ru')
    expect(ru.get('[data-testid="upload-error"]').text()).toBe(
      'Не отправлено: у хоста больше нет этой загрузки (отменена или устарела). Отправьте файл снова.',
    )
    expect(ru.get('[data-testid="upload-retry"]').text()).toBe('Отправить снова')
  })

  it('names a lost connection and an unknown HTTP answer', () => {
    const network = mountWithI18n(UploadRow, {
      props: { upload: { ...uploading, state: 'failed', error: { code: 'network' } } },
    })
    expect(network.get('[data-testid="upload-error"]').text()).toContain(
      'the connection to the host was lost',
    )
    const http = mountWithI18n(UploadRow, {
      props: { upload: { ...uploading, state: 'failed', error: { code: 'http_502' } } },
    })
    expect(http.get('[data-testid="upload-error"]').text()).toBe('Not sent: the host answered 502.')
  })
})

describe('UploadRow of an upload cut off before a reload', () => {
  it('asks for the same file again, or forgets it, in both languages', async () => {
    const cut = { key: 'tus::fp::1', name: 'film.mkv', size: 1000, state: 'interrupted' }
    const en = mountWithI18n(UploadRow, { props: { upload: cut } })
    expect(en.text()).toContain(
      'Not finished: choose the same file again to continue from where it stopped.',
    )
    await en.get('[data-testid="upload-forget"]').trigger('click')
    expect(en.emitted('forget')).toEqual([['tus::fp::1']])
    const ru = mountWithI18n(UploadRow, { props: { upload: cut } }, 'ru')
    expect(ru.text()).toContain('Выбрать…')
    expect(ru.get('[data-testid="upload-forget"]').text()).toBe('Забыть')
  })
})
