import { semanticTokens, semanticDigest } from './src/python/semantic.ts'
for (const src of process.argv.slice(2)) {
  const s = src.replace(/\\n/g, '\n')
  const t = await semanticTokens(s)
  console.log(JSON.stringify(src), '\n  ', t ? t.join(' ') : null)
}
