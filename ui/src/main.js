import { createApp } from 'vue'
import App from './App.vue'
import { createAppI18n } from './i18n.js'
import { startWindowStorage } from './windowStorage.js'
import './style.css'

// In the desktop window, what the last run kept is put back before anything reads it.
startWindowStorage().then(() => createApp(App).use(createAppI18n()).mount('#app'))
