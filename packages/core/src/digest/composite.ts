// OWNER: core-digest helper.
import type { Component } from './types.js'
import { notImplemented } from '../stub.js'

/** The exact reference pre-image (§2.5): `\0ENV\0env\0` then `\0kind\0path\0digest\0` per component, code-point sorted. */
export function compositePreimage(components: ReadonlyArray<{ kind: string; path: string; digest: string }>, env: string): Uint8Array { return notImplemented('compositePreimage') }
/** BLAKE2b-256 hex of the pre-image: reproduces the reference vectors (E3). */
export async function compositeDigestHex(components: ReadonlyArray<{ kind: string; path: string; digest: string }>, env: string): Promise<string> { return notImplemented('compositeDigestHex') }
/** `composite1:<hex>` of one model or target. */
export async function compositeDigest(components: ReadonlyArray<Component>, envDigest: string): Promise<string> { return notImplemented('compositeDigest') }
