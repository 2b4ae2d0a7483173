/**
 * Jest snapshot serializer that strips volatile values from synthesized templates, so a snapshot
 * changes only when the CloudFormation a construct generates changes, not when handler code
 * moves: asset hashes (64 hex digits, in S3 keys, asset paths and metadata) become "[ASSET_HASH]".
 */
const HAS_HASH = /[0-9a-f]{64}/;
const EVERY_HASH = /[0-9a-f]{64}/g;

module.exports = {
  test: (value: unknown): boolean => typeof value === 'string' && HAS_HASH.test(value),
  print: (value: unknown, serialize: (v: unknown) => string): string => serialize((value as string).replace(EVERY_HASH, '[ASSET_HASH]')),
};
