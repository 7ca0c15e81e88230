/** Where a command writes its output, a line a call: stdout in the CLI, a list in tests. */
export type Out = (s: string) => void;

export const stdoutLines: Out = (s) => process.stdout.write(`${s}\n`);

/** A command's result: as JSON with --json, else as the text `print` writes. */
export function printResult<T>(out: Out, json: boolean, result: T, print: (out: Out, result: T) => void): void {
  if (json) out(JSON.stringify(result, null, 2));
  else print(out, result);
}
