export type { Options, OptionsResolved } from './core/options.js'
export type { Manifest, ManifestArtifact, ManifestComponent, ManifestModel, ManifestTarget, Generator, GeneratorCommand, GeneratorFunction, GenerateModel, GenerateContext } from '@modelops-bundle/core'
