import { isAscii } from 'node:buffer';
import { createHash } from 'node:crypto';
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { ImportError } from './errors.js';

export interface CsvReadOptions {
  /** Name used in messages (the mapping's file name). */
  file: string;
  path: string;
  onHeader(header: string[]): void;
  /**
   * Called for every data record with its 1-based physical starting line. The
   * array is the reader's own, refilled for the next record: copy it to keep it.
   */
  onRow(fields: string[], line: number): void;
  onProgress?(bytesRead: number, bytesTotal: number, rows: number): void;
  /** Longest record accepted, in characters; default MAX_RECORD_CHARS. */
  maxRecordChars?: number;
}

export interface CsvReadResult {
  rows: number;
  bytes: number;
  sha256: string;
}

const CHUNK_BYTES = 1 << 20;
/** A record (one line, or several inside quotes) longer than this is not a clinical CSV: stop instead of buffering on. */
export const MAX_RECORD_CHARS = 8 * (1 << 20);

/**
 * Streams an RFC 4180 CSV file (quoted fields, doubled quotes, CRLF, newlines
 * inside quotes) record by record, never holding more than one chunk and one
 * partial record. The file must be UTF-8 (a BOM is dropped) and every record
 * must have as many fields as the header; either failure names file and line.
 * Also refused, by line and column: NUL bytes, duplicate header names, and a
 * record past `maxRecordChars` (a device or a file without line breaks).
 */
export async function readCsv(options: CsvReadOptions): Promise<CsvReadResult> {
  const { file } = options;
  const stat = statSync(options.path);
  if (!stat.isFile()) throw new ImportError({ file }, notAFile(options.path, stat.isDirectory(), 'a CSV file'));
  const bytesTotal = stat.size;
  const hash = createHash('sha256');
  const decoder = new TextDecoder('utf-8', { fatal: true });
  const fd = openSync(options.path, 'r');
  const parser = new RecordParser(file, options);
  const buffer = Buffer.allocUnsafe(CHUNK_BYTES);
  let bytesRead = 0;
  // Most exports are plain ASCII: such a chunk is copied as Latin-1 (the same text) instead of
  // going through the UTF-8 decoder (3x the time), unless the decoder holds part of a character.
  let decoderClean = true;
  try {
    for (let chunkIndex = 0; ; chunkIndex++) {
      // Synchronous chunks: the import runs in its own process and one transaction; awaiting
      // each read only added idle time. Yield now and then so progress messages get out.
      if (chunkIndex % 8 === 7) await new Promise((r) => setImmediate(r));
      const n = readSync(fd, buffer, 0, CHUNK_BYTES, null);
      if (n === 0) break;
      const chunk = buffer.subarray(0, n);
      hash.update(chunk);
      let text: string;
      if (decoderClean && isAscii(chunk)) text = chunk.toString('latin1');
      else {
        try {
          text = decoder.decode(chunk, { stream: true });
        } catch {
          throw notUtf8(file, chunk, parser);
        }
        // Valid UTF-8 ending in an ASCII byte leaves no partial character behind.
        decoderClean = chunk[n - 1]! < 0x80;
      }
      bytesRead += chunk.length;
      const nul = text.indexOf('\0');
      if (nul !== -1) throw nulByte(file, text.slice(0, nul), parser);
      parser.push(text, false);
      options.onProgress?.(bytesRead, bytesTotal, parser.rows);
    }
    try {
      parser.push(decoder.decode(), true);
    } catch (err) {
      if (err instanceof ImportError) throw err;
      throw new ImportError({ file, line: parser.line }, 'the file is not valid UTF-8 text (it ends inside a character)');
    }
  } finally {
    closeSync(fd);
  }
  if (parser.header === undefined) throw new ImportError({ file, line: 1 }, 'the file is empty: a header row is required');
  return { rows: parser.rows, bytes: bytesRead, sha256: hash.digest('hex') };
}

