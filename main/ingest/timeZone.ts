/*
 * Wall-clock times in a named IANA zone to UTC, with Intl only (no time zone
 * data of our own), so the result does not depend on the workstation's zone.
 */

const formats = new Map<string, Intl.DateTimeFormat>();

/** The workstation's zone, as Intl resolves it (e.g. "Europe/Copenhagen"); the default for a mapping without "timeZone". */
export function localTimeZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone;
}

export function isTimeZone(name: string): boolean {
  try {
    formatFor(name);
    return true;
  } catch {
    return false;
  }
}

function formatFor(zone: string): Intl.DateTimeFormat {
  let f = formats.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
      era: 'short',
    });
    formats.set(zone, f);
  }
  return f;
}

/** The zone's offset from UTC at instant `utcMs`, in ms (positive east of Greenwich). */
export function zoneOffsetMs(zone: string, utcMs: number): number {
  const parts: Record<string, string> = {};
  for (const p of formatFor(zone).formatToParts(new Date(utcMs))) parts[p.type] = p.value;
  const year = parts.era === 'BC' || parts.era === 'B' ? 1 - Number(parts.year) : Number(parts.year);
  const wall = Date.UTC(year, Number(parts.month) - 1, Number(parts.day), Number(parts.hour), Number(parts.minute), Number(parts.second));
  // Intl drops milliseconds; offsets are whole seconds.
  return wall - (utcMs - (((utcMs % 1000) + 1000) % 1000));
}

/**
 * The UTC instant of a wall-clock time in `zone` (the wall clock given as if it were UTC ms).
 * Undefined when that local time does not exist (the clocks jumped over it); a time that
 * occurs twice (clocks turned back) is read as the first occurrence.
 */
export function wallClockToUtc(zone: string, wallMs: number): number | undefined {
  // Offsets well before and after: a transition near this time lies between them.
  const before = zoneOffsetMs(zone, wallMs - 86_400_000);
  const after = zoneOffsetMs(zone, wallMs + 86_400_000);
  const candidates = [wallMs - before, wallMs - after].filter((utc) => utc + zoneOffsetMs(zone, utc) === wallMs);
  return candidates.length === 0 ? undefined : Math.min(...candidates);
}
