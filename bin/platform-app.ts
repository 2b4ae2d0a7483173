#!/usr/bin/env node
import { App } from 'aws-cdk-lib';
import { ApiCompliance } from '../lib';
import { PlatformStage } from './platform-stage';
import { PLATFORM } from './stage-config';

/**
 * The demo platform: dev, test and prod as separate CDK Stages (`npx cdk deploy 'prod/*'`
 * deploys one), each in its own account (bin/stage-config.ts), each checked at synth by the six
 * compliance packs.
 */
const app = new App();
for (const config of PLATFORM.stages) {
  new PlatformStage(app, config.name, { platform: PLATFORM, config });
}
ApiCompliance.apply(app);
app.synth();
