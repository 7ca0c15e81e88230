/** Stored calendar days (days since 1970, UTC) as a date in the user's locale. */
export function formatDay(days: number): string {
  return new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeZone: 'UTC' }).format(new Date(Math.round(days) * 86_400_000));
}

export function formatNumber(x: number, digits = 2): string {
  return x.toLocaleString(undefined, { maximumFractionDigits: digits });
}

export function formatPercent(share: number): string {
  return `${(share * 100).toLocaleString(undefined, { maximumFractionDigits: 1, minimumFractionDigits: 1 })}%`;
}
