import type { ChildProcess } from 'node:child_process'

export declare const REGISTRY_BIN: string

export interface TestRegistry {
  host: string
  port: number
  dir: string
  config: string
  child: ChildProcess
  url(repository?: string): string
  tokenRequests: string[]
  stop(): Promise<void>
}
export interface RegistryOptions { auth?: { username: string; password: string }; token?: { username: string; password: string } }
export declare function startRegistry(options?: RegistryOptions): Promise<TestRegistry>

export interface RegistryFixture {
  /** The running registry; throws when read before beforeAll ran. */
  readonly reg: TestRegistry
  /** The fault proxy in front of it; throws without one (`proxy: false`). */
  readonly proxy: FaultProxy
}
type Hook = (fn: () => Promise<void>) => void
export declare function useRegistry(hooks: { beforeAll: Hook; afterAll: Hook }, options?: RegistryOptions & { proxy?: boolean }): RegistryFixture

export type Fault = undefined | 'stall' | 'cut' | 'flip' | { status: number }
export interface FaultProxy {
  fault: Fault
  match: RegExp | undefined
  requests: string[]
  authorizations: string[]
  host: string
  port: number
  url(repository?: string): string
  close(): Promise<void>
}
export declare function startFaultProxy(target: string): Promise<FaultProxy>
export declare function deadPort(): Promise<number>
export declare function startSilentServer(): Promise<{ host: string; port: number; close(): Promise<void> }>
