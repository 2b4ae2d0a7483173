import { Stack } from 'aws-cdk-lib';
import type { StackProps, Stage } from 'aws-cdk-lib';
import { BuildSpec, LinuxBuildImage } from 'aws-cdk-lib/aws-codebuild';
import { CodePipeline, CodePipelineSource, ManualApprovalStep, ShellStep } from 'aws-cdk-lib/pipelines';
import type { Construct } from 'constructs';
import type { PlatformPipelineConfig } from './stage-config';

/** The context key that turns the demo app into its pipeline: `npx cdk synth -c pipeline=true`. */
export const PIPELINE_CONTEXT_KEY = 'pipeline';

/**
 * What the pipeline's synth step runs. `npm run synth` is the compliance gate: the six packs run at
 * synth and any unacknowledged finding makes it exit non-zero, which fails the step and stops the
 * pipeline before anything is deployed.
 */
export const PIPELINE_SYNTH_COMMANDS = ['npm ci', `npm run synth -- -c ${PIPELINE_CONTEXT_KEY}=true`];

/** Props of {@link PipelineStack}. */
export interface PipelineStackProps extends StackProps {
  readonly config: PlatformPipelineConfig;
  /**
   * The CDK CLI version the pipeline's own steps (self-mutation) install.
   * @default - the latest 2.x
   */
  readonly cliVersion?: string;
}

/**
 * The demo platform's CDK Pipelines pipeline, in the tooling account: source from the repository
 * through a CodeConnections connection, the compliance-gated synth, self-mutation, asset
 * publishing, then one pipeline stage per platform stage (`addPlatformStage`), in the order added.
 */
export class PipelineStack extends Stack {
  public readonly pipeline: CodePipeline;

  constructor(scope: Construct, id: string, props: PipelineStackProps) {
    const { config } = props;
    super(scope, id, { env: { account: config.account, region: config.region }, ...props });
    const source = CodePipelineSource.connection(config.repository, config.branch, { connectionArn: config.connectionArn });
    this.pipeline = new CodePipeline(this, 'Pipeline', {
      pipelineName: 'api-platform',
      // Every stage deploys to another account: a KMS key of the pipeline's own encrypts the
      // artifact bucket, and the stage accounts' deploy roles are allowed to use it.
      crossAccountKeys: true,
      enableKeyRotation: true,
      cliVersion: props.cliVersion,
      synth: new ShellStep('Synth', { input: source, commands: PIPELINE_SYNTH_COMMANDS, primaryOutputDirectory: 'cdk.out' }),
      codeBuildDefaults: {
        buildEnvironment: { buildImage: LinuxBuildImage.STANDARD_8_0 },
        // A pinned Node.js major instead of the image's default, which changes as versions reach end of life.
        partialBuildSpec: BuildSpec.fromObject({ phases: { install: { 'runtime-versions': { nodejs: '22' } } } }),
      },
    });
  }

  /**
   * Deploys `stage` after the stages added before it; CDK Pipelines deploys its stacks in
   * dependency order. With `approval`, a person must approve in the console first.
   */
  public addPlatformStage(stage: Stage, options: { readonly approval?: boolean } = {}): void {
    const pre = options.approval
      ? [new ManualApprovalStep(`PromoteTo${capitalize(stage.stageName)}`, { comment: `Deploy the API platform to ${stage.stageName} (account ${stage.account})?` })]
      : [];
    this.pipeline.addStage(stage, { pre });
  }
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
