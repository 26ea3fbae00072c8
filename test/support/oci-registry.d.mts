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
export declare function startRegistry(options?: { auth?: { username: string; password: string }; token?: { username: string; password: string } }): Promise<TestRegistry>

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
