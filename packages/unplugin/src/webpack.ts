import unplugin from './index.js'

const webpack = unplugin.webpack as typeof unplugin.webpack
export default webpack
export { webpack as 'module.exports' }
