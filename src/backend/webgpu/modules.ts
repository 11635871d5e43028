/**
 * Optional packages by name, for a bundle that carries them inline.
 *
 * The backend loads `webgpu` and `@tensorflow/tfjs-backend-webgpu` with a
 * dynamic import through a variable, so that `tsc` and a plain install
 * without them work. A single-file bundle (npm run gpu-bundle, for GPU
 * machines without Node or a registry) cannot resolve such imports; its
 * entry imports the packages statically and hands them over here first.
 */
const provided = new Map<string, unknown>();

/** Makes `import(name)` of the backend loaders return `mod`. */
export function provideModule(name: string, mod: unknown): void {
  provided.set(name, mod);
}

/** The provided module, else a dynamic import of `name`. */
export async function importOptional<T>(name: string): Promise<T> {
  if (provided.has(name)) return provided.get(name) as T;
  return (await import(name)) as T;
}
