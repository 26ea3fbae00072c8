import unplugin from './index.js'

const vite = unplugin.vite as typeof unplugin.vite
export default vite
export { vite as 'module.exports' }
