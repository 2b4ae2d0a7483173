import * as apigw from 'aws-cdk-lib/aws-apigateway';
import type { IConstruct } from 'constructs';
import { ApiPatternsError, describeValue } from '../validation/errors';
import { isUnresolved } from '../validation/validation';

/** The new deployment's share of a REST stage's traffic while it is a canary. */
export interface StageCanaryOptions {
  /** The percentage of requests the candidate deployment answers: 0 to 100 (decimals allowed). */
  readonly percent: number;
  /**
   * Stage variables that differ for requests the canary answers.
   * @default - none
   */
  readonly stageVariableOverrides?: Record<string, string>;
  /**
   * Let the canary answer from the stage cache (its answers then mix with the live deployment's).
   * @default false
   */
  readonly useStageCache?: boolean;
}

/**
 * Releases of a REST API's definition on its stage, by label: each label is a deployment (a snapshot
 * of the API taken when the label first appears), the stage serves `live`, and `candidate` may take
 * a canary's share of the traffic. Promote by making the candidate `live`; abandon by removing it.
 * REST only: HTTP and WebSocket stages have no canary.
 */
export interface StageReleaseOptions {
  /** The label of the deployment the stage serves, e.g. `'20261201'` or `'v7'` (letters and digits). */
  readonly live: string;
  /**
   * The label of a new deployment that takes `canary.percent` of the traffic.
   * @default - no canary
   */
  readonly candidate?: string;
  /**
   * The candidate's share of the traffic. Required with `candidate`.
   * @default - none
   */
  readonly canary?: StageCanaryOptions;
}

/** Stage variable names: letters, digits and underscores. */
const VARIABLE_NAME = /^[A-Za-z0-9_]{1,64}$/;
/** Stage variable values: the characters API Gateway accepts, at most 512. */
const VARIABLE_VALUE = /^[A-Za-z0-9\-._~:/?#&=,]{1,512}$/;
/** Release labels become construct ids and deployment descriptions. */
const LABEL = /^[A-Za-z0-9]{1,64}$/;

/** Fails unless every name and value is one API Gateway accepts for a stage variable. */
export function validateStageVariables(scope: IConstruct, prop: string, variables: Record<string, string>): void {
  for (const [name, value] of Object.entries(variables)) {
    if (!VARIABLE_NAME.test(name)) {
      throw new ApiPatternsError('StageVariableNameInvalid', `${prop}: stage variable names are 1 to 64 letters, digits or underscores. Got: ${describeValue(name)}`, scope);
    }
    if (!isUnresolved(value) && !VARIABLE_VALUE.test(value)) {
      throw new ApiPatternsError(
        'StageVariableValueInvalid',
        `${prop}.${name} must be 1 to 512 characters of letters, digits and - . _ ~ : / ? # & = , (what API Gateway accepts). Got: ${describeValue(value)}`,
        scope,
      );
    }
  }
}

/** Fails on labels, percentages or overrides a REST stage release cannot have. */
export function validateStageRelease(scope: IConstruct, prop: string, release: StageReleaseOptions): void {
  for (const [key, label] of [['live', release.live], ['candidate', release.candidate]] as const) {
    if (label !== undefined && !LABEL.test(label)) {
      throw new ApiPatternsError('ReleaseLabelInvalid', `${prop}.${key} must be 1 to 64 letters or digits (it names a deployment). Got: ${describeValue(label)}`, scope);
    }
  }
  if (release.candidate !== undefined && release.candidate === release.live) {
    throw new ApiPatternsError('ReleaseLabelInvalid', `${prop}.candidate must differ from live: a canary of the live deployment changes nothing. Got: ${describeValue(release.candidate)}`, scope);
  }
  if ((release.candidate === undefined) !== (release.canary === undefined)) {
    throw new ApiPatternsError(
      'StageCanaryIncomplete',
      `${prop}: candidate and canary go together (the candidate deployment, and its share of the traffic). Got: ${release.candidate === undefined ? 'canary without candidate' : 'candidate without canary'}`,
      scope,
    );
  }
  const canary = release.canary;
  if (canary) {
    if (!isUnresolved(canary.percent) && !(canary.percent >= 0 && canary.percent <= 100)) {
      throw new ApiPatternsError('StageCanaryPercentInvalid', `${prop}.canary.percent must be from 0 to 100. Got: ${describeValue(canary.percent)}`, scope);
    }
    validateStageVariables(scope, `${prop}.canary.stageVariableOverrides`, canary.stageVariableOverrides ?? {});
  }
}

/**
 * Points a REST stage at the labelled deployments of `release`: the stage serves `live`, the canary
 * setting names the candidate (or, without one, the live deployment at 0 %, so a canary removed from
 * the code is really switched off: CloudFormation leaves a canary setting in place when the property
 * disappears). The deployment CDK creates for every change of the definition is removed: the labels
 * decide what the stage serves.
 */
export function applyStageRelease(scope: IConstruct, api: apigw.SpecRestApi, stage: apigw.Stage, release: StageReleaseOptions, apiName: string): Record<string, apigw.CfnDeployment> {
  const deployment = (label: string): apigw.CfnDeployment =>
    new apigw.CfnDeployment(scope as never, `Release${label}Deployment`, { restApiId: api.restApiId, description: `${apiName} release ${label}` });
  const live = deployment(release.live);
  const candidate = release.candidate ? deployment(release.candidate) : undefined;
  const cfnStage = stage.node.defaultChild as apigw.CfnStage;
  cfnStage.deploymentId = live.ref;
  cfnStage.canarySetting = candidate
    ? {
        deploymentId: candidate.ref,
        percentTraffic: release.canary!.percent,
        stageVariableOverrides: release.canary!.stageVariableOverrides,
        useStageCache: release.canary!.useStageCache ?? false,
      }
    : { deploymentId: live.ref, percentTraffic: 0, useStageCache: false };
  // The deployment CDK makes of every definition change would be a third, unused deployment.
  api.node.tryRemoveChild('Deployment');
  return { [release.live]: live, ...(candidate ? { [release.candidate!]: candidate } : {}) };
}
