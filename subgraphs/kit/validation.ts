import { badUserInput } from './errors';

const SLUG = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;

/** A trimmed text of `min`..`max` characters, or BAD_USER_INPUT naming the field. */
export function text(value: string, field: string, min: number, max: number): string {
  const trimmed = value.trim();
  if (trimmed.length < min || trimmed.length > max) {
    throw badUserInput(`${field} must be ${min} to ${max} characters, got ${trimmed.length}`, field);
  }
  return trimmed;
}

/** A URL-safe handle of 3-80 characters; `example` shows a good one in the error message. */
export function slug(value: string, field: string, example: string): string {
  if (value.length < 3 || value.length > 80 || !SLUG.test(value)) {
    throw badUserInput(
      `${field} must be 3-80 lower-case letters, digits and single hyphens (like "${example}"), got "${value.slice(0, 100)}"`,
      field,
    );
  }
  return value;
}
