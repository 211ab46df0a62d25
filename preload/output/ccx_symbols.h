/* ccx_symbols.h - loaded modules and in-process symbolization.
 *
 * At snapshot time (helper thread, guard raised, libc allocation allowed):
 * the modules come from dl_iterate_phdr (path, load bias, GNU build-id read
 * from the PT_NOTE segments in memory, address ranges); a native frame is
 * written as module + offset (the ELF virtual address, what
 * `addr2line -e PATH OFFSET` takes) + the function symbol that contains it
 * (.symtab and .dynsym of the file on disk, or of its
 * /usr/lib/debug/.build-id/ file when the binary is stripped).  Symbol
 * tables are read once per (path, build-id) and kept.
 */
#ifndef CCX_SYMBOLS_H
#define CCX_SYMBOLS_H

#include <stddef.h>
#include <stdint.h>

struct ccx_module {
    char *path;
    uintptr_t base;        /* load bias (dlpi_addr) */
    uintptr_t lo, hi;      /* lowest and highest mapped address */
    char build_id[96];     /* hex, "" when none */
    struct ccx_symtab *syms;
};

struct ccx_modules {
    struct ccx_module *m; /* sorted by lo */
    int n;
};

/* Scans the loaded modules; free with ccx_modules_free. */
int ccx_modules_scan(struct ccx_modules *ms);
void ccx_modules_free(struct ccx_modules *ms);
/* Index of the module holding addr, or -1. */
int ccx_module_find(const struct ccx_modules *ms, uintptr_t addr);
/* Name of the function holding the ELF address `off` of module m (NULL if
 * unknown), and the offset of `off` into it. */
const char *ccx_symbolize(struct ccx_module *m, uintptr_t off, uint64_t *sym_off);

#endif
