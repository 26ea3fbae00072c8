// Temporary: marks contract functions whose owner has not landed them yet. Delete when empty.
export function notImplemented(name: string): never {
  throw new Error(`${name}: not implemented yet`)
}
