/**
 * The first value of one static variable for each patient of an import, with
 * where it was read, so that a later row giving another value is refused by
 * naming both. Kept column-wise by the patient's ordinal (0, 1, ... in the
 * order patients were met): a Map and an object per patient and variable,
 * alive for the whole import, were the import's largest long-lived garbage.
 */
export class StaticLedger {
  /** The stored value: its text, or its number (compared as numbers, shown as text). */
  private readonly values: (string | number | undefined)[] = [];
  private readonly lines: number[] = [];
  private readonly files: string[] = [];

  /** The first value recorded for the patient, or undefined when none was (it is then recorded). */
  first(ordinal: number, value: string | number, file: string, line: number): { value: string; file: string; line: number } | undefined {
    const before = this.values[ordinal];
    if (before === undefined) {
      // Patients are mostly met in order: keep the arrays packed by filling any gap first.
      while (this.values.length < ordinal) {
        this.values.push(undefined);
        this.lines.push(0);
        this.files.push('');
      }
      this.values[ordinal] = value;
      this.lines[ordinal] = line;
      this.files[ordinal] = file;
      return undefined;
    }
    return { value: String(before), file: this.files[ordinal]!, line: this.lines[ordinal]! };
  }
}
