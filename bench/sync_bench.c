/* sync_bench: what each way of making a finished download durable costs on this disk.
 * Writes COUNT files of SIZE bytes the way the library writes a download (an exclusive
 * partial file beside the target, written in 16 KB chunks as they would arrive, then
 * renamed), with one of these syncs before the rename:
 *   none               no sync (not durable: the baseline)
 *   fsync              fsync(2)
 *   fdatasync          fdatasync(2): the data and the size, not the times
 *   range+fdatasync    sync_file_range(WRITE) every 1 MB while writing, then fdatasync
 *   fdatasync+dirsync  fdatasync each file, and one fsync of the folder for the batch
 *                      (which makes the renames durable too)
 *
 *   sync_bench MODE DIR COUNT SIZE
 * prints one JSON object: mode, files, bytes, seconds.
 */
#include "common.h"

#include <errno.h>
#include <fcntl.h>

static void die_errno(const char *what) {
    fprintf(stderr, "sync_bench: %s: %s\n", what, strerror(errno));
    exit(1);
}

int main(int argc, char **argv) {
    if (argc < 5) {
        fprintf(stderr, "usage: sync_bench none|fsync|fdatasync|range+fdatasync|fdatasync+dirsync DIR COUNT SIZE\n");
        return 2;
    }
    const char *mode = argv[1], *dir = argv[2];
    int count = atoi(argv[3]);
    long size = atol(argv[4]);
    int ranged = !strcmp(mode, "range+fdatasync"), dirsync = !strcmp(mode, "fdatasync+dirsync");
    int data_only = ranged || dirsync || !strcmp(mode, "fdatasync"), full = !strcmp(mode, "fsync");
    char chunk[16384];
    for (size_t i = 0; i < sizeof chunk; i++) chunk[i] = (char)(i * 131 + 7);
    double t0 = now_s();
    for (int i = 0; i < count; i++) {
        char partial[4096], target[4096];
        snprintf(partial, sizeof partial, "%s/.%d.png.recraft-XXXXXX", dir, i);
        snprintf(target, sizeof target, "%s/%d.png", dir, i);
        int fd = mkstemp(partial);
        if (fd < 0) die_errno("mkstemp");
        long written = 0, started = 0;
        while (written < size) {
            size_t n = (size_t)(size - written < (long)sizeof chunk ? size - written : (long)sizeof chunk);
            if (write(fd, chunk, n) != (ssize_t)n) die_errno("write");
            written += (long)n;
            if (ranged && written - started >= 1 << 20) {
                sync_file_range(fd, started, written - started, SYNC_FILE_RANGE_WRITE);
                started = written;
            }
        }
        if (full && fsync(fd) != 0) die_errno("fsync");
        if (data_only && fdatasync(fd) != 0) die_errno("fdatasync");
        close(fd);
        if (rename(partial, target) != 0) die_errno("rename");
    }
    if (dirsync) {
        int fd = open(dir, O_RDONLY | O_DIRECTORY);
        if (fd < 0 || fsync(fd) != 0) die_errno("fsync of the folder");
        close(fd);
    }
    printf("{\"mode\": \"%s\", \"files\": %d, \"bytes\": %ld, \"seconds\": %.6f}\n", mode, count, size, now_s() - t0);
    return 0;
}
