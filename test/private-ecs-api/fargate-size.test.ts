import { Lazy, Stack } from 'aws-cdk-lib';
import { fargateMemoryOptions, validateFargateSize } from '../../lib/private-ecs-api/fargate-size';
import { expectApiError } from '../support/core-stacks';

/**
 * AWS's Fargate task sizes (Linux): CPU units -> memory from `min` to `max` MiB in steps of `step`,
 * plus `extra` sizes below the range. Written out here, independently of the library's table.
 */
const TASK_SIZES = [
  { cpu: 256, min: 1024, max: 2048, step: 1024, extra: [512] },
  { cpu: 512, min: 1024, max: 4096, step: 1024, extra: [] },
  { cpu: 1024, min: 2048, max: 8192, step: 1024, extra: [] },
  { cpu: 2048, min: 4096, max: 16384, step: 1024, extra: [] },
  { cpu: 4096, min: 8192, max: 30720, step: 1024, extra: [] },
  { cpu: 8192, min: 16384, max: 61440, step: 4096, extra: [] },
  { cpu: 16384, min: 32768, max: 122880, step: 8192, extra: [] },
];

const scope = new Stack();
const check = (cpu: number, memoryMiB: number) => () => validateFargateSize(scope, 'services[2]', cpu, memoryMiB);

describe.each(TASK_SIZES)('$cpu CPU units', ({ cpu, min, max, step, extra }) => {
  test(`offers ${[...extra, min].join(', ')} to ${max} MiB in steps of ${step}`, () => {
    const expected = [...extra];
    for (let m = min; m <= max; m += step) expected.push(m);
    expect(fargateMemoryOptions(cpu)).toEqual(expected);
  });

  test('accepts the smallest and the largest size, and one step inside each edge', () => {
    for (const memory of [...extra, min, min + step, max - step, max]) expect(check(cpu, memory)).not.toThrow();
  });

  test.each([
    ['one step below the smallest', (extra[0] ?? min) - (extra.length > 0 ? 512 : step)],
    ['one step above the largest', max + step],
    ['between two steps', min + step / 2],
    ['1 MiB above the smallest', min + 1],
    ['1 MiB below the largest', max - 1],
  ])('refuses %s', (_edge, memory) => {
    expectApiError(check(cpu, memory), 'FargateMemoryInvalid', new RegExp(`services\\[2\\]\\.memoryMiB must be a size Fargate offers with ${cpu} CPU units`), new RegExp(`Got: ${memory}(?![\\d.])`));
  });
});

describe('Fargate task size checks', () => {
  test('256 units: the message lists the three sizes', () => {
    expectApiError(check(256, 3072), 'FargateMemoryInvalid', /with 256 CPU units: 512, 1024, 2048 MiB\. Got: 3072/);
  });

  test('512 units: the message lists the four sizes', () => {
    expectApiError(check(512, 512), 'FargateMemoryInvalid', /with 512 CPU units: 1024, 2048, 3072, 4096 MiB\. Got: 512/);
  });

  test('larger sizes: the message gives the range and the step', () => {
    expectApiError(check(8192, 20000), 'FargateMemoryInvalid', /with 8192 CPU units: 16384 to 61440 MiB in steps of 4096\. Got: 20000/);
    expectApiError(check(16384, 40000), 'FargateMemoryInvalid', /with 16384 CPU units: 32768 to 122880 MiB in steps of 8192\. Got: 40000/);
  });

  test.each([0, 128, 300, 32768, 1024.5])('FargateCpuInvalid: %s units', (cpu) => {
    expect(fargateMemoryOptions(cpu)).toBeUndefined();
    expectApiError(check(cpu, 2048), 'FargateCpuInvalid', /services\[2\]\.cpu must be a Fargate CPU size: 256, 512, 1024, 2048, 4096, 8192, 16384/, new RegExp(`Got: ${cpu}(?![\\d.])`));
  });

  test('unresolved tokens are left to CloudFormation', () => {
    const token = Lazy.number({ produce: () => 3 });
    expect(check(token, 3)).not.toThrow();
    expect(check(256, token)).not.toThrow();
  });
});
