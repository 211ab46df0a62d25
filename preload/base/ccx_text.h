/* ccx_text.h - text the tracer writes to stderr, made safe for a terminal.
 *
 * Diagnostics quote values the tracer did not choose (option values, paths
 * under CCXTRACE_DIR): a newline there would start a second stderr line
 * without the "ccxtrace:" prefix and an escape sequence would reach the
 * terminal.  ccx_escape() writes such text as printable ASCII on one line.
 * Nothing here allocates, locks or uses the locale (used by the
 * constructor, before the process's own setup).
 */
#ifndef CCX_TEXT_H
#define CCX_TEXT_H

#include <stddef.h>

/* Flags for ccx_escape(). */
#define CCX_ESC_QUOTED 1u /* also escape '"' and '\\' (a value shown in quotes) */

/* Writes in[0..n) to out (cap bytes, always NUL-terminated when cap > 0):
 * printable ASCII (0x20-0x7e) as is, \n \r \t as those two characters,
 * every other byte (controls, DEL, bytes >= 0x80) as \xHH; with
 * CCX_ESC_QUOTED also \" and \\.  An escape is never cut in half: when out
 * is full the text ends early with "...".  Returns the length written. */
size_t ccx_escape(char *out, size_t cap, const char *in, size_t n, unsigned flags);

#endif
