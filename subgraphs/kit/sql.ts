/**
 * A case-insensitive LIKE pattern matching `text` anywhere, with LIKE's wildcards escaped
 * (so a search for `100%` means the characters). Use it with `ESCAPE '!'`, which SQLite
 * and MySQL read alike.
 */
export function likePattern(text: string): string {
  return `%${text.toLowerCase().replace(/[!%_]/g, (c) => `!${c}`)}%`;
}
