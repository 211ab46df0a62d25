/* ccx_units.h - the one parser for sizes, durations and rates.
 *
 * Used by the preload's option table (before its allocator hooks are ready,
 * so nothing here allocates or touches errno-setting libc beyond plain
 * character tests), by ccx-analyze and by ccx-driver.  Units follow
 * DESIGN.md: sizes in options and flags are binary (k = KiB = 1024, m, g,
 * t likewise; "kB"/"MB"/"GB" given on our own flags also mean KiB/MiB/GiB),
 * except with CCX_SIZE_SI, used only for other tools' output (docker stats),
 * where kB/MB/GB are decimal.
 */
#ifndef CCX_UNITS_H
#define CCX_UNITS_H

#include <stdint.h>
#include <stddef.h>

/* The error vocabulary of every parser here. */
enum ccx_parse_status {
    CCX_PARSE_OK = 0,
    CCX_PARSE_EMPTY,     /* empty or all blanks */
    CCX_PARSE_NEGATIVE,  /* a leading minus sign */
    CCX_PARSE_SYNTAX,    /* no digits where a number was expected */
    CCX_PARSE_UNIT,      /* a unit this kind of value does not know */
    CCX_PARSE_TRAILING,  /* garbage after a valid value */
    CCX_PARSE_OVERFLOW,  /* does not fit in 64 bits */
    CCX_PARSE_RANGE      /* valid but outside the caller's bounds */
};

/* "all" as a size (CCX_SIZE_ALLOW_ALL): record every allocation. */
#define CCX_SIZE_ALL UINT64_MAX

/* Flags for ccx_parse_size(). */
#define CCX_SIZE_ALLOW_ALL 0x1u /* accept the word "all" -> CCX_SIZE_ALL */
#define CCX_SIZE_SI        0x2u /* kB/MB/GB/TB are decimal (other tools' output) */

/* Size: "512", "64k", "64K", "64KiB", "1m", "2GiB", "1.5m", "68.04MiB", "100B".
 * Fractions are exact to the byte (rounded down).  No allocation. */
int ccx_parse_size(const char *s, unsigned flags, uint64_t *out);

/* Duration: "500ms", "30s", "10m", "4h", "2d", "250us", "1.5s"; a plain
 * number means seconds.  Result in nanoseconds.  No allocation. */
int ccx_parse_duration(const char *s, uint64_t *out_ns);

/* Byte rate: SIZE "/" TIMEUNIT, e.g. "2MiB/h", "512k/s", "1m/min", "10MB/d".
 * Result in bytes per second.  No allocation. */
int ccx_parse_rate(const char *s, double *out_bytes_per_s);

/* Human-readable reason for a status, e.g. "unknown unit". */
const char *ccx_parse_strerror(int status);

/* Formatting for reports: IEC units with one decimal ("12.3 MiB",
 * "512 B"); signed variant prints "+" or "-". Returns buf. */
char *ccx_format_size(double bytes, char *buf, size_t len);
char *ccx_format_size_signed(double bytes, char *buf, size_t len);

#endif
