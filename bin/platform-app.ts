#!/usr/bin/env node
import { App } from 'aws-cdk-lib';
import { buildPlatform } from './platform';

/**
 * The demo platform: dev, test and prod as separate CDK Stages (`npx cdk deploy 'prod/*'`
 * deploys one), each in its own account (bin/stage-config.ts), each checked at synth by the six
 * compliance packs. With `-c pipeline=true`, also the CDK Pipelines pipeline that deploys them
 * (bin/pipeline-stack.ts). See bin/platform.ts.
 */
const app = new App();
buildPlatform(app);
app.synth();
