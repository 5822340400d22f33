// Types of check-line-width.cjs (plain Node so that `npm run lint` needs no build).
export const LIMIT: number;
export const FOLDERS: string[];
export const EXCLUDED: string[];
export function isChecked(file: string): boolean;
export function longLines(text: string, limit: number): { line: number; length: number }[];
export function check(root: string): { file: string; line: number; length: number }[];
