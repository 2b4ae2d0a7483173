/**
 * Runs before every test file. aws-cdk-lib validates every synthesized template against the
 * CloudFormation schema (a WASM validator) unless CDK_VALIDATION is "false"; that is most of the time
 * a fine-grained construct test spends. Fine-grained suites assert on the properties they care about
 * and skip it; the suites that pin whole templates (snapshots, compliance, the demo app, shared
 * domains) turn it back on with `validateTemplates()` from ./template-validation, so every
 * configuration they cover is also a template CloudFormation accepts.
 */
process.env.CDK_VALIDATION = 'false';
