import type { ImportProgress } from '../ingest/importer.js';
import { bytes } from '../common/format.js';

/** Import progress on stderr: one rewritten line on a terminal, a line per 10% otherwise. */
export function importProgressPrinter(stream: NodeJS.WriteStream = process.stderr): {
  update: (p: ImportProgress) => void;
  done: () => void;
} {
  let lastDraw = 0;
  let lastDecile = -1;
  let drew = false;
  return {
    update(p) {
      const share = p.bytesTotal > 0 ? p.bytesRead / p.bytesTotal : 1;
      const text = `importing ${p.file} (${p.fileIndex + 1}/${p.fileCount}): ${(share * 100).toFixed(0)}% of ${bytes(p.bytesTotal)}, ${p.rows.toLocaleString('en-US')} rows`;
      if (stream.isTTY) {
        const now = Date.now();
        if (now - lastDraw < 100 && share < 1) return;
        lastDraw = now;
        stream.write(`\r\x1b[2K${text}`);
        drew = true;
      } else {
        const decile = p.fileIndex * 10 + Math.floor(share * 10);
        if (decile === lastDecile) return;
        lastDecile = decile;
        stream.write(`${text}\n`);
      }
    },
    done() {
      if (drew) stream.write('\n');
    },
  };
}
