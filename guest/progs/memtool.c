/*
 * memtool: fill or check a byte range of a file or device with a
 * reproducible pattern, through mmap (so it works on /dev/daxN.M) or
 * read/write. Built static for the guest and natively for the host, so
 * that a pattern written on one side is checked on the other.
 *
 *   memtool fill  PATH OFFSET LENGTH SEED [--rw]
 *   memtool check PATH OFFSET LENGTH SEED [--rw]
 *   memtool anon  LENGTH SEED [--phys]
 *
 * The 8-byte word at absolute offset A (A % 8 == 0) holds
 * pattern(SEED, A / 8); bytes are little-endian. OFFSET and LENGTH must be
 * multiples of 8. Exit status 0 on success, 1 on a mismatch, 2 on error.
 *
 * anon: fill LENGTH bytes of fresh anonymous memory (so under whatever
 * NUMA policy the caller set, e.g. numactl --membind) with the pattern as
 * if at offset 0, check it, then, still holding it, print how many pages
 * sit on each NUMA node ("memtool: node N pages P") and every node's
 * MemUsed ("memtool: node N MemUsed K kB"). With --phys also the physical
 * page runs from /proc/self/pagemap (root only): "memtool: phys PAGE PFN
 * COUNT", page PAGE of the buffer at page frame PFN, for COUNT pages, so
 * that the host can find the words in the backing files.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
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
    fprintf(stderr, "usage: memtool fill|check PATH OFFSET LENGTH SEED [--rw]\n"
                    "       memtool anon LENGTH SEED [--phys]\n");
    return 2;
}

#define MAX_NODES 64

static int anon(uint64_t len, uint64_t seed, int phys)
{
    long pg = sysconf(_SC_PAGESIZE);
    uint64_t words = len / 8, pages = (len + pg - 1) / pg, bad = 0;
    uint64_t *buf = mmap(NULL, len, PROT_READ | PROT_WRITE,
                         MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (buf == MAP_FAILED) {
        fprintf(stderr, "memtool: mmap %" PRIu64 " bytes: %s\n", len, strerror(errno));
        return 2;
    }
    for (uint64_t i = 0; i < words; i++) {
        buf[i] = pattern(seed, i);
    }
    for (uint64_t i = 0; i < words; i++) {
        if (buf[i] != pattern(seed, i)) {
            if (bad < 8) {
                fprintf(stderr, "memtool: anon offset 0x%" PRIx64 ": 0x%016" PRIx64
                        " expected 0x%016" PRIx64 "\n", i * 8, buf[i], pattern(seed, i));
            }
            bad++;
        }
    }
    /* Which node each page is on: move_pages with no target nodes */
    void **addr = malloc(pages * sizeof(*addr));
    int *status = malloc(pages * sizeof(*status));
    uint64_t count[MAX_NODES] = { 0 }, other = 0;
    if (!addr || !status) {
        return 2;
    }
    for (uint64_t p = 0; p < pages; p++) {
        addr[p] = (char *)buf + p * pg;
    }
    if (syscall(SYS_move_pages, 0, pages, addr, NULL, status, 0)) {
        fprintf(stderr, "memtool: move_pages: %s\n", strerror(errno));
        return 2;
    }
    for (uint64_t p = 0; p < pages; p++) {
        if (status[p] >= 0 && status[p] < MAX_NODES) {
            count[status[p]]++;
        } else {
            other++;
        }
    }
    for (int n = 0; n < MAX_NODES; n++) {
        if (count[n]) {
            printf("memtool: node %d pages %" PRIu64 "\n", n, count[n]);
        }
    }
    if (other) {
        printf("memtool: pages on no node: %" PRIu64 "\n", other);
    }
    for (int n = 0; n < MAX_NODES; n++) {
        char path[64], line[256];
        snprintf(path, sizeof(path), "/sys/devices/system/node/node%d/meminfo", n);
        FILE *f = fopen(path, "r");
        if (!f) {
            continue;
        }
        while (fgets(line, sizeof(line), f)) {
            unsigned long kb;
            if (sscanf(line, "Node %*d MemUsed: %lu kB", &kb) == 1) {
                printf("memtool: node %d MemUsed %lu kB\n", n, kb);
            }
        }
        fclose(f);
    }
    if (phys) {
        int fd = open("/proc/self/pagemap", O_RDONLY);
        uint64_t run_page = 0, run_pfn = 0, run_len = 0;
        if (fd < 0) {
            fprintf(stderr, "memtool: open /proc/self/pagemap: %s\n", strerror(errno));
            return 2;
        }
        for (uint64_t p = 0; p <= pages; p++) {
            uint64_t e = 0, pfn = 0;
            if (p < pages) {
                uint64_t vpn = (uint64_t)(uintptr_t)addr[p] / pg;
                if (pread(fd, &e, 8, vpn * 8) != 8 || !(e >> 63)) {
                    fprintf(stderr, "memtool: page %" PRIu64 " not present\n", p);
                    return 2;
                }
                pfn = e & ((1ULL << 55) - 1);
                if (!pfn) {
                    fprintf(stderr, "memtool: pagemap gives no PFNs (not root?)\n");
                    return 2;
                }
            }
            if (run_len && p < pages && pfn == run_pfn + run_len) {
                run_len++;
                continue;
            }
            if (run_len) {
                printf("memtool: phys %" PRIu64 " 0x%" PRIx64 " %" PRIu64 "\n",
                       run_page, run_pfn, run_len);
            }
            run_page = p, run_pfn = pfn, run_len = 1;
        }
        close(fd);
    }
    if (bad) {
        fprintf(stderr, "memtool: %" PRIu64 " of %" PRIu64 " words differ\n", bad, words);
        return 1;
    }
    printf("memtool: anon 0x%" PRIx64 " seed %" PRIu64 ": ok\n", len, seed);
    fflush(stdout);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc >= 4 && !strcmp(argv[1], "anon")) {
        uint64_t len = strtoull(argv[2], NULL, 0);
        if (!len || len % 8) {
            fprintf(stderr, "memtool: LENGTH must be a non-zero multiple of 8\n");
            return 2;
        }
        return anon(len, strtoull(argv[3], NULL, 0), argc > 4 && !strcmp(argv[4], "--phys"));
    }
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
