// Data, settings and docs of the sample project.

/** The reference fixture's data/data.csv, byte for byte (446 bytes, no trailing newline; reference vector E7). */
export const DATA_CSV = [
  'date,cases,deaths,recovered,population',
  '2024-01-01,10,0,0,100000',
  '2024-01-02,15,0,2,100000',
  '2024-01-03,22,0,5,100000',
  '2024-01-04,34,1,8,100000',
  '2024-01-05,51,1,12,100000',
  '2024-01-06,76,2,18,100000',
  '2024-01-07,114,3,27,100000',
  '2024-01-08,171,4,41,100000',
  '2024-01-09,256,6,62,100000',
  '2024-01-10,384,9,93,100000',
  '2024-01-11,576,13,140,100000',
  '2024-01-12,864,19,210,100000',
  '2024-01-13,1296,28,315,100000',
  '2024-01-14,1944,42,473,100000',
  '2024-01-15,2916,63,709,100000',
].join('\n')

/** A weekly prevalence survey, for the `prevalence` output. */
export const PREVALENCE_CSV = `date,day,prevalence,sample_size
2024-01-01,0,0.0004,5000
2024-01-08,7,0.0052,5000
2024-01-15,14,0.0711,5000
2024-01-22,21,0.3846,5000
2024-01-29,28,0.439,5000
2024-02-05,35,0.2437,5000
2024-02-12,42,0.1352,5000
2024-02-19,49,0.0664,5000
2024-02-26,56,0.0362,5000
2024-03-04,63,0.0171,5000
`

/** The reference's config.yaml layout. The models read nothing from it: their settings are in code, so digests cover them. */
export function configYaml(name: string): string {
  return `# Epidemiological model configuration (the layout of the reference sample project).
# Documentation only: the runnable models take their defaults from PARAMS, CONFIG and
# BASELINE in models/sir.py, so that the model digests cover every setting.

model:
  name: "${name}"
  version: "0.1.0"
  description: "SIR epidemiological models (stochastic, deterministic, network)"

parameters:
  transmission_rate: 0.5      # beta - rate of transmission
  recovery_rate: 0.1          # gamma - rate of recovery
  population: 100000          # total population size

simulation:
  days: 200                   # simulation duration
  initial_infected: 20        # initial number of infected

data:
  input_file: "data/data.csv"
  output_dir: "output/"
`
}

export function pyprojectToml(name: string): string {
  return `[project]
name = "${name}"
version = "0.1.0"
description = "Sample SIR models for modelops-bundle"
requires-python = ">=3.9"
dependencies = ["modelops-calabaria"]

[build-system]
requires = ["hatchling"]
build-backend = "hatchling.build"

[tool.hatch.build.targets.wheel]
packages = ["models", "targets"]
`
}

/** An empty R2 registry, as the Python tool writes it (so it can read this project too). */
export const EMPTY_REGISTRY_YAML = `version: '1.0'
models: {}
targets: {}
target_sets: {}
`

/**
 * `.modelops-bundle/config.yaml` of the sample: the stand-in folder is a code root so it counts as a code dependency.
 * Written so that the Python modelops-bundle reads the same settings (registry_ref, auto_code as its mapping).
 */
export function bundleConfigYaml(registryRef: string): string {
  return `# modelops-bundle settings for this project (read by mops-bundle and the Python modelops-bundle).

# The OCI repository the Python modelops-bundle pushes this bundle to (it requires this key).
registry_ref: ${JSON.stringify(registryRef)}

# Base classes that make a class a model (fully qualified).
base_classes:
  - modelops_calabaria.BaseModel
  - calabaria.BaseModel

# register-model follows imports from a model file into code_roots and records every file
# it reaches as a code dependency (import_mode files: file by file, as both tools do it).
# standin/ holds the stdlib stand-in for modelops_calabaria: when it is used, it shapes
# the outputs, so it is followed like the rest of the project's code.
auto_code:
  code_roots:
    - '.'
    - standin
  import_mode: files

# How the build plugin makes a model's outputs: run from the project root with
# MODELOPS_MODEL_ID, MODELOPS_ENTRYPOINT, MODELOPS_MODEL_DIGEST and MODELOPS_OUT_DIR set.
# inputs: the runner's own code. Its digest is part of every cached output's key, so editing
# the runner regenerates every model (a comment-only edit of a .py file does not).
generator:
  command: ["python3", "-m", "modelops_runner"]
  inputs: [modelops_runner]
`
}

export const GITIGNORE = `__pycache__/
*.pyc
output/
node_modules/
`

export function readme(name: string): string {
  return `# ${name}

A sample modelops-bundle project: three SIR epidemic models in the modelops-calabaria
style, two calibration targets and the observed data they are fitted to. It runs with
the Python standard library alone.

## Layout

- \`models/sir.py\`: \`StochasticSIR\`, \`DeterministicSIR\` and \`NetworkSIR\` (a subclass of
  \`StochasticSIR\`). Outputs: \`incidence\` (new cases per day), \`prevalence\` (fraction
  infected), \`sir\` (compartment sizes); one row per day with \`day\` and \`date\`.
- \`models/common.py\`: helpers the models import (a code dependency of every model).
- \`targets/epi.py\`: \`incidence_target\` (against \`data/data.csv\`) and \`prevalence_survey\`
  (against \`data/prevalence.csv\`).
- \`modelops_runner/\`: simulates one model and writes \`<output>.json\` per output.
- \`standin/modelops_calabaria/\`: a stdlib stand-in for \`modelops_calabaria\`, used only when
  the real package is not installed. \`standin\` is a code root in \`.modelops-bundle/config.yaml\`,
  so it is recorded as a code dependency of every model: when it is used, it shapes the outputs.
- \`.modelops-bundle/\`: the registry and the bundle settings (\`config.yaml\`).

## Usage

In the app that builds from this project (the CLI and the build plugin, from npm):

\`\`\`bash
npm i -D @modelops-bundle/cli unplugin-modelops-bundle
\`\`\`

Then, in this folder (or without installing: \`npx -p @modelops-bundle/cli mops-bundle status\`):

\`\`\`bash
npx mops-bundle register-model models/sir.py     # + sir_stochasticsir, sir_deterministicsir, sir_networksir
npx mops-bundle register-target targets/epi.py   # + incidence_target, prevalence_survey
npx mops-bundle list
npx mops-bundle status                           # fresh, or which file changed
npx mops-bundle verify                           # exit 0 fresh, 1 stale, 2 could not verify (for CI)

python3 -m modelops_runner models.sir:StochasticSIR --out output/stochastic
\`\`\`

Each output file holds \`{"output", "entrypoint", "model_digest", "seed", "params", "columns",
"rows"}\`; \`--seed N\` (default 42) and \`--params JSON\` change the run; put them in the
generator command of \`.modelops-bundle/config.yaml\` so the build cache sees them.
Outputs and observations share column names (\`date\`, and \`cases\` or \`prevalence\`), so
a dashboard can overlay them.
`
}
