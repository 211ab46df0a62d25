/* ccx_trigger.h - what the trigger file (CCXTRACE_TRIGGER) says besides
 * "take a snapshot now": a line "label=TEXT" names the snapshot it takes
 * (scripts/ccxtrace-k8s snapshot --label writes one).  Pure text logic,
 * used by the helper thread's poll (ccx_helper.c); no allocation, no locale.
 */
#ifndef CCX_TRIGGER_H
#define CCX_TRIGGER_H

#include <stddef.h>

#define CCX_TRIGGER_LABEL_KEY "label="

/* Copies the value of the first line of buf[0..n) that starts with
 * "label=" into out (cap bytes, NUL-terminated when cap > 0), up to the
 * line's end ("\n" or "\r\n") and at most cap - 1 bytes; a value cut there
 * never ends in half a UTF-8 character.  Returns its length; 0 (out empty)
 * when there is no such line or the value is empty. */
size_t ccx_trigger_label(const char *buf, size_t n, char *out, size_t cap);

#endif
