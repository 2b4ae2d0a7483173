import { Aspects, Stage, Validations } from 'aws-cdk-lib';
import type { IPolicyValidationPlugin } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import type * as CdkNag from 'cdk-nag';
import { ControlTowerGuard } from './control-tower-guard';

/** Which checks {@link applyCompliance} attaches. */
export interface ComplianceOptions {
  /**
   * Print every finding with its explanation.
   * @default false
   */
  readonly verbose?: boolean;
  /**
   * Run AWS Control Tower's proactive controls (cfn-guard rules) next to the cdk-nag packs.
   * @default true
   */
  readonly controlTower?: boolean;
  /**
   * Control Tower rule names to skip (e.g. `ct-s3-pr-1`). Prefer an acknowledgment on the one
   * construct concerned; this switches a rule off everywhere.
   * @default - none
   */
  readonly disabledControlTowerRules?: string[];
}

/** The cdk-nag packs {@link applyCompliance} attaches, by their rule-id prefix. */
export const COMPLIANCE_PACKS = ['AwsSolutions', 'Serverless', 'NIST.800.53.R5', 'HIPAA.Security', 'PCI.DSS.321'] as const;

/**
 * Attaches cdk-nag's AwsSolutions, Serverless, NIST 800-53 R5, HIPAA Security and PCI DSS 3.2.1
 * packs, each writing its acknowledgments into the template metadata, and AWS Control Tower's
 * proactive controls (cfn-guard) to an App or Stage. Any unacknowledged finding fails synthesis.
 *
 * Call it after the app's Stages exist: each Stage found below `scope` gets the aspect that writes
 * acknowledgments into its templates.
 *
 * cdk-nag and @cdklabs/cdk-validator-cfnguard are optional peer dependencies: they are loaded
 * here, on first use, so an app that never calls this does not need them installed.
 */
export function applyCompliance(scope: IConstruct, options: ComplianceOptions = {}): void {
  /* eslint-disable @typescript-eslint/no-require-imports */
  const nag = require('cdk-nag') as typeof CdkNag;
  const packOptions = { verbose: options.verbose ?? false, writeSuppressionsToCloudFormation: true };
  const plugins: IPolicyValidationPlugin[] = [
    new nag.AwsSolutionsChecks(scope, packOptions),
    new nag.ServerlessChecks(scope, packOptions),
    new nag.NIST80053R5Checks(scope, packOptions),
    new nag.HIPAASecurityChecks(scope, packOptions),
    new nag.PCIDSS321Checks(scope, packOptions),
  ];
  if (options.controlTower ?? true) {
    plugins.push(new ControlTowerGuard({ disabledRules: options.disabledControlTowerRules }));
  }
  /* eslint-enable @typescript-eslint/no-require-imports */
  Validations.of(scope).addPlugins(...plugins);
  // Aspects do not cross into nested Stages: give each Stage below the scope its own writer, so
  // every template carries its acknowledgments in Metadata.cdk_nag.
  for (const child of scope.node.findAll()) {
    if (child !== scope && Stage.isStage(child)) Aspects.of(child).add(new nag.WriteNagSuppressionsToCloudFormationAspect());
  }
}
