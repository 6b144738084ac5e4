import { describe, expect, test } from 'vitest';
import { strftime } from './strftime.js';

// Expected strings from CPython 3.11 datetime.strftime on Linux (glibc, C locale).
const JUL_10 = new Date(2025, 6, 10, 12, 0, 0);
const JAN_05 = new Date(2024, 0, 5, 0, 7, 9);
const DEC_31 = new Date(2023, 11, 31, 23, 59, 58);

describe('strftime', () => {
  test.each([
    [JUL_10, '%d %B %Y', '10 July 2025'],
    [JUL_10, '%d %b %Y', '10 Jul 2025'],
    [JUL_10, '%Y-%m-%d %H:%M:%S', '2025-07-10 12:00:00'],
    [JUL_10, '%a %A %j %I%p %y', 'Thu Thursday 191 12PM 25'],
    [JUL_10, '%-d %-m %e|', '10 7 10|'],
    [JUL_10, '%%Y %Q', '%Y %Q'],
    [JAN_05, '%d %B %Y', '05 January 2024'],
    [JAN_05, '%Y-%m-%d %H:%M:%S', '2024-01-05 00:07:09'],
    [JAN_05, '%a %A %j %I%p %y', 'Fri Friday 005 12AM 24'],
    [JAN_05, '%-d %-m %e|', '5 1  5|'],
    [DEC_31, '%d %b %Y', '31 Dec 2023'],
    [DEC_31, '%a %A %j %I%p %y', 'Sun Sunday 365 11PM 23'],
  ])('%s with %j', (date, format, expected) => {
    expect(strftime(date, format)).toBe(expected);
  });
});
