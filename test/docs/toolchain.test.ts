import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');

/** The version of an installed package, as `npm ci` put it in node_modules. */
function installed(name: string): string {
  return (JSON.parse(readFileSync(join(ROOT, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version;
}

/** The README's toolchain table: tool name -> the Version cell. */
function toolchainTable(): Map<string, string> {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## Toolchain pins'));
  const rows = new Map<string, string>();
  for (const line of section.split('\n')) {
    const cells = line.split('|').map((cell) => cell.trim());
    if (cells.length > 3 && cells[1] && !/^-+$/.test(cells[1]) && cells[1] !== 'Tool') rows.set(cells[1].replace(/`/g, ''), cells[2]);
  }
  return rows;
}

describe('the README states the toolchain that is installed', () => {
  const table = toolchainTable();

  test.each([
    ['aws-cdk-lib', ['aws-cdk-lib']],
    ['aws-cdk (CLI)', ['aws-cdk']],
    ['TypeScript', ['typescript']],
    ['jest / ts-jest', ['jest', 'ts-jest']],
    ['cdk-nag', ['cdk-nag']],
    ['esbuild', ['esbuild']],
  ])('%s', (tool, packages) => {
    const cell = table.get(tool);
    expect(cell).toBeDefined();
    for (const name of packages) expect(cell).toContain(installed(name));
  });
});
