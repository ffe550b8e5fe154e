/**
 * The release path without the publish, in a temporary copy of the workspace (the working tree and
 * the registry are never touched): `changeset version` as `pnpm release` runs it, then every
 * publishable package packed with pnpm as `changeset publish` packs it (it runs `pnpm publish` when
 * pnpm is the package manager, and that rewrites `workspace:` ranges to the versions just made),
 * and each tarball checked (tests/tarball.ts). tests/release.test.ts runs it in CI;
 * `pnpm release:dry` runs it after the build and lint (`tsx tests/release.ts`), then
 * `pnpm publish --dry-run` on each package, and prints what would be published.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { pack, root, tarballProblems } from './tarball';

const pnpm = process.env.PNPM ?? 'pnpm';

/** A package or app of the workspace: its directory relative to the root (e.g. `packages/data`) and manifest. */
export interface WorkspacePackage {
  directory: string;
  manifest: {
    name: string;
    version: string;
    private?: boolean;
    dependencies?: Record<string, string>;
    devDependencies?: Record<string, string>;
    peerDependencies?: Record<string, string>;
    optionalDependencies?: Record<string, string>;
  };
}

/** The packages and apps of the workspace at `base` (pnpm-workspace.yaml lists `packages/*` and `apps/*`). */
export function workspacePackages(base = root): WorkspacePackage[] {
  return ['packages', 'apps'].flatMap((group) =>
    readdirSync(join(base, group))
      .map((name) => `${group}/${name}`)
      .filter((directory) => existsSync(join(base, directory, 'package.json')))
      .map((directory) => ({ directory, manifest: JSON.parse(readFileSync(join(base, directory, 'package.json'), 'utf8')) })),
  );
}

/**
 * A temporary copy of what a release reads: the root manifest, workspace file, LICENSE and
 * .changeset/; each package's manifest, README, CHANGELOG and built dist/; each workspace
 * dependency linked in its node_modules (where `pnpm pack` reads the version it writes); the
 * repository's node_modules for the changesets CLI. Build first: dist/ is copied, not built.
 */
export function copyForRelease(): string {
  const copy = mkdtempSync(join(tmpdir(), 'scratchgpt-release-'));
  for (const file of ['package.json', 'pnpm-workspace.yaml', 'LICENSE', '.npmrc', '.changeset']) {
    cpSync(join(root, file), join(copy, file), { recursive: true });
  }
  symlinkSync(join(root, 'node_modules'), join(copy, 'node_modules'), 'dir');
  const all = workspacePackages();
  const dirOf = new Map(all.map((p) => [p.manifest.name, p.directory]));
  for (const { directory, manifest } of all) {
    for (const file of ['package.json', 'README.md', 'CHANGELOG.md', ...(manifest.private ? [] : ['dist'])]) {
      const from = join(root, directory, file);
      if (file === 'dist' && !existsSync(from)) throw new Error(`${directory}/dist is missing: run \`pnpm build\` first.`);
      if (existsSync(from)) cpSync(from, join(copy, directory, file), { recursive: true });
    }
    const { dependencies, devDependencies, peerDependencies, optionalDependencies } = manifest;
    for (const [dep, range] of Object.entries({ ...devDependencies, ...peerDependencies, ...optionalDependencies, ...dependencies })) {
      if (!range.startsWith('workspace:')) continue;
      const link = join(copy, directory, 'node_modules', dep);
      mkdirSync(dirname(link), { recursive: true });
      symlinkSync(relative(dirname(link), join(copy, dirOf.get(dep)!)), link, 'dir');
    }
  }
  return copy;
}

/** Runs `changeset version` in the copy (as `pnpm release` does); returns its output. */
export function changesetVersion(copy: string): string {
  return execFileSync(join(root, 'node_modules/.bin/changeset'), ['version'], { cwd: copy, encoding: 'utf8', stdio: 'pipe' });
}

/** Packs every publishable package of the copy with pnpm into `destination`; returns each with its tarball. */
export function packCopy(copy: string, destination: string): { directory: string; name: string; tarball: string }[] {
  return workspacePackages(copy)
    .filter(({ manifest }) => !manifest.private)
    .map(({ directory, manifest }) => ({ directory, name: manifest.name, tarball: pack(join(copy, directory), destination) }));
}

// `pnpm release:dry`: the whole path but the publish, then what `pnpm publish` would send.
if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const before = new Map(workspacePackages().map((p) => [p.manifest.name, p.manifest.version]));
  const copy = copyForRelease();
  try {
    console.log(`› changeset version (in a temporary copy: ${copy})`);
    changesetVersion(copy);
    for (const { manifest } of workspacePackages(copy)) {
      const was = before.get(manifest.name);
      const change = was === manifest.version ? `${was}, unchanged` : `${was} → ${manifest.version}`;
      console.log(`  ${manifest.name}: ${change}${manifest.private ? ' (private: never versioned or published)' : ''}`);
    }
    console.log('› packing each publishable package with pnpm and checking its tarball (tests/tarball.ts)');
    const packed = packCopy(copy, join(copy, '.tarballs'));
    const problems = packed.flatMap(({ tarball, directory }) => tarballProblems(tarball, directory));
    for (const problem of problems) console.error(`✗ ${problem}`);
    if (problems.length > 0) process.exitCode = 1;
    else {
      for (const { directory } of packed) {
        console.log(`› pnpm publish --dry-run (${directory})`);
        execFileSync(pnpm, ['publish', '--dry-run', '--no-git-checks'], { cwd: join(copy, directory), stdio: 'inherit' });
      }
      console.log(`✓ \`pnpm release\` would publish ${packed.map(({ tarball }) => basename(tarball)).join(', ')}`);
    }
  } finally {
    rmSync(copy, { recursive: true, force: true });
  }
}
