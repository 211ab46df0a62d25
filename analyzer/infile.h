/* infile.h - opening an input file (snapshot, CSV) without ever blocking.
 *
 * open() of a FIFO waits for a writer, forever if none comes; a device may
 * block or have side effects.  ccx_open_input opens with O_NONBLOCK, looks
 * at what it opened (fstat) and refuses anything but a regular file before
 * reading a byte; then clears O_NONBLOCK.  Directories listed for their
 * snapshots or CSVs (model.c) skip such entries with a warning.
 */
#ifndef CCX_INFILE_H
#define CCX_INFILE_H

#include <stddef.h>
#include <sys/stat.h>

/* A descriptor on the regular file PATH, its size in *size; or -1 with one
 * line (without the file name) in err: the error of open(), "is a
 * directory", "not a regular file (a FIFO)" and so on. */
int ccx_open_input(const char *path, size_t *size, char *err, size_t errlen);
/* "a FIFO", "a socket", "a character device", ... for a stat mode. */
const char *ccx_file_kind(mode_t mode);

#endif
