/// <reference types="vite/client" />
declare module 'virtual:playground-observations' {
  /** Project-relative path → text of each CSV file under the sample's data/ folder. */
  const files: Record<string, string>
  export default files
}
