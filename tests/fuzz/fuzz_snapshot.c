/* fuzz_snapshot.c - libFuzzer target for the snapshot reader
 * (analyzer/snapshot.c), built and run by `make fuzz`.  Any input must give
 * either a snapshot whose ids all index their arrays and whose strings and
 * labels are all printable valid UTF-8 (textsafe.h), or one error line;
 * never a crash, leak or sanitizer report.  Seeds: tests/fuzz/corpus/snapshot/
 * (valid snapshots, and the malformed shapes the reader refuses). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "frames.h"
#include "snapshot.h"
#include "textsafe.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct ccx_snap s;
    char err[256];
    if (ccx_snap_parse((const char *)data, size, "fuzz", &s, err, sizeof err) == 0) {
        /* walk everything the analyzer will walk */
        for (size_t i = 0; i < s.nsites; i++) {
            if (s.sites[i].stack >= s.nstacks)
                abort();
            uint32_t st = s.sites[i].stack;
            if ((size_t)s.stack_start[st] + s.stack_len[st] > s.nstack_frames)
                abort();
            long k = ccx_stack_key_frame(&s, st);
            if (k >= (long)s.nframes)
                abort();
            char label[512];
            for (int by = CCX_BY_STACK; by <= CCX_BY_MODULE; by++) {
                ccx_site_group(&s, &s.sites[i], (enum ccx_by)by, label, sizeof label);
                if (!ccx_is_safe(label))
                    abort();
            }
        }
        for (size_t i = 0; i < s.nframes; i++) {
            char buf[512];
            ccx_frame_format(&s, &s.frames[i], buf, sizeof buf);
            if (!ccx_is_safe(buf))
                abort();
        }
        /* every string the reader kept: the pool is NUL-terminated strings */
        for (size_t off = 0; off < s.strs.len; off += strlen(s.strs.buf + off) + 1)
            if (!ccx_is_safe(s.strs.buf + off))
                abort();
        ccx_snap_free(&s);
    } else if (!memchr(err, '\0', sizeof err) || strchr(err, '\n')) {
        abort();
    }
    return 0;
}
