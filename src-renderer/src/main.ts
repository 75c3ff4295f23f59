import { createApp } from 'vue'
import { createPinia } from 'pinia'
import App from './App.vue'
import { createLabI18n, initialLocale } from './i18n'
import { connectLab } from './transport'
import { useConnectionStore } from './stores/connection'
import { registerCharts } from './charts/setup'
import './styles.css'

registerCharts()
const locale = initialLocale()
document.documentElement.lang = locale
const app = createApp(App)
app.use(createPinia())
app.use(createLabI18n(locale))
useConnectionStore().attach(connectLab(window))
app.mount('#app')
