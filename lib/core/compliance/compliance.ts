import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { App, Aspects, Stage, Validations } from 'aws-cdk-lib';
import type { IPolicyValidationPlugin } from 'aws-cdk-lib';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { IConstruct } from 'constructs';
import { restrictGrantsToAwsServices } from '../security/kms-key-policy';
import type * as CdkNag from 'cdk-nag';
import { ControlTowerGuard } from './control-tower-guard';
import { requireOptional } from '../functions/optional-dependency';

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
 * A violation fails `cdk synth` however it is run: in memory (`app.synth()` throws), and under the
 * CDK CLI, which reports validation only for the stacks it selected, so a bare `cdk synth` of an
 * app whose stacks all live in Stages would exit 0. Under the CLI this helper therefore checks the
 * validation report itself when the app exits, prints the violations and sets a non-zero exit
 * code, which fails `cdk synth`, `npm run synth` and a CDK Pipelines synth step alike.
 *
 * cdk-nag and @cdklabs/cdk-validator-cfnguard are optional peer dependencies: they are loaded
 * here, on first use, so an app that never calls this does not need them installed. Without them
 * this fails with `OptionalDependencyMissing`, naming the package to install.
 */
function applyCompliance(scope: IConstruct, options: ComplianceOptions = {}): void {
  const nag = requireOptional<typeof CdkNag>('cdk-nag', '^3', 'applyCompliance()');
  const packOptions = { verbose: options.verbose ?? false, writeSuppressionsToCloudFormation: true };
  const guard = (options.controlTower ?? true) ? new ControlTowerGuard({ disabledRules: options.disabledControlTowerRules }) : undefined;
  const stages = scope.node.findAll().filter((child) => child !== scope && Stage.isStage(child)) as Stage[];
  // cfn-guard's checks start as soon as validation begins and run in worker threads beside the other
  // plugins. A nested Stage's plugins run before the App's (and before CloudFormation's own schema
  // validation), so with Stages the starter sits on each of them (one instance for all); without, it
  // runs first at the scope.
  const background = guard ? [guard] : [];
  const starter: IPolicyValidationPlugin = {
    name: 'compliance-checks-start',
    validate: (context) => {
      for (const plugin of background) plugin.start(context);
      return { success: true, violations: [] };
    },
  };
  const plugins: IPolicyValidationPlugin[] = [
    ...(background.length > 0 && stages.length === 0 ? [starter] : []),
    new nag.AwsSolutionsChecks(scope, packOptions),
    new nag.ServerlessChecks(scope, packOptions),
    new nag.NIST80053R5Checks(scope, packOptions),
    new nag.HIPAASecurityChecks(scope, packOptions),
    new nag.PCIDSS321Checks(scope, packOptions),
    ...background,
  ];
  Validations.of(scope).addPlugins(...plugins);
  if (background.length > 0) for (const stage of stages) Validations.of(stage).addPlugins(starter);
  failTheCliOnViolations(scope.node.root);
  // Aspects do not cross into nested Stages: give each Stage below the scope its own writer, so
  // every template carries its acknowledgments in Metadata.cdk_nag.
  for (const stage of stages) Aspects.of(stage).add(new nag.WriteNagSuppressionsToCloudFormationAspect());
}

/** The context key through which the CDK CLI tells the app that the CLI reports validation itself. */
const CLI_REPORTS_VALIDATION = '@aws-cdk/core:failSynthOnValidationErrors';

/** Apps whose exit already checks the validation report. */
const gatedApps = new WeakSet<IConstruct>();

/** A violation as the validation report lists it. */
interface ReportedViolation {
  readonly ruleName?: string;
  readonly severity?: string;
  readonly violatingConstructs?: Array<{ readonly constructPath?: string }>;
}

/**
 * Under the CDK CLI (which runs the app with `failSynthOnValidationErrors: false` and reports
 * only on the stacks it selected), checks the app's `validation-report.json` when the process
 * exits; a failing report prints its violations and makes the app exit 1, so the CLI fails.
 * In-memory synthesis throws on violations by itself and is left alone.
 */
function failTheCliOnViolations(root: IConstruct): void {
  if (!App.isApp(root) || root.node.tryGetContext(CLI_REPORTS_VALIDATION) !== false || gatedApps.has(root)) return;
  gatedApps.add(root);
  const reportFile = join(root.outdir, 'validation-report.json');
  const since = Date.now();
  process.once('exit', (code) => {
    if (code !== 0 || !existsSync(reportFile) || statSync(reportFile).mtimeMs < since - 1000) return;
    const failures = failedViolations(JSON.parse(readFileSync(reportFile, 'utf8')) as unknown);
    if (failures.length === 0) return;
    const lines = failures.map((v) => `  ${v.ruleName ?? '(rule)'} at ${(v.violatingConstructs ?? []).map((c) => c.constructPath).join(', ') || '(no construct)'}`);
    process.stderr.write(
      `\nCompliance check failed: ${failures.length} violation(s) in ${reportFile}\n${lines.join('\n')}\n` +
        'Fix them, or acknowledge each one with a reason on the narrowest construct (see docs/compliance.md).\n',
    );
    process.exitCode = 1;
  });
}

/** The error-severity violations of every failed plugin report. */
function failedViolations(report: unknown): ReportedViolation[] {
  const pluginReports = (report as { pluginReports?: Array<{ conclusion?: string; violations?: ReportedViolation[] }> }).pluginReports ?? [];
  return pluginReports
    .filter((plugin) => plugin.conclusion === 'failure')
    .flatMap((plugin) => plugin.violations ?? [])
    .filter((violation) => violation.severity !== 'warning' && violation.severity !== 'info');
}

/** The compliance checks of this library for an app, a stage or a stack. */
export class ApiCompliance {
  /**
   * Runs cdk-nag (AwsSolutions, Serverless, NIST 800-53 R5, HIPAA, PCI DSS 3.2.1) and AWS Control
   * Tower's guard rules over `scope` at synth; any violation fails the synth (see `applyCompliance` above).
   */
  public static apply(scope: IConstruct, options: ComplianceOptions = {}): void {
    applyCompliance(scope, options);
  }

  /**
   * Adds to a customer-managed key's policy the statement AWS Control Tower asks for (CT.KMS.PR.3):
   * nobody may create a grant on the key unless the grant is for an AWS resource or the caller is
   * an AWS service. The keys this library creates have it already; use it for keys of your own.
   */
  public static restrictKeyGrantsToAwsServices(key: IKey): void {
    restrictGrantsToAwsServices(key);
  }

  private constructor() {}
}
