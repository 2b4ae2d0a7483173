#!/usr/bin/env bash
# `npm run verify:package`: packs the library, installs the tarball into an empty app next to
# aws-cdk-lib and constructs only, and synthesizes scripts/package-smoke/app.js with plain node.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cd "$root"
npm run build >/dev/null
tarball="$(npm pack --silent --pack-destination "$work" | tail -1)"
cd "$work"
echo '{ "name": "package-smoke", "version": "1.0.0", "private": true }' > package.json
npm install --silent --no-audit --no-fund "./$tarball" "aws-cdk-lib@$(node -p "require('$root/node_modules/aws-cdk-lib/package.json').version")" constructs@10
cp "$root/scripts/package-smoke/app.js" app.js
node app.js
for forbidden in ts-node esbuild typescript cdk-nag; do
  if [ -d "node_modules/$forbidden" ]; then echo "unexpected dependency installed: $forbidden" >&2; exit 1; fi
done
echo "package smoke test passed: the tarball synthesizes with node alone"