class RecordParser {
  header: string[] | undefined;
  rows = 0;
  /** Physical line number of the next record's first line. */
  line = 1;
  private buf = '';
  private pos = 0;
  private nextQuote = -1;
  /** The fields of the record being emitted: one array for them all, so a row allocates only its strings. */
  private readonly row: string[] = [];

  private readonly maxRecord: number;

  constructor(
    private readonly file: string,
    private readonly sink: Pick<CsvReadOptions, 'onHeader' | 'onRow' | 'maxRecordChars'>,
  ) {
    this.maxRecord = sink.maxRecordChars ?? MAX_RECORD_CHARS;
  }

  /** Line and column header at the end of `prefix`, text read after everything parsed so far. */
  locate(prefix: string): { line: number; column?: string } {
    const pending = this.buf.slice(this.pos) + prefix;
    let line = this.line;
    let lineStart = 0;
    for (let i = 0; i < pending.length; i++) {
      if (pending.charCodeAt(i) === 10) {
        line++;
        lineStart = i + 1;
      }
    }
    // Count the commas outside quotes on that line to name the field.
    let field = 0;
    let quoted = false;
    for (let i = lineStart; i < pending.length; i++) {
      const c = pending.charCodeAt(i);
      if (c === 34) quoted = !quoted;
      else if (c === 44 && !quoted) field++;
    }
    // The bad byte may come before the header was parsed (it is in the same chunk).
    const header = this.header ?? (this.line === 1 && lineStart > 0 ? headerFields(pending.slice(0, pending.indexOf('\n'))) : undefined);
    return { line, column: header?.[field] };
  }

  push(text: string, final: boolean): void {
    this.buf = this.pos < this.buf.length ? this.buf.slice(this.pos) + text : text;
    this.pos = 0;
    this.nextQuote = -1;
    if (final && this.buf.length > 0 && !this.buf.endsWith('\n')) this.buf += '\n';
    const buf = this.buf;
    for (;;) {
      const nl = buf.indexOf('\n', this.pos);
      if (nl === -1) break;
      if (this.nextQuote !== Infinity && this.nextQuote < this.pos) {
        const q = buf.indexOf('"', this.pos);
        this.nextQuote = q === -1 ? Infinity : q;
      }
      if (this.nextQuote > nl) {
        if (nl - this.pos > this.maxRecord) throw this.tooLong();
        let end = nl;
        if (end > this.pos && buf.charCodeAt(end - 1) === 13) end--;
        if (end > this.pos) this.emit(splitPlain(buf, this.pos, end, this.row), 0);
        else this.line++; // blank line
        this.pos = nl + 1;
      } else if (this.emitSimpleQuoted(buf, nl)) {
        this.pos = nl + 1;
      } else {
        const record = this.parseQuoted(final);
        if (record === undefined) break; // record continues in the next chunk
        if (record.next - this.pos > this.maxRecord) throw this.tooLong();
        this.pos = record.next;
        this.emit(record.fields, record.newlines);
      }
    }
    if (final && this.pos < buf.length) {
      throw new ImportError({ file: this.file, line: this.line }, 'a quoted field is never closed (missing ")');
    }
    if (buf.length - this.pos > this.maxRecord) throw this.tooLong();
  }

  private tooLong(): ImportError {
    const limit = this.maxRecord % (1 << 20) === 0 ? `${this.maxRecord / (1 << 20)} MiB` : `${this.maxRecord} characters`;
    return new ImportError({ file: this.file, line: this.line }, `a record longer than ${limit} (no line break): not a CSV file, or a broken one (an unclosed quote?)`);
  }

