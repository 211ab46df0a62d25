/* ccx_symbols.c - modules and symbols (see ccx_symbols.h).  Runs only in
 * the snapshot writer, never on the allocation path. */
#include "ccx_symbols.h"

#include <elf.h>
#include <fcntl.h>
#include <link.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

struct sym {
    uintptr_t value;
    uint64_t size;
    const char *name;
};

struct ccx_symtab {
    struct ccx_symtab *next; /* the cache */
    char *key;               /* path + "\n" + build-id */
    struct sym *s;
    size_t n;
    void *maps[2];
    size_t map_len[2];
};

static struct ccx_symtab *cache;

static int scan_cb(struct dl_phdr_info *info, size_t size, void *arg)
{
    (void)size;
    struct ccx_modules *ms = arg;
    uintptr_t lo = UINTPTR_MAX, hi = 0;
    char bid[96] = "";
    for (int i = 0; i < info->dlpi_phnum; i++) {
        const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
        if (ph->p_type == PT_LOAD) {
            uintptr_t a = info->dlpi_addr + ph->p_vaddr;
            if (a < lo)
                lo = a;
            if (a + ph->p_memsz > hi)
                hi = a + ph->p_memsz;
        } else if (ph->p_type == PT_NOTE && !bid[0]) {
            const char *p = (const char *)(info->dlpi_addr + ph->p_vaddr), *end = p + ph->p_memsz;
            while (p + sizeof(ElfW(Nhdr)) <= end) {
                const ElfW(Nhdr) *nh = (const ElfW(Nhdr) *)(const void *)p;
                const char *name = p + sizeof *nh;
                const unsigned char *desc = (const unsigned char *)name + ((nh->n_namesz + 3) & ~3u);
                if ((const char *)desc + nh->n_descsz > end)
                    break;
                if (nh->n_type == NT_GNU_BUILD_ID && nh->n_namesz == 4 && memcmp(name, "GNU", 4) == 0) {
                    for (unsigned k = 0; k < nh->n_descsz && k < 47; k++)
                        snprintf(bid + 2 * k, 3, "%02x", desc[k]);
                    break;
                }
                p = (const char *)desc + ((nh->n_descsz + 3) & ~3u);
            }
        }
    }
    if (hi <= lo)
        return 0;
    if (ms->n % 32 == 0) {
        struct ccx_module *nm = realloc(ms->m, sizeof *nm * (size_t)(ms->n + 32));
        if (!nm)
            return 1;
        ms->m = nm;
    }
    struct ccx_module *m = &ms->m[ms->n];
    memset(m, 0, sizeof *m);
    if (info->dlpi_name && info->dlpi_name[0]) {
        m->path = strdup(info->dlpi_name);
    } else {
        char exe[4096];
        ssize_t k = readlink("/proc/self/exe", exe, sizeof exe - 1);
        exe[k > 0 ? k : 0] = 0;
        m->path = strdup(exe);
    }
    if (!m->path)
        return 1;
    m->base = info->dlpi_addr;
    m->lo = lo;
    m->hi = hi;
    memcpy(m->build_id, bid, sizeof bid);
    ms->n++;
    return 0;
}

static int cmp_mod(const void *a, const void *b)
{
    const struct ccx_module *x = a, *y = b;
    return x->lo < y->lo ? -1 : x->lo > y->lo;
}

int ccx_modules_scan(struct ccx_modules *ms)
{
    ms->m = NULL;
    ms->n = 0;
    dl_iterate_phdr(scan_cb, ms);
    if (ms->n)
        qsort(ms->m, (size_t)ms->n, sizeof *ms->m, cmp_mod);
    return 0;
}

void ccx_modules_free(struct ccx_modules *ms)
{
    for (int i = 0; i < ms->n; i++)
        free(ms->m[i].path);
    free(ms->m);
    ms->m = NULL;
    ms->n = 0;
}

int ccx_module_find(const struct ccx_modules *ms, uintptr_t addr)
{
    int lo = 0, hi = ms->n - 1, best = -1;
    while (lo <= hi) {
        int mid = (lo + hi) / 2;
        if (ms->m[mid].lo <= addr) {
            best = mid;
            lo = mid + 1;
        } else {
            hi = mid - 1;
        }
    }
    if (best >= 0 && addr < ms->m[best].hi)
        return best;
    return -1;
}

