// `virtual:playground-observations`: the sample's data/*.csv files as text, so the page can overlay the
// targets' observations on the model outputs. In Vite dev a data edit updates the module (HMR).
import fs from 'node:fs'
import path from 'node:path'
import { createUnplugin } from 'unplugin'

const ID = 'virtual:playground-observations'
const RESOLVED = '\0' + ID

/** @param {{ root: string }} options root = the sample project */
export const observations = createUnplugin((options) => {
  const dataDir = path.join(path.resolve(options.root), 'data')
  const isData = (file) => path.dirname(path.resolve(file)) === dataDir && file.endsWith('.csv')
  return {
    name: 'playground-observations',
    resolveId: (id) => (id === ID ? RESOLVED : null),
    loadInclude: (id) => id === RESOLVED,
    load(id) {
      if (id !== RESOLVED) return null
      const names = fs.existsSync(dataDir) ? fs.readdirSync(dataDir).filter((n) => n.endsWith('.csv')).sort() : []
      const files = {}
      for (const name of names) {
        const file = path.join(dataDir, name)
        // Rollup/esbuild watch mode rebuild on a data edit.
        this.addWatchFile(file)
        files[`data/${name}`] = fs.readFileSync(file, 'utf8')
      }
      return `export default ${JSON.stringify(files)}\n`
    },
    vite: {
      // The dev server neither loads these files as modules nor (for a sample outside its root) watches
      // them: watch the folder and reload the virtual module ourselves.
      configureServer(server) {
        server.watcher.add(dataDir)
        let timer
        server.watcher.on('all', (_event, file) => {
          if (!isData(file)) return
          clearTimeout(timer)
          timer = setTimeout(() => {
            const mod = server.moduleGraph.getModuleById(RESOLVED)
            if (mod) void server.reloadModule(mod)
          }, 100)
        })
      },
    },
  }
})
