/**
 * Jest snapshot serializer that strips volatile values from synthesized templates, so a snapshot
 * changes only when the CloudFormation a construct generates changes, not when handler code
 * moves: asset hashes (64 hex digits, in S3 keys, asset paths and metadata) become "[ASSET_HASH]",
 * and the hash CDK appends to a function version's logical id (it hashes the function's properties,
 * asset key included) becomes "[VERSION_HASH]", in keys and in references alike.
 */
const HAS_HASH = /[0-9a-f]{64}/;
const EVERY_HASH = /[0-9a-f]{64}/g;
const HAS_VERSION = /CurrentVersion[0-9A-F]{8}[0-9a-f]{32}/;
const EVERY_VERSION = /(CurrentVersion[0-9A-F]{8})[0-9a-f]{32}/g;

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const normalize = (text: string): string => text.replace(EVERY_HASH, '[ASSET_HASH]').replace(EVERY_VERSION, '$1[VERSION_HASH]');

module.exports = {
  test: (value: unknown): boolean =>
    (typeof value === 'string' && (HAS_HASH.test(value) || HAS_VERSION.test(value))) || (isRecord(value) && Object.keys(value).some((key) => HAS_VERSION.test(key))),
  print: (value: unknown, serialize: (v: unknown) => string): string =>
    typeof value === 'string'
      ? serialize(normalize(value))
      : serialize(Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([key, v]) => [normalize(key), v]))),
};
