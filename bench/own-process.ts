import { fork } from 'node:child_process';

/**
 * One measurement in a fresh process of this benchmark (run.ts runs it when `BENCH_ONLY` is
 * `only`; it prints its result as the last line of JSON): nothing the measurements before it left
 * in this process weighs on it, and it may have V8 options of its own (`execArgv`).
 */
export function inOwnProcess<T>(only: string, options: { env?: Record<string, string>; execArgv?: string[] } = {}): Promise<T> {
  return new Promise((done, fail) => {
    const run = fork(process.argv[1]!, [], {
      execArgv: options.execArgv ?? [],
      env: { ...process.env, ...options.env, BENCH_ONLY: only },
      stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
    });
    let out = '';
    run.stdout!.on('data', (d: Buffer) => {
      out += String(d);
    });
    run.once('exit', (code) =>
      code === 0 ? done(JSON.parse(out.trim().split('\n').at(-1)!) as T) : fail(new Error(`the ${only} process exited ${code}`)),
    );
  });
}
