/**
 * The release path (`pnpm release`: changeset version, build, changeset publish), run up to the
 * publish in a temporary copy (tests/release.ts): every changeset is used, the publishable
 * packages get new versions and changelogs, the private apps none, and the tarballs pnpm makes
 * from the versioned copy depend on each other by those new versions, not `workspace:`.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { changesetVersion, copyForRelease, packCopy, type WorkspacePackage, workspacePackages } from './release';
import { extractTarball, root, tarballProblems } from './tarball';

describe('release', () => {
  let copy: string;
  let before: WorkspacePackage[];
  let after: WorkspacePackage[];

  beforeAll(() => {
    before = workspacePackages();
    copy = copyForRelease();
    changesetVersion(copy);
    after = workspacePackages(copy);
  }, 120_000);

  it('versions the publishable packages, with changelogs, and never the private apps', () => {
    const versionOf = (list: WorkspacePackage[], name: string) => list.find((p) => p.manifest.name === name)!.manifest.version;
    const apps = before.filter((p) => p.manifest.private);
    expect(apps.map((p) => p.directory).sort()).toEqual(['apps/trainer', 'apps/web']);
    for (const { directory, manifest } of apps) {
      expect(versionOf(after, manifest.name), `${manifest.name} is private: changesets must not version it`).toBe(manifest.version);
      expect(readdirSync(join(copy, directory)), `${manifest.name} is private: no CHANGELOG`).not.toContain('CHANGELOG.md');
    }
    const bumped = after.filter((p) => !p.manifest.private && p.manifest.version !== versionOf(before, p.manifest.name));
    const pending = readdirSync(join(root, '.changeset')).filter((f) => f.endsWith('.md') && f !== 'README.md');
    if (pending.length > 0) expect(bumped.length, 'changesets are pending: some package gets a new version').toBeGreaterThan(0);
    for (const { directory } of bumped) expect(readdirSync(join(copy, directory))).toContain('CHANGELOG.md');
  });

  it('uses every changeset (each names a publishable package; one naming only apps would wait forever)', () => {
    expect(readdirSync(join(copy, '.changeset')).filter((f) => f.endsWith('.md') && f !== 'README.md')).toEqual([]);
  });

  it('packs the versioned packages with real version ranges of each other, and each tarball passes the checks', () => {
    const versions = new Map(after.map((p) => [p.manifest.name, p.manifest.version]));
    const packed = packCopy(copy, join(copy, '.tarballs'));
    expect(packed.length).toBe(after.filter((p) => !p.manifest.private).length);
    for (const { tarball, directory, name } of packed) {
      expect(tarballProblems(tarball, directory)).toEqual([]);
      const { dir, dispose } = extractTarball(tarball);
      const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
      dispose();
      expect(manifest.version).toBe(versions.get(name));
      for (const [dep, range] of Object.entries<string>({ ...manifest.dependencies, ...manifest.devDependencies })) {
        if (versions.has(dep)) expect(range, `${name} → ${dep}`).toBe(versions.get(dep));
      }
    }
  }, 120_000);
});