  private emit(fields: string[], extraNewlines: number): void {
    const line = this.line;
    this.line += 1 + extraNewlines;
    if (this.header === undefined) {
      const header = [...fields];
      refuseDuplicateNames(this.file, header);
      this.header = header;
      this.sink.onHeader(header);
      return;
    }
    if (fields.length !== this.header.length) {
      throw new ImportError(
        {
          file: this.file,
          line,
          column: fields.length < this.header.length ? this.header[fields.length] : `(field ${this.header.length + 1}, past the header)`,
          value: `${fields.length} fields`,
        },
        `ragged row: the header has ${this.header.length} fields, this row has ${fields.length}`,
      );
    }
    this.rows++;
    this.sink.onRow(fields, line);
  }

  /**
   * Emits the record on the line ending at `nl` when its quotes are the common kind:
   * whole fields in quotes, with no quote or line break inside (`1,"a1c",49.7`).
   * False for anything else, left to parseQuoted.
   */
  private emitSimpleQuoted(buf: string, nl: number): boolean {
    if (nl - this.pos > this.maxRecord) return false;
    const end = nl > this.pos && buf.charCodeAt(nl - 1) === 13 ? nl - 1 : nl;
    const fields = this.row;
    let n = 0;
    let i = this.pos;
    for (;;) {
      if (buf.charCodeAt(i) === 34 /* " */) {
        const q = buf.indexOf('"', i + 1);
        if (q === -1 || q >= end) return false; // runs on past the line
        fields[n++] = buf.slice(i + 1, q);
        if (q + 1 === end) break;
        if (buf.charCodeAt(q + 1) !== 44 /* , */) return false; // a doubled quote, or text after the closing one
        i = q + 2;
        continue;
      }
      const comma = buf.indexOf(',', i);
      if (comma === -1 || comma >= end) {
        fields[n++] = buf.slice(i, end);
        break;
      }
      fields[n++] = buf.slice(i, comma);
      i = comma + 1;
    }
    if (fields.length !== n) fields.length = n;
    this.emit(fields, 0);
    return true;
  }

  /** Parses one record that contains quotes, starting at `pos`; undefined when it runs past the buffer. */
  private parseQuoted(final: boolean): { fields: string[]; next: number; newlines: number } | undefined {
    const buf = this.buf;
    const fields: string[] = [];
    let i = this.pos;
    let newlines = 0;
    // End of the current physical line; moves on only when a quoted field contains newlines.
    let nl = buf.indexOf('\n', i);
    for (;;) {
      if (buf.charCodeAt(i) === 34 /* " */) {
        let value = '';
        i++;
        for (;;) {
          const q = buf.indexOf('"', i);
          if (q === -1) {
            if (final) throw new ImportError({ file: this.file, line: this.line, column: this.header?.[fields.length] }, 'a quoted field is never closed (missing ")');
            return undefined;
          }
          const part = buf.slice(i, q);
          value += part;
          if (q > nl && nl !== -1) {
            for (let k = 0; k < part.length; k++) if (part.charCodeAt(k) === 10) newlines++;
            nl = buf.indexOf('\n', q);
          }
          if (buf.charCodeAt(q + 1) === 34) {
            value += '"';
            i = q + 2;
            continue;
          }
          i = q + 1;
          break;
        }
        if (i >= buf.length) return undefined;
        const c = buf.charCodeAt(i);
        if (c === 13 && i + 1 >= buf.length) return undefined;
        fields.push(value);
        if (c === 44 /* , */) {
          i++;
          continue;
        }
        if (c === 10) return { fields, next: i + 1, newlines };
        if (c === 13 && buf.charCodeAt(i + 1) === 10) return { fields, next: i + 2, newlines };
        throw new ImportError(
          { file: this.file, line: this.line + newlines, value: buf.slice(i, i + 10) },
          'text follows a closing quote: a quoted field must end at a comma or the end of the line',
        );
      }
      if (nl === -1) return undefined;
      const comma = buf.indexOf(',', i);
      if (comma !== -1 && comma < nl) {
        fields.push(buf.slice(i, comma));
        i = comma + 1;
        continue;
      }
      const end = nl > i && buf.charCodeAt(nl - 1) === 13 ? nl - 1 : nl;
      fields.push(buf.slice(i, end));
      return { fields, next: nl + 1, newlines };
    }
  }
}

