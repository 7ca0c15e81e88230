/** A CSV table as cells, and how to write it: quoting, line ends, BOM, final newline. */
export interface Table {
  header: string[];
  rows: string[][];
}

export interface CsvStyle {
  /** none: only cells that need it; text: R's write.csv (every non-number); all: every cell. */
  quote: 'none' | 'text' | 'all';
  eol: '\n' | '\r\n';
  bom: boolean;
  finalNewline: boolean;
}

const NUMBER = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

export function quoteCell(cell: string, style: CsvStyle): string {
  const needs = /[",\r\n]/.test(cell) || (style.quote === 'text' && !NUMBER.test(cell) && cell !== 'NA') || style.quote === 'all';
  return needs ? `"${cell.replaceAll('"', '""')}"` : cell;
}

/** One CSV line per row; rows given as already-written text are kept as they are. */
export function renderLines(table: Table, style: CsvStyle): string[] {
  return [table.header, ...table.rows].map((cells) => cells.map((c) => quoteCell(c, style)).join(','));
}

export function joinLines(lines: string[], style: CsvStyle): string {
  return (style.bom ? '\uFEFF' : '') + lines.join(style.eol) + (style.finalNewline ? style.eol : '');
}
