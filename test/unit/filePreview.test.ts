import { describe, expect, it } from 'vitest';
import { previewCsvFile } from '../../main/ingest/filePreview.js';
import { tempDir, writeCsv } from '../support/store.js';

describe('previewCsvFile', () => {
  it('shows the first rows each as read (plain and quoted lines), and the kinds of the sampled columns', async () => {
    const lines = ['id,date,variable,value'];
    for (let i = 1; i <= 50; i++) lines.push(i % 2 ? `${i},2001-03-${String((i % 28) + 1).padStart(2, '0')},a1c,${40 + i / 10}` : `${i},2001-04-01,"crea",${70 + i}`);
    const path = writeCsv(tempDir(), 'labs.csv', lines.join('\n') + '\n');
    const preview = await previewCsvFile(path, 3, 40);
    expect(preview.header).toEqual(['id', 'date', 'variable', 'value']);
    expect(preview.rows).toEqual([
      ['1', '2001-03-02', 'a1c', '40.1'],
      ['2', '2001-04-01', 'crea', '72'],
      ['3', '2001-03-04', 'a1c', '40.3'],
    ]);
    expect(preview.sampledRows).toBe(40);
    expect(preview.kinds).toMatchObject({ date: 'date', variable: 'binary', value: 'numeric' });
  });
});
