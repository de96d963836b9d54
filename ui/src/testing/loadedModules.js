// Before any test: the modules the app loads on first use are loaded, so a test that renders a
// message sees it as it looks once the page has settled.
import { loadMarkdown } from '../markdown.js'

await loadMarkdown()
