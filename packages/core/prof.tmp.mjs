import { getParser } from './src/python/parser.ts'
import { serializeTree } from './src/python/normalize.ts'
import { blankCommentLines } from './src/python/blank.ts'
import { readFileSync } from 'node:fs'
import { execSync } from 'node:child_process'
const files = execSync(`find /root/.pyenv/versions/3.11.7/lib/python3.11 -name '*.py' -not -path '*/site-packages/*'`).toString().trim().split('\n').sort()
const texts = files.map(f => readFileSync(f).toString('utf8'))
const p = await getParser()
let tb=0,tp=0,tw=0
for (const t of texts) { let a=performance.now(); const b = blankCommentLines(t); tb+=performance.now()-a; a=performance.now(); const tree = p.parse(b.text); tp+=performance.now()-a; a=performance.now(); if(!tree.rootNode.hasError) { try { serializeTree(tree, b.text, b.rows) } catch {} } ; tw+=performance.now()-a; tree.delete() }
console.log('blank', tb.toFixed(0), 'parse', tp.toFixed(0), 'walk', tw.toFixed(0))
