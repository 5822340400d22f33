// Types of check-line-width.cjs (plain Node so that `npm run lint` needs no build).
export const LIMITS: Record<string, number>;
export const EXCLUDED: string[];
export function limitOf(file: string): number | undefined;
export function longLines(text: string, limit: number): { line: number; length: number }[];
export function check(root: string): { file: string; line: number; length: number; limit: number }[];
