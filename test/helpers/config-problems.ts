import { parseConfig } from '../../shared/runtime/config.js';
import { ConfigError } from '../../shared/runtime/errors.js';

/** The problems `parseConfig` lists for `text` (origin `c.yaml`); fails the test if the text parses. */
export function problemsOf(text: string): readonly string[] {
  try {
    parseConfig(text, 'c.yaml');
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error('expected a ConfigError');
}
