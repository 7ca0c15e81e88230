/** How a stored value reads as a category level: its text, or its number written plainly ("0", "1"). */
export function levelOf(num: number | null, txt: string | null): string | null {
  if (txt !== null) return txt;
  if (num === null) return null;
  return String(num);
}
