import { mount } from '@vue/test-utils'
import { createAppI18n } from '../i18n.js'

export function mountWithI18n(component, options = {}, locale = 'en') {
  return mount(component, {
    ...options,
    global: { plugins: [createAppI18n(locale)], ...options.global },
  })
}
