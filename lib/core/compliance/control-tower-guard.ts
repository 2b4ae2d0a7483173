import { readdirSync, readFileSync, statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join, parse } from 'node:path';
import { MessageChannel, receiveMessageOnPort, Worker } from 'node:worker_threads';
import type { IPolicyValidationContext, IPolicyValidationPlugin, PolicyValidationPluginReport } from 'aws-cdk-lib';
import type * as CfnGuard from '@cdklabs/cdk-validator-cfnguard';
import { requireOptional } from '../functions/optional-dependency';

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

/** What one cfn-guard run checks: some templates, with the rules that can apply to them. */
interface GuardJob {
  readonly templatePaths: string[];
  readonly rules: string[];
}

/**
 * AWS Control Tower's proactive controls (the cfn-guard rules shipped with
 * `@cdklabs/cdk-validator-cfnguard`), run only where they can apply, and in parallel.
 *
 * Every Control Tower rule selects resources by type, so a rule whose types appear in none of the
 * templates can never report anything. Handing cfn-guard only the rule files that name a type the
 * templates contain gives the same findings, about five times faster (the full set of 237 rules
 * costs seconds per template). cfn-guard itself uses one CPU, so the templates are split into as
 * many groups as there are CPUs, each checked by its own cfn-guard process (started from a worker
 * thread, since a validation plugin must answer synchronously), and the reports merged. Findings
 * and acknowledgments use the plugin's own name, `cdk-validator-cfnguard`.
 */
export class ControlTowerGuard implements IPolicyValidationPlugin {
  public readonly name = 'cdk-validator-cfnguard';

  private readonly guard: typeof CfnGuard;
  private readonly rules: Array<{ file: string; types: string[] }>;
  private readonly parallelism: number;

  constructor(props: ControlTowerGuardProps = {}) {
    this.guard = requireOptional<typeof CfnGuard>('@cdklabs/cdk-validator-cfnguard', '^0.0.62', 'AWS Control Tower checks (applyCompliance() with controlTower)');
    const root = join(dirname(require.resolve('@cdklabs/cdk-validator-cfnguard/package.json')), 'rules', 'control-tower', 'cfn-guard');
    const disabled = new Set(props.disabledRules ?? []);
    this.rules = guardFiles(root)
      .filter((file) => !disabled.has(parse(file).name))
      .map((file) => ({ file, types: [...new Set(readFileSync(file, 'utf8').match(RESOURCE_TYPE) ?? [])] }));
    this.parallelism = Math.max(1, Math.floor(props.parallelism ?? availableParallelism()));
  }

  public validate(context: IPolicyValidationContext): PolicyValidationPluginReport {
    const jobs = this.jobs(context.templatePaths);
    const reports = jobs.length > 1 ? runInWorkers(jobs) : jobs.map((job) => this.run(job));
    // cfn-guard's violations carry no severity. aws-cdk-lib recomputes a report's success from its
    // severities once it has removed acknowledged findings, and counts a finding without one as no
    // error: an app with one acknowledged and one open finding would pass. Every finding is an error.
    const violations = reports.flatMap((r) => r.violations).map((v) => ({ ...v, severity: v.severity ?? 'error' }));
    return { success: reports.every((r) => r.success) && violations.length === 0, violations };
  }

  /** The templates in at most `parallelism` groups of about equal size, each with the rules that apply to it. */
  private jobs(templatePaths: readonly string[]): GuardJob[] {
    const groups: Array<{ templates: string[]; bytes: number; types: Set<string> }> = Array.from({ length: Math.min(this.parallelism, templatePaths.length) }, () => ({
      templates: [],
      bytes: 0,
      types: new Set<string>(),
    }));
    const sized = templatePaths.map((path) => ({ path, text: readFileSync(path, 'utf8') })).sort((a, b) => b.text.length - a.text.length);
    for (const { path, text } of sized) {
      const group = groups.reduce((smallest, g) => (g.bytes < smallest.bytes ? g : smallest));
      group.templates.push(path);
      group.bytes += text.length;
      const template = JSON.parse(text) as { Resources?: Record<string, { Type?: string }> };
      for (const resource of Object.values(template.Resources ?? {})) if (resource.Type) group.types.add(resource.Type);
    }
    return groups
      .map((g) => ({ templatePaths: g.templates, rules: this.rules.filter((rule) => rule.types.some((type) => g.types.has(type))).map((rule) => rule.file) }))
      .filter((job) => job.templatePaths.length > 0 && job.rules.length > 0);
  }

  private run(job: GuardJob): PolicyValidationPluginReport {
    return new this.guard.CfnGuardValidator({ controlTowerRulesEnabled: false, rules: job.rules }).validate({ templatePaths: job.templatePaths } as IPolicyValidationContext);
  }
}

/** The code each worker thread runs: one CfnGuardValidator over its job, the report sent back. */
const WORKER_SOURCE = `
const { workerData } = require('node:worker_threads');
const { job, modulePath, port, done } = workerData;
let message;
try {
  const { CfnGuardValidator } = require(modulePath);
  message = { report: new CfnGuardValidator({ controlTowerRulesEnabled: false, rules: job.rules }).validate({ templatePaths: job.templatePaths }) };
} catch (e) {
  message = { error: String((e && e.stack) || e) };
}
port.postMessage(message);
port.close();
Atomics.add(done, 0, 1);
Atomics.notify(done, 0);
`;

/** The longest the validation waits for its cfn-guard runs. */
const GUARD_TIMEOUT_MS = 10 * 60_000;

/**
 * Runs each job in a worker thread of its own and waits for all of them, synchronously: the
 * workers' cfn-guard processes run side by side while this thread sleeps on a shared counter.
 */
function runInWorkers(jobs: GuardJob[]): PolicyValidationPluginReport[] {
  const done = new Int32Array(new SharedArrayBuffer(4));
  const modulePath = require.resolve('@cdklabs/cdk-validator-cfnguard');
  const runs = jobs.map((job) => {
    const { port1, port2 } = new MessageChannel();
    const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { job, modulePath, port: port2, done }, transferList: [port2] });
    worker.unref();
    return { worker, port: port1 };
  });
  const deadline = Date.now() + GUARD_TIMEOUT_MS;
  for (let finished = Atomics.load(done, 0); finished < runs.length; finished = Atomics.load(done, 0)) {
    if (Date.now() > deadline) throw new Error(`ControlTowerGuard: cfn-guard did not finish within ${GUARD_TIMEOUT_MS / 1000} s`);
    Atomics.wait(done, 0, finished, 1000);
  }
  return runs.map(({ worker, port }) => {
    const received = receiveMessageOnPort(port)?.message as { report?: PolicyValidationPluginReport; error?: string } | undefined;
    port.close();
    void worker.terminate();
    if (!received?.report) throw new Error(`ControlTowerGuard: a cfn-guard run failed: ${received?.error ?? 'no answer'}`);
    return received.report;
  });
}

function guardFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) return guardFiles(path);
    return entry.endsWith('.guard') ? [path] : [];
  });
}
