import { ApiPatternsError } from '../validation/errors';

/**
 * Loads an optional peer dependency on first use. When it is not installed, fails with this
 * library's error naming the package and the command that installs it, instead of Node's bare
 * "Cannot find module".
 */
export function requireOptional<T>(packageName: string, versionRange: string, feature: string): T {
  try {
    /* eslint-disable-next-line @typescript-eslint/no-require-imports */
    return require(packageName) as T;
  } catch (e) {
    const code = (e as { code?: unknown }).code;
    if (code !== 'MODULE_NOT_FOUND' || !String((e as Error).message).includes(packageName)) throw e;
    throw new ApiPatternsError(
      'OptionalDependencyMissing',
      `${feature} needs the package ${packageName}, which is not installed: run \`npm install --save-dev ${packageName}@${versionRange}\` in your app. Got: Cannot find module '${packageName}'`,
    );
  }
}
