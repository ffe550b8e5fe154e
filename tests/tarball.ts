/**
 * What a published tarball must hold, checked in one place for the packaging test, the release
 * test and `pnpm release:dry`: the repository's LICENSE (the one file, at the root: `pnpm pack` and
 * `pnpm publish` add it to a workspace package that has none), a manifest with real version ranges
 * (no `workspace:`, which only pnpm understands), the fields that link it to its repository (as the
 * root package.json has them), and no source map whose sources are missing from the tarball.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve, sep } from 'node:path';

export const root = resolve(import.meta.dirname, '..');

/** The root manifest: the one home of `license`, `repository`, `homepage` and `bugs`. */
const rootManifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));

/** The link fields a package in `directory` must carry, derived from the root manifest. */
export function expectedLinks(directory: string): Record<string, unknown> {
  const { license, repository, homepage, bugs } = rootManifest;
  return {
    license,
    repository: { ...repository, directory },
    homepage: `${homepage.replace(/#.*$/, '')}/tree/main/${directory}#readme`,
    bugs,
  };
}

const DEPENDENCY_FIELDS = ['dependencies', 'peerDependencies', 'optionalDependencies', 'devDependencies'] as const;

/** The files of a tarball (`package/...` stripped), extracted into a temporary directory. */
export function extractTarball(tarball: string): { dir: string; files: string[]; dispose: () => void } {
  const out = mkdtempSync(join(tmpdir(), 'scratchgpt-tarball-'));
  execFileSync('tar', ['-xzf', tarball, '-C', out]);
  const dir = join(out, 'package');
  const files = readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((d) => d.isFile())
    .map((d) => relative(dir, join(d.parentPath, d.name)).split(sep).join('/'))
    .sort();
  return { dir, files, dispose: () => rmSync(out, { recursive: true, force: true }) };
}

/**
 * Every problem with the tarball of the package in `directory` (relative to the repository root,
 * e.g. `packages/data`), one sentence each naming the file or field and the fix; empty if none.
 */
export function tarballProblems(tarball: string, directory: string): string[] {
  const { dir, files, dispose } = extractTarball(tarball);
  try {
    const problems: string[] = [];
    const name = tarball.split(sep).pop();
    if (!files.includes('LICENSE')) {
      problems.push(`${name} has no LICENSE: pack and publish with pnpm, which adds the workspace root's LICENSE (npm does not)`);
    } else if (readFileSync(join(dir, 'LICENSE'), 'utf8') !== readFileSync(join(root, 'LICENSE'), 'utf8')) {
      problems.push(`${name}'s LICENSE differs from the repository's: delete the package's own copy (pnpm then adds the root's)`);
    }
    const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
    for (const [field, want] of Object.entries(expectedLinks(directory))) {
      if (JSON.stringify(manifest[field]) !== JSON.stringify(want)) {
        problems.push(`${name}: package.json "${field}" is ${JSON.stringify(manifest[field])}, should be ${JSON.stringify(want)}`);
      }
    }
    for (const field of DEPENDENCY_FIELDS) {
      for (const [dep, range] of Object.entries<string>(manifest[field] ?? {})) {
        if (range.startsWith('workspace:')) {
          problems.push(
            `${name}: ${field}["${dep}"] is "${range}", which npm cannot install: pack and publish with pnpm, which rewrites it`,
          );
        }
      }
    }
    for (const map of files.filter((f) => f.endsWith('.map'))) {
      const { sources = [], sourceRoot = '' } = JSON.parse(readFileSync(join(dir, map), 'utf8'));
      for (const source of sources as string[]) {
        const path = resolve(dirname(join(dir, map)), sourceRoot, source);
        if (!path.startsWith(dir + sep) || !existsSync(path)) {
          problems.push(
            `${name}: ${map} points at ${source}, which is not in the tarball: ship no source maps (tsup.base.ts) or ship their sources`,
          );
          break;
        }
      }
    }
    return problems;
  } finally {
    dispose();
  }
}

/** Packs the package in `dir` with pnpm (which rewrites `workspace:` ranges) into `destination`; returns the tarball's path. */
export function pack(dir: string, destination: string): string {
  const out = execFileSync(process.env.PNPM ?? 'pnpm', ['pack', '--pack-destination', destination], { cwd: dir, encoding: 'utf8' });
  return out.trim().split('\n').pop()!.trim();
}
