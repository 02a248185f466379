/** Test helper: run `fn` and return the DefinitionError it throws (failing the test otherwise). */
import { expect } from 'vitest';
import { DefinitionError, type WeftErrorCode } from '../../src/errors.js';

/** What a DefinitionError should carry. */
export interface ExpectedDefinitionError {
  readonly code: WeftErrorCode;
  /** The exact message, or a pattern it must match. */
  readonly message: string | RegExp;
  readonly assetKey?: string;
  readonly field?: string;
}

/** Calls `fn`, expects it to throw a DefinitionError as described, and returns the error. */
export function expectDefinitionError(fn: () => unknown, expected: ExpectedDefinitionError): DefinitionError {
  let thrown: unknown;
  try {
    fn();
  } catch (error) {
    thrown = error;
  }
  expect(thrown, 'expected a DefinitionError to be thrown').toBeInstanceOf(DefinitionError);
  const error = thrown as DefinitionError;
  expect(error.code).toBe(expected.code);
  if (typeof expected.message === 'string') expect(error.message).toBe(expected.message);
  else expect(error.message).toMatch(expected.message);
  if (expected.assetKey !== undefined) expect(error.context.assetKey).toBe(expected.assetKey);
  if (expected.field !== undefined) expect(error.context.field).toBe(expected.field);
  expect(error.failureClass).toBe('actionable');
  return error;
}
