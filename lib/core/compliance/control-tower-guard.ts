import { readdirSync, readFileSync, statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join, parse } from 'node:path';
import { MessageChannel, receiveMessageOnPort, Worker } from 'node:worker_threads';
import type { MessagePort } from 'node:worker_threads';
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

/** What one cfn-guard call checks: one template, with the rules that can apply to it. */
interface GuardJob {
  readonly templatePath: string;
  readonly rules: string[];
  /** What the check costs, roughly: the template's size times its rules. */
  readonly cost: number;
}

/** cfn-guard calls under way in a worker thread, and where its answer arrives. */
interface GuardRun {
  readonly templatePaths: string[];
  readonly worker: Worker;
  readonly port: MessagePort;
  /** Set to 1 by the worker when it has posted its answer. */
  readonly done: Int32Array;
}

/**
 * AWS Control Tower's proactive controls, as a validation plugin: cfn-guard with the Control Tower
 * rule set that `@cdklabs/cdk-validator-cfnguard` ships, run the way a large app needs it.
 *
 * - Each template is checked only with the rules that name a resource type it contains (most of the
 *   several hundred rules concern services an API stack never uses), in one cfn-guard call per template.
 * - The calls are spread over `parallelism` worker threads by their size, so they run side by side.
 * - {@link startEarly} returns a plugin that starts those calls as soon as validation begins
 *   (registered on each nested Stage, it runs before CloudFormation's own schema validation), so the
 *   checks run while the other plugins do; this plugin then collects their reports.
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
   * A plugin that starts this guard's checks of the templates it is given, and reports nothing
   * itself: register it where it runs before slower plugins (see `applyCompliance`).
   */
  public startEarly(): IPolicyValidationPlugin {
    return {
      name: `${this.name}-start`,
      validate: (context: IPolicyValidationContext): PolicyValidationPluginReport => {
        this.start(context.templatePaths);
        return { success: true, violations: [] };
      },
    };
  }

  public validate(context: IPolicyValidationContext): PolicyValidationPluginReport {
    this.start(context.templatePaths);
    const reports = this.collect(context.templatePaths);
    // cfn-guard's violations carry no severity. aws-cdk-lib recomputes a report's success from its
    // severities once it has removed acknowledged findings, and counts a finding without one as no
    // error: an app with one acknowledged and one open finding would pass. Every finding is an error.
    const violations = reports.flatMap((r) => r.violations).map((v) => ({ ...v, severity: v.severity ?? 'error' }));
    return { success: reports.every((r) => r.success) && violations.length === 0, violations };
  }

  /** Starts checking the templates not yet under way, in up to `parallelism` worker threads. */
  private start(templatePaths: readonly string[]): void {
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
      const { port1, port2 } = new MessageChannel();
      const done = new Int32Array(new SharedArrayBuffer(4));
      const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { jobs: lane.jobs, modulePath, port: port2, done }, transferList: [port2] });
      // An app that fails before validation ends must still exit.
      worker.unref();
      const run: GuardRun = { templatePaths: lane.jobs.map((j) => j.templatePath), worker, port: port1, done };
      for (const path of run.templatePaths) this.runs.set(path, run);
    }
  }

  /** Waits for the checks of these templates, synchronously, and returns one report per template. */
  private collect(templatePaths: readonly string[]): PolicyValidationPluginReport[] {
    const deadline = Date.now() + GUARD_TIMEOUT_MS;
    const answers = new Map<GuardRun, Record<string, PolicyValidationPluginReport>>();
    const runOf = new Map(templatePaths.map((path) => [path, this.runs.get(path)!]));
    return templatePaths.map((path) => {
      const run = runOf.get(path)!;
      let answer = answers.get(run);
      if (!answer) {
        while (Atomics.load(run.done, 0) === 0) {
          if (Date.now() > deadline) throw new Error(`ControlTowerGuard: cfn-guard did not finish within ${GUARD_TIMEOUT_MS / 1000} s`);
          Atomics.wait(run.done, 0, 0, 1000);
        }
        const received = receiveMessageOnPort(run.port)?.message as { reports?: Record<string, PolicyValidationPluginReport>; error?: string } | undefined;
        run.port.close();
        void run.worker.terminate();
        if (!received?.reports) throw new Error(`ControlTowerGuard: a cfn-guard run failed: ${received?.error ?? 'no answer'}`);
        answer = received.reports;
        answers.set(run, answer);
        // A later synthesis (tests synthesize one app several times) checks the new templates again.
        for (const p of run.templatePaths) this.runs.delete(p);
      }
      return answer[path];
    });
  }

  /** The check of one template: the rules that name a resource type it holds. */
  private job(templatePath: string): GuardJob {
    const text = readFileSync(templatePath, 'utf8');
    const template = JSON.parse(text) as { Resources?: Record<string, { Type?: string }> };
    const types = new Set(Object.values(template.Resources ?? {}).flatMap((r) => (r.Type ? [r.Type] : [])));
    const rules = this.rules.filter((rule) => rule.types.some((type) => types.has(type))).map((rule) => rule.file);
    return { templatePath, rules, cost: text.length * Math.max(1, rules.length) };
  }
}

/**
 * The code each worker thread runs: one CfnGuardValidator per template of its jobs, the reports
 * sent back by template. cfn-guard reads a copy of each template without resource Metadata (the
 * acknowledgments written there are half of a template's size, and no Control Tower rule reads
 * them), and the reports name the original template.
 */
const WORKER_SOURCE = `
const { mkdtempSync, readFileSync, rmSync, writeFileSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { basename, join } = require('node:path');
const { workerData } = require('node:worker_threads');
const { jobs, modulePath, port, done } = workerData;
let message;
const dir = mkdtempSync(join(tmpdir(), 'ct-guard-'));
try {
  const { CfnGuardValidator } = require(modulePath);
  const reports = {};
  for (const job of jobs) {
    if (job.rules.length === 0) {
      reports[job.templatePath] = { success: true, violations: [] };
      continue;
    }
    const template = JSON.parse(readFileSync(job.templatePath, 'utf8'));
    delete template.Metadata;
    for (const resource of Object.values(template.Resources || {})) delete resource.Metadata;
    const copy = join(dir, basename(job.templatePath));
    writeFileSync(copy, JSON.stringify(template));
    const report = new CfnGuardValidator({ controlTowerRulesEnabled: false, rules: job.rules }).validate({ templatePaths: [copy] });
    reports[job.templatePath] = JSON.parse(JSON.stringify(report).split(JSON.stringify(copy).slice(1, -1)).join(JSON.stringify(job.templatePath).slice(1, -1)));
  }
  message = { reports };
} catch (e) {
  message = { error: String((e && e.stack) || e) };
} finally {
  rmSync(dir, { recursive: true, force: true });
}
port.postMessage(message);
port.close();
Atomics.store(done, 0, 1);
Atomics.notify(done, 0);
`;

/** The longest the validation waits for its cfn-guard runs. */
const GUARD_TIMEOUT_MS = 10 * 60_000;

function guardFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) return guardFiles(path);
    return entry.endsWith('.guard') ? [path] : [];
  });
}
