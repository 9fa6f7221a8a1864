/**
 * Dependency hygiene, read from package.json, package-lock.json and the sources: what the code imports is
 * declared; what the compiled runtime imports is a runtime dependency (tsx, vite, esbuild and TypeScript are
 * development tools); the lock lifts ocpp-rpc's Ajv past the advisory and carries no serial-port packages.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

interface PackageJson {
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
}
interface LockEntry {
  name?: string;
  version: string;
  dev?: boolean;
  optional?: boolean;
}
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as PackageJson;
const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as {
  packages: Record<string, LockEntry>;
};

function sourceFiles(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && /\.(ts|tsx|js)$/.test(e.name))
    .map((e) => relative(ROOT, join(e.parentPath, e.name)));
}

/** The packages a file imports or requires at run time (`import type` left out), by package name. */
function importedPackages(file: string): string[] {
  const text = readFileSync(join(ROOT, file), 'utf8');
  const specifiers = [
    ...text.matchAll(/^\s*import\s+(?!type\s)[^'"]*?\bfrom\s+'([^']+)'/gm),
    ...text.matchAll(/^\s*import\s+'([^']+)'/gm),
    ...text.matchAll(/\bimport\(\s*'([^']+)'\s*\)/g),
    ...text.matchAll(/\brequire[A-Za-z]*\(\s*'([^']+)'\s*\)/g),
  ].map((m) => m[1]!);
  return specifiers
    .filter((s) => !s.startsWith('.') && !s.startsWith('node:') && !s.startsWith('/'))
    .map((s) => (s.startsWith('@') ? s.split('/').slice(0, 2).join('/') : s.split('/')[0]!));
}

/** The files tsconfig.build.json compiles into dist/ (what `npm start` runs): its include minus its exclude. */
const build = JSON.parse(readFileSync(join(ROOT, 'tsconfig.build.json'), 'utf8')) as { exclude: string[] };
const EXCLUDED = build.exclude.map((glob) => {
  const re = glob
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*\*\//g, '\0')
    .replace(/\*/g, '[^/]*')
    .replace(/\0/g, '(?:.*/)?');
  return new RegExp(`^${re}(?:/.*)?$`);
});
const RUNTIME = (file: string): boolean => file.startsWith('src/') && !EXCLUDED.some((re) => re.test(file));

describe('package.json declares what the code imports', () => {
  const files = [...sourceFiles('src'), ...sourceFiles('bench'), 'bin/fusebox.js'];

  it('every package imported by the sources, tests and benchmarks is a dependency or devDependency', () => {
    const declared = new Set([...Object.keys(pkg.dependencies), ...Object.keys(pkg.devDependencies)]);
    const missing = files.flatMap((f) =>
      importedPackages(f)
        .filter((p) => !declared.has(p))
        .map((p) => `${f}: ${p}`),
    );
    expect(missing).toEqual([]);
  });

  it('what the compiled runtime imports is a runtime dependency, and the build tools are not', () => {
    const runtime = new Set(Object.keys(pkg.dependencies));
    const devOnly = files
      .filter(RUNTIME)
      .flatMap((f) => importedPackages(f).map((p) => `${f}: ${p}`))
      .filter((fp) => !runtime.has(fp.split(': ')[1]!));
    expect(devOnly).toEqual([]);
    for (const tool of ['tsx', 'vite', 'esbuild', 'typescript']) {
      expect(pkg.dependencies, tool).not.toHaveProperty(tool);
      expect(pkg.devDependencies, tool).toHaveProperty(tool);
      expect(lock.packages[`node_modules/${tool}`]?.dev, `${tool} is dev-only in the lock`).toBe(true);
    }
  });
});

describe('package-lock.json', () => {
  it("resolves ocpp-rpc's Ajv to 8.18 or later (GHSA-2g4f-4pwh-qvx6), with uri-js as its URI resolver", () => {
    // ocpp-rpc pins ajv 8.14.0; the override lifts it. Node resolution: ocpp-rpc's own copy, else the top one.
    const entry = lock.packages['node_modules/ocpp-rpc/node_modules/ajv']
      ? 'node_modules/ocpp-rpc/node_modules/ajv'
      : 'node_modules/ajv';
    const ajv = lock.packages[entry]!;
    const [maj = 0, min = 0] = ajv.version.split('.').map(Number);
    expect(maj * 1000 + min, `${entry} ${ajv.version}`).toBeGreaterThanOrEqual(8 * 1000 + 18);
    // Ajv 8.17+ defaults to fast-uri, which cannot serialize ocpp-rpc's schema ids (`urn:Authorize.req`, a URN
    // without a namespace: ajv-validator/ajv#2503) and ocpp-rpc fails to load; uri-js, Ajv's resolver up to
    // 8.16, reads them.
    const uri = lock.packages[`${entry}/node_modules/fast-uri`];
    expect(uri?.name, `${entry}/node_modules/fast-uri`).toBe('uri-js');
  });

  it("has no serial-port packages: modbus-serial's optional serialport is the empty stub", () => {
    const serial = Object.keys(lock.packages).filter((p) =>
      /node_modules\/(@serialport\/|serialport$)/.test(p),
    );
    expect(serial.map((p) => `${p} ${lock.packages[p]!.name ?? ''}`)).toEqual([
      'node_modules/modbus-serial/node_modules/serialport @favware/skip-dependency',
    ]);
  });
});
