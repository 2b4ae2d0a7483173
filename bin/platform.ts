import { readFileSync } from 'node:fs';
import type { App } from 'aws-cdk-lib';
import { ApiCompliance } from '../lib';
import { PIPELINE_CONTEXT_KEY, PipelineStack } from './pipeline-stack';
import { PlatformStage } from './platform-stage';
import { PLATFORM } from './stage-config';
import type { PlatformConfig } from './stage-config';

/** What {@link buildPlatform} built. */
export interface Platform {
  /** The platform's stages by name: dev, test, prod. */
  readonly stages: Record<string, PlatformStage>;
  /** The pipeline that deploys them, when the app was run with `-c pipeline=true`. */
  readonly pipeline?: PipelineStack;
}

/**
 * Builds the demo platform into `app`, checked by the six compliance packs at synth:
 *
 * - by default, dev, test and prod as CDK Stages, each in its own account (`npx cdk deploy 'prod/*'`);
 * - with the context `pipeline=true`, the same Stages and a CDK Pipelines pipeline in the tooling
 *   account that deploys them, dev then test then prod, with a manual approval before prod.
 */
export function buildPlatform(app: App, platform: PlatformConfig = PLATFORM): Platform {
  const withPipeline = pipelineRequested(app);
  const stages: Record<string, PlatformStage> = {};
  for (const config of platform.stages) stages[config.name] = new PlatformStage(app, config.name, { platform, config });
  ApiCompliance.apply(app);
  if (!withPipeline) return { stages };
  // After ApiCompliance.apply: CDK Pipelines synthesizes each Stage as it is added, and the aspects
  // that apply adds to the Stages (acknowledgments into template metadata) must be in place by then.
  const pipeline = new PipelineStack(app, 'ApiPlatformPipeline', {
    config: platform.pipeline,
    stages: platform.stages.map((config) => ({ stage: stages[config.name], approval: config.name === 'prod' })),
    cliVersion: installedCdkCliVersion(),
  });
  return { stages, pipeline };
}

/** Whether the app runs as its pipeline: `-c pipeline=true` (the CLI passes it as a string). */
export function pipelineRequested(app: App): boolean {
  const value: unknown = app.node.tryGetContext(PIPELINE_CONTEXT_KEY);
  if (value === undefined || value === false || value === 'false') return false;
  if (value === true || value === 'true') return true;
  throw new Error(`Context "${PIPELINE_CONTEXT_KEY}" must be true or false, got ${JSON.stringify(value)}`);
}

/**
 * The CDK CLI this repository pins (node_modules/aws-cdk): the pipeline's self-mutation installs the
 * same one, so it reads the cloud assembly the synth step wrote.
 */
function installedCdkCliVersion(): string | undefined {
  try {
    return (JSON.parse(readFileSync(require.resolve('aws-cdk/package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return undefined;
  }
}
