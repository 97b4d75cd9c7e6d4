/** Unique and exclusion constraints whose violation is the caller's mistake: the input field to blame, and why. */
const declared = new Map<string, { field: string; message: string }>();

/**
 * On the entity owning the constraint: a violation of it answers CONFLICT naming the input field
 * (inTransaction), not INTERNAL_SERVER_ERROR. Entities load before any DataSource exists, so every
 * declaration is known by the first transaction.
 */
export function ConflictOn(constraint: string, field: string, message: string): ClassDecorator {
  return () => {
    declared.set(constraint, { field, message });
  };
}

export const conflictOn = (constraint: string) => declared.get(constraint);
