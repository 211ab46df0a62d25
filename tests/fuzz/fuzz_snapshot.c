/* fuzz_snapshot.c - libFuzzer target for the snapshot reader
 * (analyzer/snapshot.c, snaptables.c, jsonread.c), built and run by `make
 * fuzz`.  Any input must give either a snapshot whose ids all index their
 * arrays and whose strings and labels are all printable valid UTF-8
 * (textsafe.h), or one error line; never a crash, leak or sanitizer
 * report.  Each input is read twice: from memory (ccx_snap_parse) and
 * streamed from a file (ccx_snap_load of a memfd), which the fuzz build
 * reads in windows of a few bytes (CCX_JR_WINDOW in analyzer/build.mk) so
 * that every token gets cut somewhere; both must give the same snapshot or
 * the same message.  Seeds: tests/fuzz/corpus/snapshot/ (valid snapshots,
 * and the malformed shapes the reader refuses). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "frames.h"
#include "snapshot.h"
#include "textsafe.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Walks everything the analyzer will walk; aborts on what it must not see. */
static void walk(const struct ccx_snap *s)
{
    for (size_t i = 0; i < s->nsites; i++) {
        if (s->sites[i].stack >= s->nstacks)
            abort();
        uint32_t st = s->sites[i].stack;
        if ((size_t)s->stack_start[st] + s->stack_len[st] > s->nstack_frames)
            abort();
        long k = ccx_stack_key_frame(s, st);
        if (k >= (long)s->nframes)
            abort();
        char label[512];
        for (int by = CCX_BY_STACK; by <= CCX_BY_MODULE; by++) {
            ccx_site_group(s, &s->sites[i], (enum ccx_by)by, label, sizeof label);
            if (!ccx_is_safe(label))
                abort();
        }
    }
    for (size_t i = 0; i < s->nframes; i++) {
        char buf[512];
        ccx_frame_format(s, &s->frames[i], buf, sizeof buf);
        if (!ccx_is_safe(buf))
            abort();
    }
    /* every string the reader kept: the pool is NUL-terminated strings */
    for (size_t off = 0; off < s->strs.len; off += strlen(s->strs.buf + off) + 1)
        if (!ccx_is_safe(s->strs.buf + off))
            abort();
}

/* The same snapshot read twice: the same tables, strings and figures. */
static void same(const struct ccx_snap *a, const struct ccx_snap *b)
{
    if (a->nsites != b->nsites || a->nframes != b->nframes || a->nstacks != b->nstacks ||
        a->nstack_frames != b->nstack_frames || a->strs.len != b->strs.len)
        abort();
    if ((a->nsites && memcmp(a->sites, b->sites, a->nsites * sizeof *a->sites)) ||
        (a->nframes && memcmp(a->frames, b->frames, a->nframes * sizeof *a->frames)) ||
        (a->nstacks && memcmp(a->stack_hash, b->stack_hash, a->nstacks * sizeof *a->stack_hash)) ||
        memcmp(a->strs.buf, b->strs.buf, a->strs.len) || a->live_bytes != b->live_bytes ||
        a->time != b->time || a->py.types.ntypes != b->py.types.ntypes)
        abort();
}

/* Reads data through a file (a memfd) with ccx_snap_load. */
static int load(const uint8_t *data, size_t size, struct ccx_snap *s, char *err, size_t errlen)
{
    int fd = memfd_create("fuzz", MFD_CLOEXEC);
    if (fd < 0)
        abort();
    for (size_t done = 0; done < size;) {
        ssize_t n = write(fd, data + done, size - done);
        if (n <= 0)
            abort();
        done += (size_t)n;
    }
    char path[64];
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    int rc = ccx_snap_load(path, s, err, errlen);
    close(fd);
    return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct ccx_snap s, f;
    char err[256], ferr[256];
    int rc = ccx_snap_parse((const char *)data, size, "fuzz", &s, err, sizeof err);
    int frc = load(data, size, &f, ferr, sizeof ferr);
    if (rc != frc)
        abort();
    if (rc == 0) {
        walk(&s);
        same(&s, &f);
        ccx_snap_free(&s);
        ccx_snap_free(&f);
    } else if (!memchr(err, '\0', sizeof err) || strchr(err, '\n') || strcmp(err, ferr) != 0) {
        abort();
    }
    return 0;
}
