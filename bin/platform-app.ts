#!/usr/bin/env node
import { App } from 'aws-cdk-lib';
import { applyCompliance } from '../lib';
import { PlatformStage } from './platform-stage';
import { PLATFORM, platformEnvironment } from './stage-config';

/**
 * The demo platform: dev, test and prod as separate CDK Stages (`npx cdk deploy 'prod/*'`
 * deploys one), each checked at synth by the six compliance packs.
 */
const app = new App();
const env = platformEnvironment((key) => app.node.tryGetContext(key));
for (const config of PLATFORM.stages) {
  new PlatformStage(app, config.name, { env, platform: PLATFORM, config });
}
applyCompliance(app);
app.synth();
