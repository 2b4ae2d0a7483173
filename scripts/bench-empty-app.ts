// The floor for `npm run bench`: a CDK app with one empty stack, run the same way as the demo app.
import { App, Stack } from 'aws-cdk-lib';

const app = new App();
new Stack(app, 'Empty');
app.synth();
