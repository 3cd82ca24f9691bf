/**
 * Where the example platform lives: examples/platforms/example-el9.yaml in the checkout, found by
 * walking up from this module (it runs from src/ through tsx or from the bundle in .build/).
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export function exampleConfigFile(): string | null {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    const f = join(dir, 'examples', 'platforms', 'example-el9.yaml');
    if (existsSync(f)) return f;
    dir = dirname(dir);
  }
  return null;
}