/** Splits a line without quotes into `fields` (refilled in place), which it returns. */
function splitPlain(buf: string, start: number, end: number, fields: string[]): string[] {
  let n = 0;
  let i = start;
  for (;;) {
    const comma = buf.indexOf(',', i);
    if (comma === -1 || comma >= end) {
      fields[n++] = buf.slice(i, end);
      if (fields.length !== n) fields.length = n;
      return fields;
    }
    fields[n++] = buf.slice(i, comma);
    i = comma + 1;
  }
}

/** Header names from a raw first line that may start with a BOM (as UTF-8 bytes read as Latin-1, or decoded). */
function headerFields(line: string): string[] {
  const text = line.replace(/^(?:\uFEFF|\u00EF\u00BB\u00BF)/, '').replace(/\r$/, '');
  const fields: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '"') {
      if (quoted && text[i + 1] === '"') {
        field += '"';
        i++;
      } else quoted = !quoted;
    } else if (c === ',' && !quoted) {
      fields.push(field);
      field = '';
    } else field += c;
  }
  fields.push(field);
  return fields;
}

/** A header must name each column once: otherwise the mapping's column names are ambiguous. */
function refuseDuplicateNames(file: string, header: string[]): void {
  const first = new Map<string, number>();
  header.forEach((raw, i) => {
    const name = raw.trim();
    const earlier = first.get(name);
    if (earlier !== undefined) {
      throw new ImportError({ file, line: 1, column: name }, `two columns are named "${name}" (columns ${earlier + 1} and ${i + 1}); rename one`);
    }
    first.set(name, i);
  });
}

export function notAFile(path: string, directory: boolean, what: string): string {
  return directory ? `${path} is a directory, not ${what}` : `${path} is not a regular file (a device, pipe or socket); give ${what}`;
}

/** A NUL byte: a binary file, or UTF-16 text, neither of which is read as UTF-8 CSV. */
function nulByte(file: string, prefix: string, parser: RecordParser): ImportError {
  const { line, column } = parser.locate(prefix);
  return new ImportError({ file, line, column, value: 'byte 0x00' }, 'the file contains a NUL byte (a binary file, or UTF-16 text: re-save it as UTF-8 CSV)');
}

/** Builds the error for a chunk that is not UTF-8, pointing at the first bad byte's line. */
function notUtf8(file: string, chunk: Buffer, parser: RecordParser): ImportError {
  const offset = firstInvalidUtf8(chunk);
  const prefix = chunk.subarray(0, offset).toString('latin1');
  const { line, column } = parser.locate(prefix);
  const byte = chunk[offset] ?? 0;
  return new ImportError(
    { file, line, column, value: `byte 0x${byte.toString(16).padStart(2, '0')}` },
    'the file is not UTF-8 text (re-save it as UTF-8; Latin-1 or Windows-1252 exports are not accepted)',
  );
}

/** Offset of the first byte that does not start or continue a valid UTF-8 sequence. */
function firstInvalidUtf8(b: Buffer): number {
  let i = 0;
  while (i < b.length && (b[i]! & 0xc0) === 0x80 && i < 3) i++; // tail of a character begun in the previous chunk
  while (i < b.length) {
    const c = b[i]!;
    const len = c < 0x80 ? 1 : c >= 0xc2 && c < 0xe0 ? 2 : c >= 0xe0 && c < 0xf0 ? 3 : c >= 0xf0 && c < 0xf5 ? 4 : 0;
    if (len === 0) return i;
    for (let k = 1; k < len; k++) {
      if (i + k >= b.length) return b.length;
      if ((b[i + k]! & 0xc0) !== 0x80) return i;
    }
    i += len;
  }
  return b.length;
}
