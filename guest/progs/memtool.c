/*
 * memtool: fill or check a byte range of a file or device with a
 * reproducible pattern, through mmap (so it works on /dev/daxN.M) or
 * read/write. Built static for the guest and natively for the host, so
 * that a pattern written on one side is checked on the other.
 *
 *   memtool fill  PATH OFFSET LENGTH SEED [--rw]
 *   memtool check PATH OFFSET LENGTH SEED [--rw]
 *
 * The 8-byte word at absolute offset A (A % 8 == 0) holds
 * pattern(SEED, A / 8); bytes are little-endian. OFFSET and LENGTH must be
 * multiples of 8. Exit status 0 on success, 1 on a mismatch, 2 on error.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static uint64_t pattern(uint64_t seed, uint64_t index)
{
    /* splitmix64 of seed and word index */
    uint64_t z = seed * 0x9e3779b97f4a7c15ULL + index + 1;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static int usage(void)
{
    fprintf(stderr, "usage: memtool fill|check PATH OFFSET LENGTH SEED [--rw]\n");
    return 2;
}

int main(int argc, char **argv)
{
    if (argc < 6) {
        return usage();
    }
    int fill = !strcmp(argv[1], "fill");
    if (!fill && strcmp(argv[1], "check")) {
        return usage();
    }
    const char *path = argv[2];
    uint64_t off = strtoull(argv[3], NULL, 0);
    uint64_t len = strtoull(argv[4], NULL, 0);
    uint64_t seed = strtoull(argv[5], NULL, 0);
    int use_rw = argc > 6 && !strcmp(argv[6], "--rw");
    if (off % 8 || len % 8) {
        fprintf(stderr, "memtool: OFFSET and LENGTH must be multiples of 8\n");
        return 2;
    }
    int fd = open(path, fill ? O_RDWR | O_CREAT : O_RDONLY, 0644);
    if (fd < 0) {
        fprintf(stderr, "memtool: open %s: %s\n", path, strerror(errno));
        return 2;
    }
    uint64_t *buf;
    void *map = NULL;
    long pg = sysconf(_SC_PAGESIZE);
    uint64_t map_off = off & ~(uint64_t)(pg - 1), delta = off - map_off;
    if (!use_rw) {
        map = mmap(NULL, len + delta, fill ? PROT_READ | PROT_WRITE : PROT_READ,
                   MAP_SHARED, fd, map_off);
        if (map == MAP_FAILED) {
            fprintf(stderr, "memtool: mmap %s: %s\n", path, strerror(errno));
            return 2;
        }
        buf = (uint64_t *)((char *)map + delta);
    } else {
        buf = malloc(len);
        if (!buf) {
            return 2;
        }
        if (!fill && pread(fd, buf, len, off) != (ssize_t)len) {
            fprintf(stderr, "memtool: read %s: %s\n", path, strerror(errno));
            return 2;
        }
    }
    uint64_t words = len / 8, bad = 0;
    for (uint64_t i = 0; i < words; i++) {
        uint64_t want = pattern(seed, off / 8 + i);
        if (fill) {
            buf[i] = want;
        } else if (buf[i] != want) {
            if (bad < 8) {
                fprintf(stderr, "memtool: %s offset 0x%" PRIx64 ": 0x%016" PRIx64
                        " expected 0x%016" PRIx64 "\n", path, off + i * 8, buf[i], want);
            }
            bad++;
        }
    }
    if (fill) {
        if (use_rw) {
            if (pwrite(fd, buf, len, off) != (ssize_t)len) {
                fprintf(stderr, "memtool: write %s: %s\n", path, strerror(errno));
                return 2;
            }
        } else if (msync(map, len + delta, MS_SYNC) && errno != EINVAL) {
            /* device dax takes stores directly and refuses msync: EINVAL */
            fprintf(stderr, "memtool: msync %s: %s\n", path, strerror(errno));
            return 2;
        }
        fsync(fd);
    }
    if (bad) {
        fprintf(stderr, "memtool: %" PRIu64 " of %" PRIu64 " words differ\n", bad, words);
        return 1;
    }
    printf("memtool: %s %s 0x%" PRIx64 "+0x%" PRIx64 " seed %" PRIu64 ": ok\n",
           fill ? "filled" : "checked", path, off, len, seed);
    return 0;
}
