/*
 * first-touch: what the host alone pays for the first store to each page
 * of a fresh sparse file, for bench/run.sh.
 *
 *   first-touch FILE SIZE
 *
 * creates FILE anew as a sparse file of 256 MiB, maps it shared at a
 * 2 MiB-aligned address with MADV_HUGEPAGE, as QEMU maps a CXL device's
 * memory-backend-file (system/physmem.c), and times two sequential 8-byte
 * store passes over its first SIZE bytes, the first over pages the file
 * does not have yet. Prints
 *
 *   first-touch: write_cold_MBps VALUE
 *   first-touch: write_MBps VALUE
 *
 * and removes FILE. Each new page of a backing file costs the host about
 * this whatever QEMU does, in the state the host is in at the time: its
 * new memory is slow to zero, memory it has just freed fast, so compare
 * it with the guest's first store pass of the same run only. Exit status
 * 0, 2 on a system error.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#define FILE_SIZE (256UL << 20)
#define ALIGN (2UL << 20)

static double now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static double store_pass(volatile uint64_t *p, size_t len, uint64_t seed)
{
    double t0 = now();

    for (size_t i = 0; i < len / 8; i++) {
        p[i] = seed + i;
    }
    return len / (now() - t0) / 1e6;
}

int main(int argc, char **argv)
{
    size_t len;
    int fd;
    uint8_t *area, *p;
    double cold, warm;

    if (argc != 3) {
        fprintf(stderr, "usage: first-touch FILE SIZE\n");
        return 2;
    }
    len = strtoull(argv[2], NULL, 0);
    if (len == 0 || len > FILE_SIZE || len % 8) {
        fprintf(stderr, "first-touch: SIZE must be 8 to %lu bytes, a multiple of 8\n", FILE_SIZE);
        return 2;
    }
    unlink(argv[1]);
    fd = open(argv[1], O_RDWR | O_CREAT | O_EXCL, 0600);
    if (fd < 0 || ftruncate(fd, FILE_SIZE) < 0) {
        fprintf(stderr, "first-touch: %s: %s\n", argv[1], strerror(errno));
        return 2;
    }
    /* Reserve more, then map the file at the first 2 MiB boundary in it */
    area = mmap(NULL, FILE_SIZE + ALIGN, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (area == MAP_FAILED) {
        fprintf(stderr, "first-touch: mmap: %s\n", strerror(errno));
        return 2;
    }
    p = (uint8_t *)(((uintptr_t)area + ALIGN - 1) & ~(ALIGN - 1));
    if (mmap(p, FILE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, fd, 0) == MAP_FAILED) {
        fprintf(stderr, "first-touch: mmap %s: %s\n", argv[1], strerror(errno));
        return 2;
    }
    madvise(p, FILE_SIZE, MADV_HUGEPAGE);
    cold = store_pass((volatile uint64_t *)p, len, 1);
    warm = store_pass((volatile uint64_t *)p, len, 2);
    printf("first-touch: write_cold_MBps %.1f\nfirst-touch: write_MBps %.1f\n", cold, warm);
    unlink(argv[1]);
    return 0;
}
