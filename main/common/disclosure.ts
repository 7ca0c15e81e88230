/** Cells (bins, curve points, quantiles, counts) of fewer real patients or values than this are not shown. */
export const MIN_CELL = 5;
