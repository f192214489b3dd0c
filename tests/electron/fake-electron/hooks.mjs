// Module hooks for the main smoke test: `electron` (and electron/*) resolve to the fake.
const FAKE = new URL('./electron.mjs', import.meta.url).href;

export async function resolve(specifier, context, next) {
  if (specifier === 'electron' || specifier.startsWith('electron/')) return { url: FAKE, shortCircuit: true };
  return next(specifier, context);
}
