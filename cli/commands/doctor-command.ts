import { runDoctor, type Finding } from '../../shared/doctor/run-doctor.js';
import { UpstreamError } from '../../shared/runtime/errors.js';
import { EXIT, type CliIo } from '../io.js';
import { openCommand } from '../command-setup.js';
import { ciAccessFindings } from '../../shared/doctor/ci-access-findings.js';
import { composeCiHub } from '../../composition/ci-token-setup.js';
import type { Config } from '../../shared/runtime/config.js';
import type { Composition } from '../../composition/compose.js';

/** The broker's policies, checked with HF_TOKEN against the Hub's service accounts and repositories. */
async function ciFindings(config: Config, composition: Composition, io: CliIo): Promise<Finding[]> {
  const hub = composeCiHub(config, io.env.HF_TOKEN);
  const plan = await composition.ports.hub.whoami().then(
    (me) => me.plan,
    () => null,
  );
  return ciAccessFindings(config, hub, plan);
}

/** `doctor`: every check with pass/warn/fail and its fix; exit 1 when anything failed. */

function renderFindings(findings: readonly Finding[], color: boolean): string {
  const paint = (status: Finding['status']) => {
    const label = status.toUpperCase().padEnd(4);
    if (!color) return label;
    return `${status === 'pass' ? '\x1b[32m' : status === 'warn' ? '\x1b[33m' : '\x1b[31m'}${label}\x1b[0m`;
  };
  const width = Math.max(...findings.map((f) => f.check.length));
  const lines = findings.flatMap((f) => [
    `${paint(f.status)}  ${f.check.padEnd(width)}  ${f.summary}`,
    ...(f.fix ? [`${' '.repeat(width + 8)}fix: ${f.fix}`] : []),
  ]);
  const count = (s: Finding['status']) => findings.filter((f) => f.status === s).length;
  return [...lines, '', `doctor: ${count('pass')} passed, ${count('warn')} warnings, ${count('fail')} failed`].join('\n');
}

export async function runDoctorCommand(args: { config: string; json: boolean }, io: CliIo): Promise<number> {
  // A local table is created on first use, as for every command; when that fails, doctor goes
  // on without it, so the table is one failed finding among the others rather than a crash.
  const { config, composition } = await openCommand(args.config, io).catch((error: unknown) => {
    if (error instanceof UpstreamError && error.upstream === 'dynamodb') return openCommand(args.config, io, { createTable: false });
    throw error;
  });
  try {
    const findings = await runDoctor(composition.ports, config);
    if (config.ciAccess.issuers.length > 0) findings.push(...(await ciFindings(config, composition, io)));
    io.stdout(
      args.json
        ? JSON.stringify({ ok: !findings.some((f) => f.status === 'fail'), findings }, null, 2)
        : renderFindings(findings, io.color),
    );
    return findings.some((f) => f.status === 'fail') ? EXIT.failed : EXIT.ok;
  } finally {
    await composition.close();
  }
}
