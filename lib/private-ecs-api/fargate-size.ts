import type { IConstruct } from 'constructs';
import { ApiPatternsError, describeValue } from '../core/validation/errors';
import { isUnresolved } from '../core/validation/validation';

/** The memory sizes (MiB) Fargate offers for each CPU size (CPU units), from AWS's task size table. */
const FARGATE_SIZES: ReadonlyArray<{ readonly cpu: number; readonly min: number; readonly max: number; readonly step: number; readonly extra?: readonly number[] }> = [
  { cpu: 256, min: 1024, max: 2048, step: 1024, extra: [512] },
  { cpu: 512, min: 1024, max: 4096, step: 1024 },
  { cpu: 1024, min: 2048, max: 8192, step: 1024 },
  { cpu: 2048, min: 4096, max: 16384, step: 1024 },
  { cpu: 4096, min: 8192, max: 30720, step: 1024 },
  { cpu: 8192, min: 16384, max: 61440, step: 4096 },
  { cpu: 16384, min: 32768, max: 122880, step: 8192 },
];

/** The memory sizes Fargate offers with `cpu` units, or undefined for a CPU size it does not offer. */
export function fargateMemoryOptions(cpu: number): number[] | undefined {
  const size = FARGATE_SIZES.find((s) => s.cpu === cpu);
  if (!size) return undefined;
  const sizes = [...(size.extra ?? [])];
  for (let m = size.min; m <= size.max; m += size.step) sizes.push(m);
  return sizes;
}

/** Fails unless Fargate offers the task size `cpu` units with `memoryMiB` MiB. */
export function validateFargateSize(scope: IConstruct, prop: string, cpu: number, memoryMiB: number): void {
  if (isUnresolved(cpu) || isUnresolved(memoryMiB)) return;
  const options = fargateMemoryOptions(cpu);
  if (!options) {
    throw new ApiPatternsError('FargateCpuInvalid', `${prop}.cpu must be a Fargate CPU size: ${FARGATE_SIZES.map((s) => s.cpu).join(', ')}. Got: ${describeValue(cpu)}`, scope);
  }
  if (!options.includes(memoryMiB)) {
    const range = options.length > 6 ? `${options[0]} to ${options[options.length - 1]} MiB in steps of ${options[options.length - 1] - options[options.length - 2]}` : `${options.join(', ')} MiB`;
    throw new ApiPatternsError('FargateMemoryInvalid', `${prop}.memoryMiB must be a size Fargate offers with ${cpu} CPU units: ${range}. Got: ${describeValue(memoryMiB)}`, scope);
  }
}
