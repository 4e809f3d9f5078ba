/** What a CLI command may touch: its streams and environment, injected so tests run it in-process. */
export interface CliIo {
  env: Readonly<Record<string, string | undefined>>;
  cwd: string;
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** Asks a question on the terminal; undefined when there is no terminal to ask on. */
  prompt: ((question: string) => Promise<string>) | undefined;
  color: boolean;
  /** Rewrites one status line on a terminal; undefined when output is piped (then nothing is shown). */
  progress: ((line: string) => void) | undefined;
}

/** Exit codes: 0 success, 1 the run failed or did not fully apply, 2 bad usage or configuration. */
export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;