/* Adds the function symbols of one ELF file; returns 1 if it had .symtab. */
static int load_file(struct ccx_symtab *t, const char *path, int slot, size_t *cap)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return 0;
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || (size_t)st.st_size < sizeof(ElfW(Ehdr))) {
        close(fd);
        return 0;
    }
    size_t len = (size_t)st.st_size;
    const unsigned char *img = mmap(NULL, len, PROT_READ, MAP_PRIVATE, fd, 0);
    close(fd);
    if (img == MAP_FAILED)
        return 0;
    t->maps[slot] = (void *)img;
    t->map_len[slot] = len;
    const ElfW(Ehdr) *eh = (const void *)img;
    if (memcmp(eh->e_ident, ELFMAG, SELFMAG) != 0 || eh->e_ident[EI_CLASS] != ELFCLASS64 ||
        eh->e_shoff == 0 || eh->e_shoff + (uint64_t)eh->e_shnum * sizeof(ElfW(Shdr)) > len)
        return 0;
    const ElfW(Shdr) *sh = (const void *)(img + eh->e_shoff);
    int had_symtab = 0;
    for (int i = 0; i < eh->e_shnum; i++) {
        if (sh[i].sh_type != SHT_SYMTAB && sh[i].sh_type != SHT_DYNSYM)
            continue;
        if (sh[i].sh_link >= eh->e_shnum || sh[i].sh_offset + sh[i].sh_size > len)
            continue;
        const ElfW(Shdr) *strs = &sh[sh[i].sh_link];
        if (strs->sh_offset + strs->sh_size > len || strs->sh_type == SHT_NOBITS || sh[i].sh_type == SHT_NOBITS)
            continue;
        if (sh[i].sh_type == SHT_SYMTAB)
            had_symtab = 1;
        const ElfW(Sym) *sy = (const void *)(img + sh[i].sh_offset);
        size_t count = sh[i].sh_size / sizeof(ElfW(Sym));
        const char *names = (const char *)img + strs->sh_offset;
        for (size_t k = 0; k < count; k++) {
            int type = ELF64_ST_TYPE(sy[k].st_info);
            if ((type != STT_FUNC && type != STT_GNU_IFUNC) || sy[k].st_shndx == SHN_UNDEF || sy[k].st_value == 0 ||
                sy[k].st_name >= strs->sh_size)
                continue;
            if (t->n == *cap) {
                size_t nc = *cap ? *cap * 2 : 1024;
                struct sym *ns = realloc(t->s, nc * sizeof *ns);
                if (!ns)
                    return had_symtab;
                t->s = ns;
                *cap = nc;
            }
            t->s[t->n].value = sy[k].st_value;
            t->s[t->n].size = sy[k].st_size;
            t->s[t->n].name = names + sy[k].st_name;
            t->n++;
        }
    }
    return had_symtab;
}

static int cmp_sym(const void *a, const void *b)
{
    const struct sym *x = a, *y = b;
    if (x->value != y->value)
        return x->value < y->value ? -1 : 1;
    /* prefer the sized, global-looking one first: larger size first */
    return x->size > y->size ? -1 : x->size < y->size;
}

static struct ccx_symtab *symtab_for(struct ccx_module *m)
{
    if (m->syms)
        return m->syms;
    char key[4200];
    snprintf(key, sizeof key, "%s\n%s", m->path, m->build_id);
    for (struct ccx_symtab *t = cache; t; t = t->next)
        if (strcmp(t->key, key) == 0)
            return m->syms = t;
    struct ccx_symtab *t = calloc(1, sizeof *t);
    if (!t)
        return NULL;
    t->key = strdup(key);
    size_t cap = 0;
    int full = m->path[0] == '/' && load_file(t, m->path, 0, &cap);
    if (!full && m->build_id[0]) {
        char dbg[256];
        snprintf(dbg, sizeof dbg, "/usr/lib/debug/.build-id/%.2s/%s.debug", m->build_id, m->build_id + 2);
        load_file(t, dbg, 1, &cap);
    }
    if (t->n)
        qsort(t->s, t->n, sizeof *t->s, cmp_sym);
    t->next = cache;
    cache = t;
    return m->syms = t;
}

const char *ccx_symbolize(struct ccx_module *m, uintptr_t off, uint64_t *sym_off)
{
    struct ccx_symtab *t = symtab_for(m);
    if (!t || !t->n)
        return NULL;
    /* A return address: look up the call instruction's byte (off - 1). */
    uintptr_t a = off ? off - 1 : 0;
    size_t lo = 0, hi = t->n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (t->s[mid].value <= a)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo == 0)
        return NULL;
    /* Among the symbols at or below a, find one that contains it. */
    for (size_t i = lo; i-- > 0 && lo - i < 64;) {
        const struct sym *s = &t->s[i];
        if (s->size == 0 ? i == lo - 1 : a < s->value + s->size) {
            *sym_off = off - s->value;
            return s->name;
        }
    }
    return NULL;
}
