import { readFileSync } from 'node:fs';

/** A JSON file's value; a file that cannot be read or parsed is refused with `refuse`, naming the file and `what` it should be. */
export function readJsonFile(path: string, what: string, refuse: (message: string) => Error): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw refuse(`Cannot read the ${what} ${path}: ${(err as Error).message}`);
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw refuse(`${path} is not valid JSON: ${(err as Error).message}`);
  }
}
