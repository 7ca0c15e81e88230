import type { ImportProgress } from '../ingest/importer.js';
import { bytes } from '../common/format.js';

/** Import progress on stderr: one rewritten line on a terminal, a line per 10% otherwise. */
export function importProgressPrinter(stream: NodeJS.WriteStream = process.stderr): {
  update: (p: ImportProgress) => void;
  done: () => void;
} {
  const printer = progressPrinter(stream);
  return {
    update(p) {
      const share = p.bytesTotal > 0 ? p.bytesRead / p.bytesTotal : 1;
      printer.update(p.fileIndex * 10 + Math.floor(share * 10), share, `importing ${p.file} (${p.fileIndex + 1}/${p.fileCount}): ${(share * 100).toFixed(0)}% of ${bytes(p.bytesTotal)}, ${p.rows.toLocaleString('en-US')} rows`);
    },
    done: printer.done,
  };
}

/** Progress of a count on stderr ("generated 2,560/20,000 patients (13%)"), drawn like the import's. */
export function countProgressPrinter(verb: string, noun: string, stream: NodeJS.WriteStream = process.stderr): {
  update: (done: number, total: number) => void;
  done: () => void;
} {
  const printer = progressPrinter(stream);
  return {
    update(done, total) {
      const share = total > 0 ? done / total : 1;
      printer.update(Math.floor(share * 10), share, `${verb} ${done.toLocaleString('en-US')}/${total.toLocaleString('en-US')} ${noun} (${(share * 100).toFixed(0)}%)`);
    },
    done: printer.done,
  };
}

/** Runs `work` with a progress printer; its line is finished when the work ends, done or failed, before anything else is printed. */
export async function withProgress<U, T>(printer: { update: U; done: () => void }, work: (onProgress: U) => Promise<T>): Promise<T> {
  try {
    return await work(printer.update);
  } finally {
    printer.done();
  }
}

/** One rewritten line on a terminal (at most ten redraws a second); elsewhere a line each time `decile` changes. */
function progressPrinter(stream: NodeJS.WriteStream): { update: (decile: number, share: number, text: string) => void; done: () => void } {
  let lastDraw = 0;
  let lastDecile = -1;
  let drew = false;
  return {
    update(decile, share, text) {
      if (stream.isTTY) {
        const now = Date.now();
        if (now - lastDraw < 100 && share < 1) return;
        lastDraw = now;
        stream.write(`\r\x1b[2K${text}`);
        drew = true;
      } else {
        if (decile === lastDecile) return;
        lastDecile = decile;
        stream.write(`${text}\n`);
      }
    },
    done() {
      if (drew) stream.write('\n');
      drew = false;
    },
  };
}
