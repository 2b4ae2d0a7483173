import { readdirSync, readFileSync, statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join, parse } from 'node:path';
import type { IPolicyValidationContext, IPolicyValidationPlugin, PolicyValidationPluginReport } from 'aws-cdk-lib';
import type * as CfnGuard from '@cdklabs/cdk-validator-cfnguard';
import { requireOptional } from '../functions/optional-dependency';
import { BackgroundWork } from './background-worker';

/** Options of {@link ControlTowerGuard}. */
export interface ControlTowerGuardProps {
  /**
   * Rule names (guard file names, e.g. `ct-s3-pr-1`) to skip.
   * @default - none
   */
  readonly disabledRules?: string[];
  /**
   * How many cfn-guard processes may check templates at the same time.
   * @default - the number of CPUs Node.js may use (`os.availableParallelism()`)
   */
  readonly parallelism?: number;
}

const RESOURCE_TYPE = /AWS::[A-Za-z0-9]+::[A-Za-z0-9]+/g;

/** What one cfn-guard call checks: one template, with the rules that can apply to it. */
interface GuardJob {
  readonly templatePath: string;
  readonly rules: string[];
  /** The resource types those rules name: the only resources they can select. */
  readonly types: string[];
  /** What the check costs, roughly: the template's size times its rules. */
  readonly cost: number;
}

/** cfn-guard calls under way in a worker thread: their reports, by template. */
type GuardRun = BackgroundWork<Record<string, PolicyValidationPluginReport>>;

/**
 * AWS Control Tower's proactive controls, as a validation plugin: cfn-guard with the Control Tower
 * rule set that `@cdklabs/cdk-validator-cfnguard` ships, run the way a large app needs it.
 *
 * - Each template is checked only with the rules that name a resource type it contains (most of the
 *   several hundred rules concern services an API stack never uses), in one cfn-guard call per template.
 * - The calls are spread over `parallelism` worker threads by their size, so they run side by side.
 * - `start` starts those calls as soon as validation begins (`applyCompliance` calls it from a plugin
 *   that runs first), so the checks run while the other plugins do; `validate` collects their reports.
 * - Every finding is an error (see `validate`).
 */
export class ControlTowerGuard implements IPolicyValidationPlugin {
  public readonly name = 'cdk-validator-cfnguard';

  private readonly rules: Array<{ file: string; types: string[] }>;
  private readonly parallelism: number;
  private readonly runs = new Map<string, GuardRun>();

  constructor(props: ControlTowerGuardProps = {}) {
    requireOptional<typeof CfnGuard>('@cdklabs/cdk-validator-cfnguard', '^0.0.62', 'AWS Control Tower checks (applyCompliance() with controlTower)');
    const root = join(dirname(require.resolve('@cdklabs/cdk-validator-cfnguard/package.json')), 'rules', 'control-tower', 'cfn-guard');
    const disabled = new Set(props.disabledRules ?? []);
    this.rules = guardFiles(root)
      .filter((file) => !disabled.has(parse(file).name))
      .map((file) => ({ file, types: [...new Set(readFileSync(file, 'utf8').match(RESOURCE_TYPE) ?? [])] }));
    this.parallelism = Math.max(1, Math.floor(props.parallelism ?? availableParallelism()));
  }

  /**
   * Starts checking the context's templates in worker threads, to be collected by `validate`: call
   * it from a plugin that runs before slower ones (`applyCompliance` does).
   */
  public start(context: IPolicyValidationContext): void {
    this.startChecks(context.templatePaths);
  }

  public validate(context: IPolicyValidationContext): PolicyValidationPluginReport {
    this.startChecks(context.templatePaths);
    const reports = this.collect(context.templatePaths);
    // cfn-guard's violations carry no severity. aws-cdk-lib recomputes a report's success from its
    // severities once it has removed acknowledged findings, and counts a finding without one as no
    // error: an app with one acknowledged and one open finding would pass. Every finding is an error.
    const violations = reports.flatMap((r) => r.violations).map((v) => ({ ...v, severity: v.severity ?? 'error' }));
    return { success: reports.every((r) => r.success) && violations.length === 0, violations };
  }

