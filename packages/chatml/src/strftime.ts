// Python's datetime.strftime for the directives chat templates use (C locale, local time), behind `strftime_now`.

const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const MONTHS = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];

function dayOfYear(date: Date): number {
  const start = new Date(date.getFullYear(), 0, 1);
  const today = new Date(date.getFullYear(), date.getMonth(), date.getDate());
  return Math.round((today.getTime() - start.getTime()) / 86_400_000) + 1;
}

/**
 * Format `date` like Python's `strftime` in the C locale: %a %A %b %B %d %e %H %I %j %m %M %p %S %y %Y %%, and the
 * glibc no-padding forms (%-d, %-m, %-H, %-I, %-M, %-S, %-j). Other directives are left as written (glibc does too).
 */
export function strftime(date: Date, format: string): string {
  const hour12 = date.getHours() % 12 === 0 ? 12 : date.getHours() % 12;
  const numbers: Record<string, [number, number]> = {
    d: [date.getDate(), 2],
    H: [date.getHours(), 2],
    I: [hour12, 2],
    j: [dayOfYear(date), 3],
    m: [date.getMonth() + 1, 2],
    M: [date.getMinutes(), 2],
    S: [date.getSeconds(), 2],
    y: [date.getFullYear() % 100, 2],
    Y: [date.getFullYear(), 4],
  };
  return format.replace(/%(-?)([a-zA-Z%])/g, (whole, noPad: string, code: string) => {
    const number = numbers[code];
    if (number) return noPad ? String(number[0]) : String(number[0]).padStart(number[1], '0');
    if (noPad) return whole;
    const day = DAYS[date.getDay()]!;
    const month = MONTHS[date.getMonth()]!;
    switch (code) {
      case 'a':
        return day.slice(0, 3);
      case 'A':
        return day;
      case 'b':
        return month.slice(0, 3);
      case 'B':
        return month;
      case 'e':
        return String(date.getDate()).padStart(2, ' ');
      case 'p':
        return date.getHours() < 12 ? 'AM' : 'PM';
      case '%':
        return '%';
      default:
        return whole;
    }
  });
}
