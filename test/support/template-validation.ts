/**
 * Turns aws-cdk-lib's CloudFormation template validation back on for the calling test file (see
 * setup-env.ts). Call it at the top of the file, before any synthesis.
 */
export function validateTemplates(): void {
  delete process.env.CDK_VALIDATION;
}
