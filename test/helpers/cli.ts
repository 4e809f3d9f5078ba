import { main } from '../../cli/main.js';
import type { CliIo } from '../../cli/io.js';

/** Runs the CLI in-process with captured output; `answer` plays the person at the terminal. */
export async function runCli(
  argv: string[],
  options: { env?: Record<string, string>; cwd?: string; answer?: string; terminal?: boolean } = {},
) {
  let stdout = '';
  let stderr = '';
  const progress: string[] = [];
  const io: CliIo = {
    env: options.env ?? {},
    cwd: options.cwd ?? process.cwd(),
    stdout: (t) => {
      stdout += `${t}\n`;
    },
    stderr: (t) => {
      stderr += `${t}\n`;
    },
    prompt: options.answer === undefined ? undefined : async () => options.answer!,
    color: false,
    progress: options.terminal
      ? (line) => {
          progress.push(line);
        }
      : undefined,
  };
  const code = await main(argv, io);
  return { code, stdout, stderr, progress };
}
