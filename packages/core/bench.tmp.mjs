import { semanticDigest } from './src/python/semantic.ts'
import { readFileSync } from 'node:fs'
import { execSync } from 'node:child_process'
const files = execSync(`find /root/.pyenv/versions/3.11.7/lib/python3.11 -name '*.py' -not -path '*/site-packages/*'`).toString().trim().split('\n').sort()
const bufs = files.map(f => readFileSync(f))
await semanticDigest(Buffer.from('x=1'), 'x')
const t0 = performance.now(); let bytes = 0, fb = 0
for (let i = 0; i < files.length; i++) { bytes += bufs[i].length; const r = await semanticDigest(bufs[i], files[i]); if (r.kind === 'bytes') { fb++; if (fb < 30) console.log(r.warning.message) } }
const dt = (performance.now() - t0) / 1000
console.log(files.length, 'files', (bytes/1e6).toFixed(1), 'MB', dt.toFixed(2), 's', (bytes/1e6/dt).toFixed(2), 'MB/s', 'fallbacks', fb)
