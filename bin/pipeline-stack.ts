import { ArnFormat, AspectPriority, Aspects, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import type { IAspect, StackProps, Stage } from 'aws-cdk-lib';
import { BuildSpec, CfnProject, LinuxBuildImage } from 'aws-cdk-lib/aws-codebuild';
import { Policy, PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { BlockPublicAccess, Bucket, BucketEncryption, ObjectOwnership } from 'aws-cdk-lib/aws-s3';
import type { CfnBucket } from 'aws-cdk-lib/aws-s3';
import { CodePipeline, CodePipelineSource, ManualApprovalStep, ShellStep } from 'aws-cdk-lib/pipelines';
import type { Construct, IConstruct } from 'constructs';
import { ApiCompliance } from '../lib';
import { REASONS, acknowledgeGuardRule, acknowledgeRule, acknowledgeRuleInPacks, nagReferenceText } from '../lib/core/compliance/acknowledgments';
import type { PlatformPipelineConfig } from './stage-config';

/** The context key that turns the demo app into its pipeline: `npx cdk synth -c pipeline=true`. */
export const PIPELINE_CONTEXT_KEY = 'pipeline';

/**
 * What the pipeline's synth step runs. `npm run synth` is the compliance gate: the six packs run at
 * synth and any unacknowledged finding makes it exit non-zero, which fails the step and stops the
 * pipeline before anything is published or deployed.
 */
export const PIPELINE_SYNTH_COMMANDS = ['npm ci', `npm run synth -- -c ${PIPELINE_CONTEXT_KEY}=true`];

/** The Node.js major the pipeline's CodeBuild projects run (the image's default changes as versions reach end of life). */
const NODE_MAJOR = '22';

/** One platform stage the pipeline deploys. */
export interface PipelineStageSpec {
  readonly stage: Stage;
  /** A person must approve in the console before the stage deploys. */
  readonly approval?: boolean;
}

/** Props of {@link PipelineStack}. */
export interface PipelineStackProps extends StackProps {
  readonly config: PlatformPipelineConfig;
  /** The stages to deploy, in this order. */
  readonly stages: PipelineStageSpec[];
  /**
   * The CDK CLI version the pipeline's self-mutation step installs.
   * @default - the latest
   */
  readonly cliVersion?: string;
}

/**
 * The demo platform's CDK Pipelines pipeline, in the tooling account: source from the repository
 * through an AWS CodeConnections connection, the compliance-gated synth, self-mutation, asset
 * publishing, then one pipeline stage per platform stage, in the order given. CDK Pipelines deploys
 * the stacks of a stage in dependency order (each stage's Shared stack before its API stacks).
 */
export class PipelineStack extends Stack {
  public readonly pipeline: CodePipeline;

  constructor(scope: Construct, id: string, props: PipelineStackProps) {
    const { config } = props;
    super(scope, id, { env: { account: config.account, region: config.region }, ...props });

    // Build logs: one log group for every CodeBuild project of the pipeline, with a key of its own.
    const logGroupName = '/aws/codebuild/api-platform-pipeline';
    const logKey = new Key(this, 'BuildLogsKey', { enableKeyRotation: true, description: 'Encrypts the build logs of the API platform pipeline', removalPolicy: RemovalPolicy.RETAIN });
    ApiCompliance.restrictKeyGrantsToAwsServices(logKey);
    logKey.addToResourcePolicy(
      new PolicyStatement({
        principals: [new ServicePrincipal(`logs.${this.region}.amazonaws.com`)],
        actions: ['kms:Encrypt*', 'kms:Decrypt*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Describe*'],
        resources: ['*'],
        conditions: { ArnEquals: { 'kms:EncryptionContext:aws:logs:arn': this.formatArn({ service: 'logs', resource: 'log-group', resourceName: logGroupName, arnFormat: ArnFormat.COLON_RESOURCE_NAME }) } },
      }),
    );
    const buildLogs = new LogGroup(this, 'BuildLogs', { logGroupName, encryptionKey: logKey, retention: RetentionDays.ONE_YEAR, removalPolicy: RemovalPolicy.RETAIN });

    this.pipeline = new CodePipeline(this, 'Pipeline', {
      pipelineName: 'api-platform',
      // Every stage deploys to another account: a KMS key of the pipeline's own encrypts the
      // artifact bucket, and the stage accounts' deploy roles are allowed to use it.
      crossAccountKeys: true,
      enableKeyRotation: true,
      cliVersion: props.cliVersion,
      synth: new ShellStep('Synth', {
        input: CodePipelineSource.connection(config.repository, config.branch, { connectionArn: config.connectionArn }),
        commands: PIPELINE_SYNTH_COMMANDS,
        primaryOutputDirectory: 'cdk.out',
      }),
      // One CodeBuild project per asset type rather than per asset: two projects instead of one per
      // Lambda bundle, each publishing its assets to the three stage accounts in one build.
      publishAssetsInParallel: false,
      codeBuildDefaults: {
        buildEnvironment: { buildImage: LinuxBuildImage.STANDARD_8_0 },
        partialBuildSpec: BuildSpec.fromObject({ phases: { install: { 'runtime-versions': { nodejs: NODE_MAJOR } } } }),
        logging: { cloudWatch: { logGroup: buildLogs } },
      },
    });
    for (const { stage, approval } of props.stages) {
      const pre = approval
        ? [new ManualApprovalStep(`PromoteTo${capitalize(stage.stageName)}`, { comment: `Deploy the API platform to ${stage.stageName} (account ${stage.account}, ${stage.region})?` })]
        : [];
      this.pipeline.addStage(stage, { pre });
    }
    // Build now rather than at synthesis, so the artifact store it creates can be configured below.
    this.pipeline.buildPipeline();
    this.configureArtifactStore();
    Aspects.of(this.pipeline).add(new PipelineFindings(this.pipeline), { priority: AspectPriority.MUTATING });
  }

  /**
   * The artifact bucket and key that `crossAccountKeys` creates, with what the compliance packs ask
   * of them: key grants only for AWS services, versioning with a lifecycle, server access logs to a
   * bucket of their own and object events to EventBridge.
   */
  private configureArtifactStore(): void {
    const bucket = this.pipeline.pipeline.artifactBucket;
    const key = bucket.encryptionKey;
    if (!(bucket instanceof Bucket) || !key) throw new Error('PipelineStack expects the KMS-encrypted artifact bucket that crossAccountKeys creates');
    ApiCompliance.restrictKeyGrantsToAwsServices(key);

    const accessLogs = new Bucket(this, 'ArtifactsAccessLogs', {
      // S3 log delivery writes to it without being granted use of a customer-managed key.
      encryption: BucketEncryption.S3_MANAGED,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      versioned: true,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      removalPolicy: RemovalPolicy.RETAIN,
      lifecycleRules: [{ expiration: Duration.days(365), noncurrentVersionExpiration: Duration.days(30), abortIncompleteMultipartUploadAfter: Duration.days(7) }],
    });
    const prefix = 'artifacts/';
    accessLogs.addToResourcePolicy(
      new PolicyStatement({
        principals: [new ServicePrincipal('logging.s3.amazonaws.com')],
        actions: ['s3:PutObject'],
        resources: [accessLogs.arnForObjects(`${prefix}*`)],
        conditions: { ArnLike: { 'aws:SourceArn': bucket.bucketArn }, StringEquals: { 'aws:SourceAccount': this.account } },
      }),
    );
    const logsOnly = 'This bucket receives only the artifact bucket\'s server access logs (request records, no artifact contents)';
    const notLogged = `${logsOnly}; logging the log bucket itself would need yet another bucket.`;
    acknowledgeRule(accessLogs, 'AwsSolutions', 'S1', notLogged);
    acknowledgeRuleInPacks(accessLogs, ['NIST.800.53.R5', 'HIPAA.Security', 'PCI.DSS.321'], 'S3BucketLoggingEnabled', notLogged);
    acknowledgeGuardRule(accessLogs, 's3_bucket_logging_enabled_check', notLogged);
    const sse = `${logsOnly}. It is encrypted with SSE-S3 so that S3's log delivery can write to it without being granted use of a customer-managed key.`;
    acknowledgeRuleInPacks(accessLogs, ['NIST.800.53.R5', 'HIPAA.Security', 'PCI.DSS.321'], 'S3DefaultEncryptionKMS', sse);
    acknowledgeGuardRule(accessLogs, 's3_bucket_default_encryption_kms_check', sse);
    acknowledgeGuardRule(accessLogs, 's3_event_notifications_enabled_check', `${logsOnly}; only S3 log delivery writes to it and nothing acts on new log objects.`);
    acknowledgeGuardRule(accessLogs, 's3_bucket_object_lock_enabled_check', `${logsOnly}. They expire after a year through a lifecycle rule, which object lock would block; versioning keeps overwritten or deleted objects for 30 days.`);
    acknowledgeRuleInPacks(accessLogs, ['NIST.800.53.R5', 'HIPAA.Security', 'PCI.DSS.321'], 'S3BucketReplicationEnabled', `${logsOnly}, kept for a year in the pipeline's Region; replicate them from your log archive account if policy requires it.`);

    const cfnBucket = bucket.node.defaultChild as CfnBucket;
    cfnBucket.loggingConfiguration = { destinationBucketName: accessLogs.bucketName, logFilePrefix: prefix };
    cfnBucket.versioningConfiguration = { status: 'Enabled' };
    cfnBucket.notificationConfiguration = { eventBridgeConfiguration: { eventBridgeEnabled: true } };
    // Each execution writes new artifacts; a year covers retries and stage rollbacks of any recent execution.
    bucket.addLifecycleRule({ expiration: Duration.days(365), noncurrentVersionExpiration: Duration.days(30), abortIncompleteMultipartUploadAfter: Duration.days(7) });
    const artifacts = 'Pipeline artifacts are intermediate build outputs (the source snapshot and the synthesized cloud assembly), rebuilt from the repository by every execution; the repository\'s history records what was deployed.';
    acknowledgeRuleInPacks(bucket, ['NIST.800.53.R5', 'HIPAA.Security', 'PCI.DSS.321'], 'S3BucketReplicationEnabled', `${artifacts} A copy in a second Region would not make an execution recoverable that the repository cannot recreate.`);
    acknowledgeGuardRule(bucket, 's3_bucket_object_lock_enabled_check', `${artifacts} They expire after a year through a lifecycle rule, which object lock would block; versioning keeps overwritten or deleted artifacts for 30 days.`);
  }
}

/** Why CDK Pipelines' generated statements use wildcards, by what they grant. */
const WILDCARD_REASONS = {
  artifactStore:
    'Generated by aws-cdk-lib for the pipeline\'s own artifact bucket and its KMS key only: the object-level S3 actions (Get/List/Delete/Abort*) ' +
    'and the KMS data-key actions the role needs to read and write artifacts, on objects whose keys CodePipeline chooses per execution.',
  codeBuildOutput:
    'CodeBuild\'s own log groups (/aws/codebuild/...) and report groups in this account and Region, which CodeBuild grants every project role; ' +
    'the asset-publishing role is shared by all asset projects of a type (CDK Pipelines\' AssetSingletonRole), so its statement names the prefix rather than each project.',
  startBuilds:
    'The shared asset-publishing role (CDK Pipelines\' AssetSingletonRole) is also the role the pipeline starts the asset builds with; it may only ' +
    'start, stop and read builds (no project changes) in the tooling account, which holds this pipeline.',
  bootstrapRoles:
    'Self-mutation assumes only roles tagged aws-cdk:bootstrap-role (deploy, file-publishing, image-publishing): the CDK bootstrap roles, whose names the CLI finds at run time.',
  cliLookups:
    'The CDK CLI reads the bootstrap stack (cloudformation:DescribeStacks) and lists its staging bucket to deploy the pipeline stack; both are found by name at run time.',
} as const;

/** A statement of a synthesized policy document. */
interface ResolvedStatement {
  readonly Effect?: string;
  readonly Action?: string | string[];
  readonly Resource?: unknown;
  readonly Condition?: Record<string, Record<string, unknown>>;
}

/**
 * Acknowledges, at synthesis, the findings CDK Pipelines' generated resources raise and this stack
 * cannot change: the wildcards of its IAM statements (only those of the kinds in WILDCARD_REASONS;
 * any other wildcard still fails the synth), its inline policies, and the CodeBuild source rule.
 */
class PipelineFindings implements IAspect {
  private readonly artifactRefs: string[];

  constructor(pipeline: CodePipeline) {
    const store = pipeline.pipeline.artifactBucket;
    const stack = Stack.of(pipeline);
    this.artifactRefs = [store.bucketArn, store.encryptionKey!.keyArn].map((arn) => nagReferenceText(stack.resolve(arn)));
  }

  public visit(node: IConstruct): void {
    if (node instanceof Policy) this.visitPolicy(node);
    if (node instanceof CfnProject) this.visitProject(node);
  }

  private visitPolicy(policy: Policy): void {
    acknowledgeRuleInPacks(policy, ['NIST.800.53.R5', 'HIPAA.Security', 'PCI.DSS.321'], 'IAMNoInlinePolicy', REASONS.inlinePolicy);
    const document = Stack.of(policy).resolve(policy.document) as { Statement?: ResolvedStatement[] } | undefined;
    const findings = new Map<string, string>();
    for (const statement of document?.Statement ?? []) {
      if (statement.Effect !== 'Allow') continue;
      const reason = this.wildcardReason(statement);
      if (!reason) continue;
      for (const action of asArray(statement.Action)) if (action.includes('*')) findings.set(`Action::${action}`, reason);
      for (const resource of asArray(statement.Resource)) if (resource.includes('*')) findings.set(`Resource::${resource}`, reason);
    }
    for (const [finding, reason] of findings) acknowledgeRule(policy, 'AwsSolutions', 'IAM5', reason, finding);
  }

  /** The reason for a statement's wildcards, when it is one of the kinds CDK Pipelines generates. */
  private wildcardReason(statement: ResolvedStatement): string | undefined {
    const actions = asArray(statement.Action);
    const resources = asArray(statement.Resource);
    const only = (allowed: string[]): boolean => actions.length > 0 && actions.every((a) => allowed.includes(a));
    if (resources.length > 0 && resources.every((r) => this.artifactRefs.some((ref) => r === ref || r.startsWith(`${ref}/`)))) return WILDCARD_REASONS.artifactStore;
    if (only(['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:PutLogEvents']) && resources.every((r) => r.includes(':log-group:/aws/codebuild/'))) return WILDCARD_REASONS.codeBuildOutput;
    if (only(['codebuild:BatchPutCodeCoverages', 'codebuild:BatchPutTestCases', 'codebuild:CreateReport', 'codebuild:CreateReportGroup', 'codebuild:UpdateReport']) && resources.every((r) => r.includes(':report-group/'))) {
      return WILDCARD_REASONS.codeBuildOutput;
    }
    if (only(['codebuild:BatchGetBuilds', 'codebuild:StartBuild', 'codebuild:StopBuild'])) return WILDCARD_REASONS.startBuilds;
    const bootstrapTag = statement.Condition?.['ForAnyValue:StringEquals']?.['iam:ResourceTag/aws-cdk:bootstrap-role'];
    if (only(['sts:AssumeRole']) && bootstrapTag !== undefined) return WILDCARD_REASONS.bootstrapRoles;
    if (only(['cloudformation:DescribeStacks', 's3:ListBucket'])) return WILDCARD_REASONS.cliLookups;
    return undefined;
  }

  private visitProject(project: CfnProject): void {
    const stack = Stack.of(project);
    const source = stack.resolve(project.source) as { type?: string };
    if (source.type === 'CODEPIPELINE') {
      acknowledgeRuleInPacks(
        project,
        ['HIPAA.Security', 'PCI.DSS.321'],
        'CodeBuildProjectSourceRepoUrl',
        'The project\'s source is the pipeline (source type CODEPIPELINE): it receives the pipeline\'s artifacts and never clones a repository, so no repository URL or ' +
          'credential exists to protect with OAuth. The pipeline reaches the repository through its AWS CodeConnections connection.',
      );
    }
    const environment = stack.resolve(project.environment) as { privilegedMode?: boolean };
    if (environment.privilegedMode === true && project.node.path.includes('/Assets/DockerAsset')) {
      acknowledgeGuardRule(
        project,
        'codebuild_project_environment_privileged_check',
        'Builds and pushes the container images of the stages (the orders service\'s ContainerImage.fromAsset): docker build needs privileged mode in CodeBuild. ' +
          'The project runs only cdk-assets on the synthesized cloud assembly from the pipeline\'s artifacts, never code from outside the compliance-gated synth.',
      );
    }
  }
}

/** An IAM element (a string or a list) as cdk-nag names its entries in findings. */
function asArray(value: unknown): string[] {
  if (value === undefined) return [];
  return (Array.isArray(value) ? value : [value]).map(nagReferenceText);
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
