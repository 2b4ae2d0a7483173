import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import type { CloudAssembly } from 'aws-cdk-lib/cx-api';
import { buildPlatform, pipelineRequested } from '../../bin/platform';
import type { Platform } from '../../bin/platform';
import { PIPELINE_SYNTH_COMMANDS } from '../../bin/pipeline-stack';
import { PLATFORM } from '../../bin/stage-config';

// CloudFormation's schema validation stays off here (setup-env.ts): it would double this file's one
// synthesis. The stage templates are schema-checked by platform-app.test.ts, and the whole pipeline
// app by `npx cdk synth -c pipeline=true`, the pipeline's own synth step.

interface PipelineAction {
  readonly Name: string;
  readonly RunOrder: number;
  readonly ActionTypeId: { readonly Category: string; readonly Provider: string };
  readonly Configuration?: Record<string, unknown>;
}
interface PipelineStage {
  readonly Name: string;
  readonly Actions: PipelineAction[];
}

const outdirs: string[] = [];
function newOutdir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'pipeline-test-'));
  outdirs.push(dir);
  return dir;
}
afterAll(() => {
  for (const dir of outdirs) rmSync(dir, { recursive: true, force: true });
});

describe('demo platform as a CDK Pipelines app (-c pipeline=true)', () => {
  // One synthesis of the whole app, pipeline on, shared by every assertion (a full synth costs ~10 s).
  let platform: Platform;
  let assembly: CloudAssembly | undefined;
  let synthError: unknown;
  let template: Template;
  let stages: PipelineStage[];

  beforeAll(() => {
    const app = new App({ outdir: newOutdir(), context: { pipeline: 'true' } });
    platform = buildPlatform(app);
    try {
      assembly = app.synth();
    } catch (error) {
      synthError = error;
    }
    if (!assembly || !platform.pipeline) return;
    template = Template.fromJSON(assembly.getStackArtifact(platform.pipeline.artifactId).template as Record<string, unknown>);
    const pipelines = Object.values(template.findResources('AWS::CodePipeline::Pipeline')) as Array<{ Properties: { Stages: PipelineStage[] } }>;
    stages = pipelines[0].Properties.Stages;
  });

  function stage(name: string): PipelineStage {
    const found = stages.find((s) => s.Name === name);
    if (!found) throw new Error(`no pipeline stage ${name}`);
    return found;
  }

  test('the whole app synthesizes under the six compliance packs without a finding', () => {
    expect(synthError).toBeUndefined();
    expect(assembly).toBeDefined();
    // What the pipeline stack acknowledges is auditable from its template: e.g. the one privileged
    // CodeBuild project, which builds the container images.
    const privileged = Object.values(template.findResources('AWS::CodeBuild::Project', { Properties: { Environment: { PrivilegedMode: true } } }));
    expect(privileged).toHaveLength(1);
    expect(JSON.stringify(privileged[0].Metadata.cdk_nag)).toContain('codebuild_project_environment_privileged_check');
  });

  test('the pipeline stack lives in the tooling account, apart from the three stage accounts', () => {
    const pipeline = platform.pipeline!;
    expect(pipeline.account).toBe('444444444444');
    expect(pipeline.region).toBe('eu-west-1');
    expect(assembly!.getStackArtifact(pipeline.artifactId).environment).toMatchObject({ account: '444444444444', region: 'eu-west-1' });
    expect(PLATFORM.stages.map((s) => s.account)).not.toContain(PLATFORM.pipeline.account);
    // The stages keep their own accounts (`cdk deploy 'prod/*'` still works with the switch on).
    expect(Object.values(platform.stages).map((s) => s.account)).toEqual(['111111111111', '222222222222', '333333333333']);
  });

  test('stages: Source, Build (synth), UpdatePipeline, Assets, then dev, test and prod in that order', () => {
    expect(stages.map((s) => s.Name)).toEqual(['Source', 'Build', 'UpdatePipeline', 'Assets', 'dev', 'test', 'prod']);
    const [source] = stage('Source').Actions;
    expect(source.ActionTypeId).toMatchObject({ Category: 'Source', Provider: 'CodeStarSourceConnection' });
    expect(source.Configuration).toMatchObject({ ConnectionArn: PLATFORM.pipeline.connectionArn, FullRepositoryId: PLATFORM.pipeline.repository, BranchName: PLATFORM.pipeline.branch });
    expect(stage('Build').Actions.map((a) => a.Name)).toEqual(['Synth']);
  });

  test('a manual approval runs before any deploy action of prod, and only there', () => {
    const prod = stage('prod').Actions;
    const approvals = prod.filter((a) => a.ActionTypeId.Category === 'Approval');
    expect(approvals.map((a) => a.Name)).toEqual(['PromoteToProd']);
    const deploys = prod.filter((a) => a.ActionTypeId.Category === 'Deploy');
    expect(deploys.length).toBeGreaterThan(0);
    expect(Math.max(...approvals.map((a) => a.RunOrder))).toBeLessThan(Math.min(...deploys.map((a) => a.RunOrder)));
    for (const name of ['dev', 'test']) expect(stage(name).Actions.filter((a) => a.ActionTypeId.Category === 'Approval')).toEqual([]);
  });

  test('in each stage the Shared stack deploys before the API stacks, which depend on it', () => {
    for (const name of ['dev', 'test', 'prod']) {
      const deploys = stage(name).Actions.filter((a) => a.ActionTypeId.Category === 'Deploy');
      const stackOf = (a: PipelineAction): string => a.Name.split('.')[0];
      expect([...new Set(deploys.map(stackOf))].sort()).toEqual(['CatalogApi', 'ChatApi', 'ItemsApi', 'OrdersApi', 'Shared']);
      const shared = deploys.filter((a) => stackOf(a) === 'Shared');
      const apis = deploys.filter((a) => stackOf(a) !== 'Shared');
      expect(Math.max(...shared.map((a) => a.RunOrder))).toBeLessThan(Math.min(...apis.map((a) => a.RunOrder)));
      // Each stack into its stage's account, through that account's bootstrap deploy role.
      const account = PLATFORM.stages.find((s) => s.name === name)!.account;
      for (const action of deploys) expect(JSON.stringify(action)).toContain(`cdk-hnb659fds-deploy-role-${account}-eu-west-1`);
    }
  });

  test('the synth step runs the compliance-gated synth of this same app, with the switch on', () => {
    expect(PIPELINE_SYNTH_COMMANDS).toEqual(['npm ci', 'npm run synth -- -c pipeline=true']);
    // The CodeBuild project the Build stage's Synth action starts.
    const [synthAction] = stage('Build').Actions;
    const projectId = (synthAction.Configuration as { ProjectName: { Ref: string } }).ProjectName.Ref;
    const project = (template.toJSON() as { Resources: Record<string, { Properties: { Source: { BuildSpec: string } } }> }).Resources[projectId];
    const spec = JSON.parse(project.Properties.Source.BuildSpec) as { phases: { build: { commands: string[] } }; artifacts: { 'base-directory': string } };
    expect(spec.phases.build.commands).toEqual(PIPELINE_SYNTH_COMMANDS);
    expect(spec.artifacts['base-directory']).toBe('cdk.out');
  });

  test('cross-account artifact store: KMS key with rotation, versioned bucket with access logs, builds logged to an encrypted log group', () => {
    template.resourceCountIs('AWS::KMS::Key', 2);
    template.allResourcesProperties('AWS::KMS::Key', { EnableKeyRotation: true });
    // The stage accounts' deploy roles may read the artifacts (crossAccountKeys).
    const artifactKey = Object.values(template.findResources('AWS::KMS::Key')).find((key) => JSON.stringify(key).includes('cdk-hnb659fds-deploy-role'));
    for (const { account } of PLATFORM.stages) expect(JSON.stringify(artifactKey)).toContain(`:iam::${account}:role/cdk-hnb659fds-deploy-role-${account}-eu-west-1`);
    template.hasResourceProperties('AWS::S3::Bucket', {
      BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms' } }] },
      VersioningConfiguration: { Status: 'Enabled' },
      LoggingConfiguration: Match.objectLike({ DestinationBucketName: Match.anyValue() }),
    });
    template.hasResourceProperties('AWS::Logs::LogGroup', { KmsKeyId: Match.anyValue(), RetentionInDays: 365 });
    template.allResourcesProperties('AWS::CodeBuild::Project', { LogsConfig: { CloudWatchLogs: Match.objectLike({ Status: 'ENABLED' }) } });
  });

  test('without the switch the app is the three Stages alone; an unknown value is refused', () => {
    expect(pipelineRequested(new App({ outdir: newOutdir() }))).toBe(false);
    expect(pipelineRequested(new App({ outdir: newOutdir(), context: { pipeline: 'false' } }))).toBe(false);
    expect(() => pipelineRequested(new App({ outdir: newOutdir(), context: { pipeline: 'yes' } }))).toThrow(/must be true or false/);
    const app = new App({ outdir: newOutdir() });
    const plain = buildPlatform(app);
    expect(plain.pipeline).toBeUndefined();
    expect(app.node.children.map((c) => c.node.id)).toEqual(['dev', 'test', 'prod']);
  });
});
