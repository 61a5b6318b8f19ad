// Node.js binaries of other majors, from the npm registry's `node@N` packages (they bring the
// official binary), so the tarball and CLI smoke runs prove the versions users run (22, 24), not
// only the one this machine has.
import { execFileSync } from 'node:child_process';

/** The majors users run today; `MAILBRIDGE_TEST_NODES="22 24"` overrides, `""` turns the runs off. */
export function extraNodeMajors() {
  const given = process.env.MAILBRIDGE_TEST_NODES;
  return (given === undefined ? '22 24' : given).split(/[\s,]+/).filter(Boolean);
}

/** Path of the `node` binary of a major version, fetched once into npx's cache. */
export function nodeBinary(major) {
  const out = execFileSync('npx', ['--yes', '-p', `node@${major}`, 'node', '-p', 'process.execPath + "\\n" + process.version'], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: 300_000,
  });
  const [path, version] = out.trim().split('\n');
  if (!version?.startsWith(`v${major}.`)) throw new Error(`npx -p node@${major} gave ${version ?? 'nothing'} (${path})`);
  return { path, version };
}
