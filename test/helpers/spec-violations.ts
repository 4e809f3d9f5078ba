import { afterEach } from 'vitest';
import { specViolations } from '../../sandbox/http-kit.js';

// A request or answer that breaks a published spec fails the test during which a stand-in saw it.
afterEach(() => {
  const seen = specViolations.splice(0);
  if (seen.length > 0) throw new Error(`The stand-ins saw ${seen.length} spec violation(s):\n- ${[...new Set(seen)].join('\n- ')}`);
});
