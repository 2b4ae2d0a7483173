import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, parse } from 'node:path';
import type { IPolicyValidationContext, IPolicyValidationPlugin, PolicyValidationPluginReport } from 'aws-cdk-lib';
import type * as CfnGuard from '@cdklabs/cdk-validator-cfnguard';
import { requireOptional } from './optional-dependency';

/** Options of {@link ControlTowerGuard}. */
export interface ControlTowerGuardProps {
  /**
   * Rule names (guard file names, e.g. `ct-s3-pr-1`) to skip.
   * @default - none
   */
  readonly disabledRules?: string[];
}

const RESOURCE_TYPE = /AWS::[A-Za-z0-9]+::[A-Za-z0-9]+/g;

/**
 * AWS Control Tower's proactive controls (the cfn-guard rules shipped with
 * `@cdklabs/cdk-validator-cfnguard`), run only where they can apply.
 *
 * Every Control Tower rule selects resources by type, so a rule whose types appear in none of the
 * templates can never report anything. Handing cfn-guard only the rule files that name a type the
 * templates contain gives the same findings, about five times faster (the full set of 237 rules
 * costs seconds per template). Findings and acknowledgments use the plugin's own name,
 * `cdk-validator-cfnguard`.
 */
export class ControlTowerGuard implements IPolicyValidationPlugin {
  public readonly name = 'cdk-validator-cfnguard';

  private readonly guard: typeof CfnGuard;
  private readonly rules: Array<{ file: string; types: string[] }>;

  constructor(props: ControlTowerGuardProps = {}) {
    this.guard = requireOptional<typeof CfnGuard>('@cdklabs/cdk-validator-cfnguard', '^0.0.62', 'AWS Control Tower checks (applyCompliance() with controlTower)');
    const root = join(dirname(require.resolve('@cdklabs/cdk-validator-cfnguard/package.json')), 'rules', 'control-tower', 'cfn-guard');
    const disabled = new Set(props.disabledRules ?? []);
    this.rules = guardFiles(root)
      .filter((file) => !disabled.has(parse(file).name))
      .map((file) => ({ file, types: [...new Set(readFileSync(file, 'utf8').match(RESOURCE_TYPE) ?? [])] }));
  }

  public validate(context: IPolicyValidationContext): PolicyValidationPluginReport {
    const present = new Set<string>();
    for (const templatePath of context.templatePaths) {
      const template = JSON.parse(readFileSync(templatePath, 'utf8')) as { Resources?: Record<string, { Type?: string }> };
      for (const resource of Object.values(template.Resources ?? {})) if (resource.Type) present.add(resource.Type);
    }
    const rules = this.rules.filter((rule) => rule.types.some((type) => present.has(type))).map((rule) => rule.file);
    if (rules.length === 0) return { success: true, violations: [] };
    return new this.guard.CfnGuardValidator({ controlTowerRulesEnabled: false, rules }).validate(context);
  }
}

function guardFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) return guardFiles(path);
    return entry.endsWith('.guard') ? [path] : [];
  });
}
