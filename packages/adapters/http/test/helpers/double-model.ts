/** A function model for the model-card test: doubles the `x` column. */
import type { Frame } from '@pyfunc/format';

export function double(input: Frame): number[] {
  return (input.toColumns().x as number[]).map((value) => value * 2);
}
