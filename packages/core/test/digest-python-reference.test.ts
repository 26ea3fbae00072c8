// docs/digests.md is enough to reproduce our digests: an independent Python implementation of blake2b256,
// tree1, env1, composite1 and bundle1 (hashlib, written from the doc) agrees with computeDigests.
import { execFileSync } from 'node:child_process'
import { symlinkSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, beforeEach, expect, it } from 'vitest'
import { computeDigests } from '../src/digest/compute.js'
import { makeProject, model, registry, target, tempDir, write } from './digest-helpers.js'
import { Workspace } from '../src/workspace/workspace.js'

const PY = String.raw`
import hashlib, json, os, stat, sys
spec = json.load(sys.stdin)
root = spec["root"]
b2 = lambda b: hashlib.blake2b(b, digest_size=32).hexdigest()
IGNORED = {".git", "__pycache__", ".DS_Store"}

def file_digest(p):
    h = hashlib.blake2b(digest_size=32)
    with open(p, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return "blake2b256:" + h.hexdigest()

def tree(d):
    entries = []
    def walk(a, prefix):
        for n in os.listdir(a):
            if n in IGNORED: continue
            rel = prefix + n
            p = os.path.join(a, n)
            try: st = os.stat(p)
            except FileNotFoundError: entries.append((rel, "absent")); continue
            if stat.S_ISDIR(st.st_mode): walk(p, rel + "/")
            elif stat.S_ISREG(st.st_mode): entries.append((rel, file_digest(p)))
            else: entries.append((rel, "special"))
    walk(d, "")
    pre = "modelops-bundle:tree1\0" + "".join(f"{p}\0{h}\0" for p, h in sorted(entries))
    return "tree1:" + b2(pre.encode())

def digest(rel):
    p = os.path.join(root, rel)
    if os.path.isdir(p): return tree(p)
    if os.path.isfile(p): return file_digest(p)
    return "absent"

def composite(components, env):
    pre = b"\0ENV\0" + env.encode() + b"\0"
    for k, p, d in sorted(components):
        pre += b"\0" + k.encode() + b"\0" + p.encode() + b"\0" + d.encode() + b"\0"
    return b2(pre)

e = spec["env"]
canon = json.dumps({"python": e["python_version"], "platform": e["platform"], "deps": sorted(e["dependencies"].items()),
    "container": e["container_image"], "cuda": e["cuda_version"], "rng": e["rng_algorithm"], "threads": e["thread_count"]},
    sort_keys=True, separators=(",", ":"), ensure_ascii=False)
env = "env1:" + b2(("contracts:env:v1|" + canon).encode())
out = {"env": env, "models": {}, "targets": {}}
for i, m in spec["models"].items():
    cs = [("MODEL_CODE", m["path"], digest(m["path"]))] + [("DATA", p, digest(p)) for p in m["data"]] + [("CODE_DEP", p, digest(p)) for p in m["code"]]
    out["models"][i] = "composite1:" + composite(cs, env)
for i, t in spec["targets"].items():
    cs = [("TARGET_CODE", t["path"], digest(t["path"]))] + [("TARGET_DATA", p, digest(p)) for p in t["data"]]
    out["targets"][i] = "composite1:" + composite(cs, env)
out["bundle"] = "bundle1:" + composite([("MODEL", i, d) for i, d in out["models"].items()] + [("TARGET", i, d) for i, d in out["targets"].items()], env)
print(json.dumps(out))
`

let root: string
let cleanup: () => void
beforeEach(() => ({ dir: root, cleanup } = tempDir()))
afterEach(() => cleanup())

it.skipIf(!(() => { try { execFileSync('python3', ['--version']); return true } catch { return false } })())('an independent Python implementation of docs/digests.md agrees', async () => {
  write(root, 'models/sir.R', 'sir <- function() 1\n')
  write(root, 'models/helpers.sh', 'echo hi\n')
  write(root, 'data/pop.csv', 'a,b\n1,2\n')
  write(root, 'data/nested/deep/x.parquet', Buffer.from([0, 1, 2, 255]))
  write(root, 'data/a-b.csv', '-')
  write(root, 'data/.hidden', 'h')
  write(root, 'data/__pycache__/junk.pyc', 'j')
  write(root, 'data/😀.txt', 'emoji')
  write(root, 'data/\u{E000}.txt', 'pua')
  symlinkSync(join(root, 'models/sir.R'), join(root, 'data/link.R'))
  symlinkSync(join(root, 'gone'), join(root, 'data/dangling'))
  write(root, 'targets/t.R', 't\n')
  write(root, 'obs/o.csv', 'o\n')
  const project = makeProject(root, { python_version: '3.12.1', platform: 'linux-x86_64', dependencies: { numpy: '1.26.4', 'pké': '1.0' }, thread_count: 2 })
  const reg = registry(
    {
      sir: model('models/sir.R', { data: ['data', 'data/pop.csv', 'data/missing.csv'], code: ['models/helpers.sh'] }),
      other: model('models/helpers.sh', { data: ['data/pop.csv'] }),
    },
    { t: target('targets/t.R', { data: ['obs', 'obs/o.csv'] }) },
  )
  const ours = await computeDigests(Workspace.of(project, { cacheDir: false }), reg)
  const spec = { root, env: ours.environment, models: Object.fromEntries(Object.entries(reg.models).map(([id, m]) => [id, { path: m.path, data: m.data, code: m.code }])), targets: Object.fromEntries(Object.entries(reg.targets).map(([id, t]) => [id, { path: t.path, data: t.data }])) }
  const py = JSON.parse(execFileSync('python3', ['-c', PY], { input: JSON.stringify(spec), encoding: 'utf8' }))
  expect(ours.environment.digest).toBe(py.env)
  expect(Object.fromEntries(Object.entries(ours.models).map(([id, m]) => [id, m.digest]))).toEqual(py.models)
  expect(Object.fromEntries(Object.entries(ours.targets).map(([id, t]) => [id, t.digest]))).toEqual(py.targets)
  expect(ours.bundle_digest).toBe(py.bundle)
})
