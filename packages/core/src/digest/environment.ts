// OWNER: core-digest helper.
import type { Project } from '../project/project.js'
import type { EnvironmentInputs } from './types.js'
import { notImplemented } from '../stub.js'

/** Bare hex of contracts' EnvironmentDigest (reference vector E4). */
export async function environmentDigestHex(env: EnvironmentInputs): Promise<string> { return notImplemented('environmentDigestHex') }
/** `env1:<hex>` */
export async function environmentDigest(env: EnvironmentInputs): Promise<string> { return notImplemented('environmentDigest') }
/** Inputs from config.yaml, uv.lock / requirements*.txt / pyproject.toml, then `overrides`. */
export async function captureEnvironment(project: Project, overrides?: Partial<EnvironmentInputs>): Promise<EnvironmentInputs> { return notImplemented('captureEnvironment') }