  /** Starts checking the templates not yet under way, in up to `parallelism` worker threads. */
  private startChecks(templatePaths: readonly string[]): void {
    const jobs = templatePaths.filter((path) => !this.runs.has(path)).map((path) => this.job(path));
    if (jobs.length === 0) return;
    // Longest first, each onto the least loaded worker.
    const lanes: Array<{ jobs: GuardJob[]; cost: number }> = Array.from({ length: Math.min(this.parallelism, jobs.length) }, () => ({ jobs: [], cost: 0 }));
    for (const job of [...jobs].sort((a, b) => b.cost - a.cost)) {
      const lane = lanes.reduce((least, l) => (l.cost < least.cost ? l : least));
      lane.jobs.push(job);
      lane.cost += job.cost;
    }
    const modulePath = require.resolve('@cdklabs/cdk-validator-cfnguard');
    for (const lane of lanes) {
      const run: GuardRun = new BackgroundWork('ControlTowerGuard: a cfn-guard run', GUARD_SOURCE, { jobs: lane.jobs, modulePath });
      for (const job of lane.jobs) this.runs.set(job.templatePath, run);
    }
  }

  /** Waits for the checks of these templates, synchronously, and returns one report per template. */
  private collect(templatePaths: readonly string[]): PolicyValidationPluginReport[] {
    const runOf = new Map(templatePaths.map((path) => [path, this.runs.get(path)!]));
    // A later synthesis (tests synthesize one app several times) checks the new templates again.
    for (const path of templatePaths) this.runs.delete(path);
    return templatePaths.map((path) => runOf.get(path)!.join()[path]);
  }

  /** The check of one template: the rules that name a resource type it holds. */
  private job(templatePath: string): GuardJob {
    const text = readFileSync(templatePath, 'utf8');
    const template = JSON.parse(text) as { Resources?: Record<string, { Type?: string }> };
    const types = new Set(Object.values(template.Resources ?? {}).flatMap((r) => (r.Type ? [r.Type] : [])));
    const applicable = this.rules.filter((rule) => rule.types.some((type) => types.has(type)));
    const rules = applicable.map((rule) => rule.file);
    return { templatePath, rules, types: [...new Set(applicable.flatMap((rule) => rule.types))], cost: text.length * Math.max(1, rules.length) };
  }
}

/**
 * What each worker thread runs: one CfnGuardValidator per template of its jobs, the reports by
 * template. cfn-guard reads a copy of each template with only the resources of the types its rules
 * name (every rule selects resources by type, so it can see no others) and without their Metadata
 * (the acknowledgments written there are half of a template's size, and no Control Tower rule reads
 * them); the reports name the original template. Tests compare the findings with the full rule set's.
 */
const GUARD_SOURCE = `
const { mkdtempSync, readFileSync, rmSync, writeFileSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { basename, join } = require('node:path');
const { CfnGuardValidator } = require(input.modulePath);
const dir = mkdtempSync(join(tmpdir(), 'ct-guard-'));
try {
  const reports = {};
  for (const job of input.jobs) {
    if (job.rules.length === 0) {
      reports[job.templatePath] = { success: true, violations: [] };
      continue;
    }
    const template = JSON.parse(readFileSync(job.templatePath, 'utf8'));
    const types = new Set(job.types);
    delete template.Metadata;
    for (const [id, resource] of Object.entries(template.Resources || {})) {
      if (types.has(resource.Type)) delete resource.Metadata;
      else delete template.Resources[id];
    }
    const copy = join(dir, basename(job.templatePath));
    writeFileSync(copy, JSON.stringify(template));
    const report = new CfnGuardValidator({ controlTowerRulesEnabled: false, rules: job.rules }).validate({ templatePaths: [copy] });
    reports[job.templatePath] = JSON.parse(JSON.stringify(report).split(JSON.stringify(copy).slice(1, -1)).join(JSON.stringify(job.templatePath).slice(1, -1)));
  }
  return reports;
} finally {
  rmSync(dir, { recursive: true, force: true });
}
`;

function guardFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) return guardFiles(path);
    return entry.endsWith('.guard') ? [path] : [];
  });
}
