/* textsafe.h - strings from a snapshot made safe to print in any format.
 *
 * A snapshot's strings come from the traced process (command line,
 * executable, file, function and type names, Python reprs) and may hold any
 * bytes.  The reader (snapshot.c, holders.c) passes each one through
 * ccx_safe_str before keeping it, and the error and warning lines go through
 * ccx_safe_fputs, so what the analyzer prints is always valid UTF-8 without
 * control characters.  One rule, everywhere:
 *   - a byte that is a C0 control (below 0x20) or DEL, or that is not part
 *     of a valid UTF-8 sequence (RFC 3629: no overlong forms, no surrogates,
 *     nothing above U+10FFFF), becomes the visible text \xHH ("\x1b");
 *   - a C1 control (U+0080..U+009F, which terminals also obey) becomes
 *     \u00HH ("\u009b");
 *   - everything else is kept as it is (backslashes included).
 * So no output (text on a terminal, JSON, Markdown, HTML, SVG) carries a raw
 * escape sequence, a newline inside a value or invalid UTF-8.
 */
#ifndef CCX_TEXTSAFE_H
#define CCX_TEXTSAFE_H

#include <stdio.h>

/* Whether s needs no change. */
int ccx_is_safe(const char *s);
/* s itself when it is safe (*fresh = NULL), else a new string with the
 * escapes above (*fresh = that string, for the caller to free).  NULL when
 * out of memory. */
const char *ccx_safe_str(const char *s, char **fresh);
/* Always a new string (free it); NULL when out of memory. */
char *ccx_safe_dup(const char *s);
/* Writes s to f with the escapes above. */
void ccx_safe_fputs(const char *s, FILE *f);
/* Cuts an incomplete UTF-8 sequence off the end of s: what snprintf
 * leaves when it cuts a safe string to fit a buffer (labels, frames.c). */
void ccx_utf8_trim(char *s);

#endif
