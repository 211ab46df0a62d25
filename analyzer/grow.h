/* grow.h - room for one more element in an array that doubles as it fills.
 *
 * The analyzer's growable arrays (the table's rows, frames and stack
 * vector, flame-graph children, lists of input paths) each keep a pointer,
 * a count and a capacity; ccx_grow() is the one copy of the doubling:
 *
 *     struct row **p = ccx_grow(rows, n, &cap, sizeof *p, 1024);
 *     if (!p)
 *         return -1;          (out of memory: rows and cap as they were)
 *     rows = p;
 *     rows[n++] = row;
 *
 * Strings have their own pool (strpool.h).
 */
#ifndef CCX_GROW_H
#define CCX_GROW_H

#include <stdint.h>
#include <stdlib.h>

/* For appending element N (N <= *CAP) to ARR of *CAP elements of SIZE
 * bytes: ARR itself when there is room, else ARR reallocated to twice
 * *CAP (FIRST when *CAP is 0) with *CAP updated.  NULL when out of memory,
 * ARR and *CAP left as they were. */
static inline void *ccx_grow(void *arr, size_t n, size_t *cap, size_t size, size_t first)
{
    if (n < *cap)
        return arr;
    size_t c = *cap ? *cap * 2 : first;
    if (c > SIZE_MAX / size)
        return NULL;
    void *p = realloc(arr, c * size);
    if (p)
        *cap = c;
    return p;
}

#endif
