/**
 * Escapes the LIKE/ILIKE wildcards (`%`, `_`) and the escape character in user text, so that
 * `{ $ilike: `%${escapeLike(q)}%` }` matches the text literally.
 */
export function escapeLike(value: string): string {
  return value.replace(/[\\%_]/g, (c) => `\\${c}`);
}
