// The commented config.yaml `mops-bundle init` writes (its keys and defaults are parsed in config.ts).
/** The config.yaml `mops-bundle init` writes: every key commented out, with its default and meaning. */
export const CONFIG_TEMPLATE = `# modelops-bundle project configuration.
# Every key is optional: what is shown commented out is the default (auto_code is set, for the
# Python modelops-bundle's sake). Uncomment a key to change it.
# (Keys this tool does not know, e.g. those of the Python modelops-bundle, are ignored with a warning.)

# Inputs of the environment digest, which is part of every model's digest. Leave a key out to use
# the value detected on this machine (python3 on PATH, the platform) and, for dependencies, the
# versions pinned in uv.lock / requirements*.txt / pyproject.toml.
# environment:
#   python_version: '3.11.7'        # quote versions so 3.10 does not become the number 3.1
#   platform: linux-x86_64
#   dependencies:                   # package name -> version
#     numpy: '1.26.4'
#   container_image: null           # e.g. ghcr.io/org/image:tag
#   cuda_version: null              # e.g. '12.2'
#   rng_algorithm: PCG64
#   thread_count: 1

# Classes whose subclasses are models (fully qualified; imports and aliases are followed).
# base_classes:
#   - modelops_calabaria.BaseModel
#   - calabaria.BaseModel

# Folders from which Python imports resolve, relative to the project root. The root itself comes
# first because entrypoints are module paths from the root (models/sir.py -> models.sir).
# code_roots: ['.', 'src']

# On register-model, add every project Python file a model imports (transitively) as a code
# dependency. Set here, not commented, as the Python modelops-bundle reads it: its defaults differ
# (code_roots [src], import_mode package), and with these both tools record the same code
# (docs/interop.md). auto_code: false turns it off for mops-bundle only.
auto_code:
  code_roots: ['.', 'src']        # used when there is no top-level code_roots
  import_mode: files              # files (each imported module) or package (whole packages)
  ignore: []                      # fnmatch patterns on project-relative paths, e.g. ['tests/*']

# The program that produces a model's outputs, run by the build plugin on a cache miss, with the
# project root as working directory and MODELOPS_MODEL_ID, MODELOPS_ENTRYPOINT,
# MODELOPS_MODEL_DIGEST and MODELOPS_OUT_DIR in its environment.
# generator:
#   command: [python3, run_model.py]  # a list of arguments, or one command line
#   timeout: 10m                      # 500ms, 30s, 10m, 1h or a number of milliseconds (at most 596h)
#   inputs: [run_model.py]            # the generator's own files/folders (project-relative): editing
#                                     # them regenerates every model (.py compared semantically)

# A shared output cache on an OCI registry (docs/remote-cache.md): a build that misses locally
# fetches the outputs another machine generated (verified), and pushes what it generates.
# MODELOPS_REMOTE_CACHE (the url) and MODELOPS_REMOTE_CACHE_PUSH (0/1) override these.
# remote_cache:
#   url: oci://ghcr.io/my-org/model-outputs   # oci://HOST[:PORT]/REPOSITORY
#   push: true                        # false: only read (e.g. developers with a read-only token)
#   plain_http: false                 # http:// instead of https:// (default: on for localhost only)
#   connect_timeout: 5s
`
