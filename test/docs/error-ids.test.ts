import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');

function filesUnder(dir: string, ext: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) return filesUnder(path, ext);
    return path.endsWith(ext) ? [path] : [];
  });
}

/**
 * Every errorId the library can throw: the literal first argument of `new ApiPatternsError(...)`,
 * and the literal ids handed to the helpers that throw with a given id.
 */
function errorIdsInLib(): Set<string> {
  const ids = new Set<string>();
  const patterns = [
    /new ApiPatternsError\(\s*'([A-Za-z]+)'/g,
    /validateIntegerRange\(\s*[^,]+,\s*'([A-Za-z]+)'/g,
    /validateHttpsUrl\(\s*'([A-Za-z]+)'/g,
    // Local helpers that take the id first, e.g. fail('DynamoDbKeyMissing', message).
    /\bfail\(\s*'([A-Z][A-Za-z]+)',/g,
    /checkPathParametersRead\([^;]*'([A-Za-z]+)'\);/g,
    /checkName\([^;]*'([A-Za-z]+)'\);/g,
    // Synth-time validation messages that start with the id: `UsageTierRouteUnknown: ${prop} ...`.
    /`([A-Z][A-Za-z]+): \$\{prop\}/g,
  ];
  for (const file of filesUnder(join(ROOT, 'lib'), '.ts')) {
    const source = readFileSync(file, 'utf8');
    for (const pattern of patterns) for (const match of source.matchAll(pattern)) ids.add(match[1]);
  }
  return ids;
}

/** The ids listed in the first column of the docs' error tables (`| errorId | Fails when |`). */
function errorIdsInDocs(): Map<string, string[]> {
  const ids = new Map<string, string[]>();
  for (const file of filesUnder(join(ROOT, 'docs'), '.md')) {
    let inTable = false;
    for (const line of readFileSync(file, 'utf8').split('\n')) {
      if (/^\|\s*errorId\s*\|/.test(line)) inTable = true;
      else if (!line.startsWith('|')) inTable = false;
      const id = inTable ? /^\|\s*`([A-Za-z]+)`\s*\|/.exec(line)?.[1] : undefined;
      if (id) ids.set(id, [...(ids.get(id) ?? []), file.slice(ROOT.length + 1)]);
    }
  }
  return ids;
}

describe('the docs list every error the library throws', () => {
  const inLib = errorIdsInLib();
  const inDocs = errorIdsInDocs();

  test('the scan finds the library errors (the patterns still match the code)', () => {
    expect(inLib.size).toBeGreaterThan(40);
    expect(inLib).toContain('RouteUnauthorized');
    expect(inLib).toContain('MemorySizeInvalid');
    expect(inLib).toContain('JwtIssuerInvalid');
  });

  test('every errorId appears in an error table of docs/', () => {
    expect([...inLib].filter((id) => !inDocs.has(id)).sort()).toEqual([]);
  });

  test('every errorId in an error table still exists', () => {
    expect([...inDocs.keys()].filter((id) => !inLib.has(id)).sort()).toEqual([]);
  });
});
