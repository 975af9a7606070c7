/**
 * The time, as the application sees it. Everything date-dependent (renewal scans, "today" in a
 * tenant's time zone) asks the clock instead of `new Date()`, so tests can move time.
 */
export class Clock {
  private offsetMs = 0;

  /** Now, plus any offset set by {@link Clock.set}. */
  now(): Date {
    return new Date(Date.now() + this.offsetMs);
  }

  /** Moves this clock so that it reads `at` now (tests only; time keeps running from there). */
  set(at: Date | string): void {
    this.offsetMs = new Date(at).getTime() - Date.now();
  }
}

/** The calendar date `YYYY-MM-DD` and time `HH:MM` of `at` in the IANA time zone `timeZone`. */
export function localDateTime(at: Date, timeZone: string): { date: string; time: string } {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-CA', {
      timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    })
      .formatToParts(at)
      .map((p) => [p.type, p.value]),
  );
  return { date: `${parts.year}-${parts.month}-${parts.day}`, time: `${parts.hour}:${parts.minute}` };
}

/** True when `timeZone` is an IANA time zone this runtime knows. */
export function isTimeZone(timeZone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone });
    return true;
  } catch {
    return false;
  }
}

/** `date` (YYYY-MM-DD) plus `days`. */
export function addDays(date: string, days: number): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}
