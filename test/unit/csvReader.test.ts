import { describe, expect, it } from 'vitest';
import { readCsv } from '../../main/ingest/csvReader.js';
import { ImportError } from '../../main/ingest/errors.js';
import { tempDir, writeCsv } from '../support/store.js';

async function read(text: string | Buffer, maxRecordChars?: number) {
  const path = writeCsv(tempDir(), 'x.csv', text);
  let header: string[] = [];
  const rows: { fields: string[]; line: number }[] = [];
  const result = await readCsv({ file: 'x.csv', path, maxRecordChars, onHeader: (h) => (header = h), onRow: (fields, line) => rows.push({ fields: [...fields], line }) });
  return { header, rows, result };
}

describe('readCsv', () => {
  it('reads R-style quoting, doubled quotes, CRLF and a BOM', async () => {
    const { header, rows } = await read('\uFEFF"id","note","x"\r\n1,"a, b",2\r\n2,"say ""hi""",\r\n');
    expect(header).toEqual(['id', 'note', 'x']);
    expect(rows).toEqual([
      { fields: ['1', 'a, b', '2'], line: 2 },
      { fields: ['2', 'say "hi"', ''], line: 3 },
    ]);
  });

  it('keeps physical line numbers across quoted newlines and a missing final newline', async () => {
    const { rows } = await read('id,text\n1,"two\nlines"\n2,last');
    expect(rows.map((r) => r.line)).toEqual([2, 4]);
    expect(rows[0]!.fields[1]).toBe('two\nlines');
  });

  it('streams files larger than one chunk, with records across chunk boundaries', async () => {
    const lines = ['id,"v"'];
    for (let i = 0; i < 120_000; i++) lines.push(`${i},"value ${i}"`);
    const { rows, result } = await read(lines.join('\n') + '\n');
    expect(result.bytes).toBeGreaterThan(2 * 1024 * 1024);
    expect(rows).toHaveLength(120_000);
    expect(rows[119_999]).toEqual({ fields: ['119999', 'value 119999'], line: 120_001 });
    expect(result.sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  // ASCII chunks skip the UTF-8 decoder; the chunks around a character split by the chunk boundary must not.
  it('reads characters split across chunks between plain ASCII chunks, and refuses a bad byte after them', async () => {
    const chunk = 1 << 20;
    const head = 'id,name\n';
    const filler = (bytes: number) => {
      const rows: string[] = [];
      let size = 0;
      for (let i = 0; size < bytes - 20; i++) {
        const row = `${i},plain\n`;
        rows.push(row);
        size += row.length;
      }
      return rows.join('') + '0,' + 'x'.repeat(bytes - size - 3) + '\n'; // exactly `bytes` bytes, ending a line
    };
    // Chunk 1: ASCII up to its last byte, where 'é' begins (its second byte opens chunk 2); chunk 3: ASCII again.
    const first = head + filler(chunk - head.length - 6);
    const text = first + 'j,Jos\u00e9\n' + filler(chunk) + 'z,Zoë\ne,end\n';
    const bytes = Buffer.from(text, 'utf8');
    expect(bytes[chunk - 1]).toBe(0xc3); // 'é' straddles the first boundary
    const { rows } = await read(bytes);
    expect(rows.find((r) => r.fields[0] === 'j')!.fields[1]).toBe('José');
    expect(rows.at(-2)!.fields).toEqual(['z', 'Zoë']);
    expect(rows.at(-1)!.fields).toEqual(['e', 'end']);
    // The same file with a Latin-1 byte in its third chunk is refused there.
    const bad = Buffer.concat([Buffer.from(first + 'j,Jos\u00e9\n' + filler(chunk), 'utf8'), Buffer.from('z,Zo'), Buffer.from([0xeb]), Buffer.from('\n')]);
    const err = await read(bad).catch((e: unknown) => e);
    expect((err as Error).message).toMatch(/column "name": value "byte 0xeb": the file is not UTF-8/);
    // A character cut short at the end of a chunk, the next chunk plain ASCII: refused at the cut.
    const cut = Buffer.concat([bytes.subarray(0, chunk), Buffer.from(filler(chunk), 'utf8')]);
    const cutErr = await read(cut).catch((e: unknown) => e);
    expect((cutErr as Error).message).toMatch(/the file is not UTF-8/);
  });

  it('refuses a ragged row, naming the line', async () => {
    await expect(read('a,b,c\n1,2,3\n4,5\n')).rejects.toThrow(/x\.csv, line 3, column "c": value "2 fields": ragged row: the header has 3 fields/);
  });

  it('refuses bytes that are not UTF-8, naming the line', async () => {
    const latin1 = Buffer.concat([Buffer.from('id,name\n1,ok\n2,Jos'), Buffer.from([0xe9]), Buffer.from('\n')]);
    const err = await read(latin1).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ImportError);
    expect((err as Error).message).toMatch(/x\.csv, line 3, column "name": value "byte 0xe9": the file is not UTF-8/);
  });

  it('refuses an unclosed quote and an empty file', async () => {
    await expect(read('a,b\n1,"open\n')).rejects.toThrow(/line 2, column "b": a quoted field is never closed/);
    await expect(read('')).rejects.toThrow(/the file is empty/);
  });

  it('names the column where a never-closed quote opened', async () => {
    await expect(read('a,b,c\n1,2,3\n4,"open,6\n7,8,9\n')).rejects.toThrow(/^x\.csv, line 3, column "b": a quoted field is never closed/);
  });

  it('refuses duplicate header names and NUL bytes, naming line and column', async () => {
    await expect(read('id,x, x\n1,2,3\n')).rejects.toThrow(/^x\.csv, line 1, column "x": two columns are named "x" \(columns 2 and 3\)/);
    await expect(read('id,x\n1,2\n2,"a\u0000b"\n')).rejects.toThrow(/^x\.csv, line 3, column "x": value "byte 0x00": the file contains a NUL byte/);
  });

  it('stops a record that outgrows the limit, within a chunk and across chunks', async () => {
    await expect(read('id,x\n1,2\n3,' + 'y'.repeat(100) + '\n', 64)).rejects.toThrow(/^x\.csv, line 3: a record longer than 64 characters/);
    await expect(read('id,x\n1,"' + 'y\n'.repeat(100) + '"\n', 64)).rejects.toThrow(/^x\.csv, line 2: a record longer than 64 characters/);
    const { rows } = await read('id,x\n1,' + 'y'.repeat(60) + '\n', 64);
    expect(rows).toHaveLength(1);
  });

  it('names the column of a bad byte in the first chunk of a file with a BOM and a quoted header (found by the import fuzz test)', async () => {
    const text = Buffer.concat([Buffer.from('\uFEFF"note","id"\n"ok",1\n"f'), Buffer.from([0xe9]), Buffer.from('r",2\n')]);
    await expect(read(text)).rejects.toThrow(/^x\.csv, line 3, column "note": value "byte 0xe9"/);
  });
});
