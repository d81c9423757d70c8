/*
 * cxlbench: memory throughput, latency and code execution of a devdax
 * device (a CXL region) or of ordinary anonymous RAM, for bench/run.sh.
 *
 *   cxlbench LABEL PATH|ram|node:N SIZE [THREADS]
 *
 * maps SIZE bytes (a multiple of 2 MiB) of PATH (e.g. /dev/dax0.0), or of
 * fresh anonymous memory for "ram", or of fresh anonymous memory bound to
 * NUMA node N (mbind MPOL_BIND, raw syscalls: no libnuma in the guest) for
 * "node:N", e.g. a CXL region onlined as system RAM through kmem, and
 * prints one line per figure:
 *
 *   cxlbench: LABEL METRIC VALUE
 *
 *   write_cold_MBps  the first 8-byte store pass over the buffer: it also
 *                    pays the first touch of each host page behind it
 *   write_MBps       sequential 8-byte volatile stores, after that pass
 *   read_MBps        sequential 8-byte volatile loads
 *   check            ok when every load pass read back what the store
 *                    passes had written, bad otherwise
 *   memcpy_MBps      memcpy of the first half of the buffer into the
 *                    second half (bytes copied per second)
 *   lat_ns           random dependent 8-byte loads (a pointer chase over
 *                    one word per 64-byte line in a random cyclic order),
 *                    nanoseconds per load
 *   exec             yes when a small position-independent loop copied
 *                    into the buffer (mapped PROT_EXEC) runs and returns
 *                    the same result as in RAM, no otherwise
 *   exec_ns          nanoseconds per iteration of that loop there
 *   placement        node:N only: ok when every page of the buffer was on
 *                    node N after the first store pass and again after the
 *                    last figure, and the page the loop ran from was too
 *                    (move_pages(2) asked where each page is), bad
 *                    otherwise; then the counts, e.g. "ok 4096/4096 pages
 *                    on node 3 after the first store pass, 4096/4096 at
 *                    the end, code page on node 3"
 *
 * With THREADS > 1 (one thread per CPU, pinned), every thread streams its
 * own slice of the buffer at the same time and the throughputs are the
 * aggregate (all bytes over the slowest thread's time); lat_ns and exec
 * are then left out. Every timing repeats its pass until at least
 * MIN_SECONDS have passed (at least once), so a fast memory is timed over
 * more than one pass and a slow one over exactly one; every figure but
 * write_cold_MBps and exec_ns is the median of REPEAT timings.
 * Exit status 0, 2 when the buffer cannot be mapped.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MIN_SECONDS 0.25
#define REPEAT 5
#define MAX_THREADS 16
#define LINE 64

static double now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

/*
 * NUMA binding and placement, by raw syscalls (the guest has no libnuma):
 * mbind(2) MPOL_BIND to one node, move_pages(2) with no target nodes to ask
 * where pages are.
 */
#define MPOL_BIND_ 2
#define NODEMASK_LONGS 16       /* 1024 nodes, Linux's most (NODES_SHIFT 10) */

static int bind_node(void *p, size_t len, int node)
{
    unsigned long mask[NODEMASK_LONGS] = { 0 };

    if (node < 0 || node >= NODEMASK_LONGS * 64) {
        errno = EINVAL;
        return -1;
    }
    mask[node / 64] = 1UL << (node % 64);
    return syscall(SYS_mbind, p, len, MPOL_BIND_, mask,
                   (unsigned long)NODEMASK_LONGS * 64 + 1, 0UL);
}

struct where {
    long pages;                 /* of the range */
    long on;                    /* on the node asked for */
    long absent;                /* not present (or move_pages failed: all) */
    int other;                  /* some other node a page was on, or -1 */
};

static struct where where(void *p, size_t len, int node)
{
    long psize = sysconf(_SC_PAGESIZE), i;
    struct where w = { .pages = len / psize, .other = -1 };
    void **pages = malloc(w.pages * sizeof(*pages));
    int *status = malloc(w.pages * sizeof(*status));

    if (!pages || !status) {
        w.absent = w.pages;
    } else {
        for (i = 0; i < w.pages; i++) {
            pages[i] = (char *)p + i * psize;
            status[i] = -1;
        }
        if (syscall(SYS_move_pages, 0, (unsigned long)w.pages, pages, NULL, status, 0) < 0) {
            fprintf(stderr, "cxlbench: move_pages: %s\n", strerror(errno));
            w.absent = w.pages;
        } else {
            for (i = 0; i < w.pages; i++) {
                if (status[i] == node) {
                    w.on++;
                } else if (status[i] < 0) {
                    w.absent++;
                } else {
                    w.other = status[i];
                }
            }
        }
    }
    free(pages);
    free(status);
    return w;
}

static const char *where_str(struct where w, char *buf, size_t size)
{
    int n = snprintf(buf, size, "%ld/%ld", w.on, w.pages);

    if (w.other >= 0 && n > 0 && (size_t)n < size) {
        n += snprintf(buf + n, size - n, " (others on node %d", w.other);
        if (w.absent && n > 0 && (size_t)n < size) {
            n += snprintf(buf + n, size - n, ", %ld absent", w.absent);
        }
        if (n > 0 && (size_t)n < size) {
            snprintf(buf + n, size - n, ")");
        }
    } else if (w.absent && n > 0 && (size_t)n < size) {
        snprintf(buf + n, size - n, " (%ld absent)", w.absent);
    }
    return buf;
}

/* Streaming passes over one slice */

enum pass { PASS_WRITE, PASS_READ, PASS_MEMCPY };

struct slice {
    volatile uint64_t *p;
    size_t len;                 /* bytes, multiple of 16 */
    enum pass pass;
    int cpu;
    int passes;                 /* 0: repeat until MIN_SECONDS */
    pthread_barrier_t *barrier;
    double seconds;
    uint64_t bytes;
    uint64_t expect;            /* sum of the slice as PASS_WRITE leaves it */
    int bad;                    /* a PASS_READ saw another sum */
};

#define SEED 0x5a5a5a5a12345678ULL

static uint64_t one_pass(struct slice *s)
{
    size_t words = s->len / 8, i;
    uint64_t sum = 0;

    switch (s->pass) {
    case PASS_WRITE:
        for (i = 0; i < words; i++) {
            s->p[i] = i ^ SEED;
        }
        return s->len;
    case PASS_READ:
        for (i = 0; i < words; i++) {
            sum += s->p[i];
        }
        s->bad |= sum != s->expect;
        return s->len;
    case PASS_MEMCPY:
        memcpy((void *)(s->p + words / 2), (void *)s->p, s->len / 2);
        return s->len / 2;
    }
    return 0;
}

static void *stream(void *opaque)
{
    struct slice *s = opaque;
    double t0;
    uint64_t round = 0;
    size_t i;

    for (s->expect = 0, i = 0; i < s->len / 8; i++) {
        s->expect += i ^ SEED;
    }
    if (s->cpu >= 0) {
        cpu_set_t set;

        CPU_ZERO(&set);
        CPU_SET(s->cpu, &set);
        sched_setaffinity(0, sizeof(set), &set);
    }
    if (s->barrier) {
        pthread_barrier_wait(s->barrier);
    }
    s->bytes = 0;
    t0 = now();
    do {
        s->bytes += one_pass(s);
        round++;
        s->seconds = now() - t0;
    } while (s->passes ? (int)round < s->passes : s->seconds < MIN_SECONDS);
    return NULL;
}

/* A PASS_READ found other data than the PASS_WRITE before it had left */
static int read_back_bad;

/* Aggregate MB/s of THREADS threads each streaming its own slice */
static double run_streams(volatile uint64_t *buf, size_t len, enum pass pass,
                          int threads, int passes)
{
    struct slice s[MAX_THREADS];
    pthread_t tid[MAX_THREADS];
    pthread_barrier_t barrier;
    size_t slice = len / threads & ~(size_t)4095;
    double seconds = 0;
    uint64_t bytes = 0;
    int t;

    if (threads == 1) {
        memset(&s[0], 0, sizeof(s[0]));
        s[0] = (struct slice){ .p = buf, .len = len, .pass = pass, .cpu = -1,
                               .passes = passes };
        stream(&s[0]);
        read_back_bad |= s[0].bad;
        return s[0].bytes / s[0].seconds / 1e6;
    }
    pthread_barrier_init(&barrier, NULL, threads);
    for (t = 0; t < threads; t++) {
        s[t] = (struct slice){ .p = buf + t * slice / 8, .len = slice, .pass = pass,
                               .cpu = t, .passes = passes, .barrier = &barrier };
        pthread_create(&tid[t], NULL, stream, &s[t]);
    }
    for (t = 0; t < threads; t++) {
        pthread_join(tid[t], NULL);
        bytes += s[t].bytes;
        read_back_bad |= s[t].bad;
        if (s[t].seconds > seconds) {
            seconds = s[t].seconds;
        }
    }
    pthread_barrier_destroy(&barrier);
    return bytes / seconds / 1e6;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return x < y ? -1 : x > y;
}

static double median_streams(volatile uint64_t *buf, size_t len, enum pass pass, int threads)
{
    double v[REPEAT];
    int i;

    for (i = 0; i < REPEAT; i++) {
        v[i] = run_streams(buf, len, pass, threads, 0);
    }
    qsort(v, REPEAT, sizeof(v[0]), cmp_double);
    return v[REPEAT / 2];
}

/* Random dependent loads: a cyclic permutation of the lines (Sattolo) */
static uint64_t rng_state = 0x2545f4914f6cdd1dULL;

static uint64_t rng(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

static double chase(volatile uint64_t *buf, size_t len)
{
    size_t lines = len / LINE, i, stride = LINE / 8;
    uint32_t *order = malloc(lines * sizeof(*order));
    uint64_t steps = 1024, done, x;
    double t0, dt, v[REPEAT];

    if (!order) {
        return -1;
    }
    for (i = 0; i < lines; i++) {
        order[i] = i;
    }
    for (i = lines - 1; i > 0; i--) {
        size_t j = rng() % i;
        uint32_t tmp = order[i];

        order[i] = order[j];
        order[j] = tmp;
    }
    /* line order[i] points at line order[i + 1] (word index) */
    for (i = 0; i < lines; i++) {
        buf[(size_t)order[i] * stride] = (uint64_t)order[(i + 1) % lines] * stride;
    }
    free(order);
    for (;;) {
        x = 0;
        t0 = now();
        for (done = 0; done < steps; done++) {
            x = buf[x];
        }
        dt = now() - t0;
        if (dt >= MIN_SECONDS || steps >= (1ULL << 40)) {
            break;
        }
        steps *= dt > MIN_SECONDS / 64 ? 2 : 16;
    }
    v[0] = dt;
    for (i = 1; i < REPEAT; i++) {
        t0 = now();
        for (done = 0; done < steps; done++) {
            x = buf[x];
        }
        v[i] = now() - t0;
    }
    if (x == ~0ULL) {
        printf("impossible\n");
    }
    qsort(v, REPEAT, sizeof(v[0]), cmp_double);
    return v[REPEAT / 2] * 1e9 / steps;
}

/*
 * Code execution: spin() is copied byte for byte, so it must be position
 * independent and self-contained: no calls, no data, constants as
 * immediates. It sits alone in its own section, whose bounds the linker
 * gives as __start_/__stop_ symbols.
 */
__attribute__((noinline, used, section("cxlbench_code")))
uint64_t spin(uint64_t n)
{
    uint64_t x = n;

    while (n--) {
        x = x * 6364136223846793005ULL + 1442695040888963407ULL;
        __asm__ volatile("" : "+r"(x));
    }
    return x;
}

extern char __start_cxlbench_code[], __stop_cxlbench_code[];

typedef uint64_t spin_fn(uint64_t);

/* ns per iteration of spin() copied to CODE, -1 when it gave a wrong result */
static double time_spin(void *code)
{
    size_t size = __stop_cxlbench_code - __start_cxlbench_code;
    spin_fn *fn = (spin_fn *)code;
    uint64_t n = 256;
    double t0, dt;

    memcpy(code, __start_cxlbench_code, size);
    __builtin___clear_cache(code, (char *)code + size);
    if (fn(1000) != spin(1000)) {
        return -1;
    }
    for (;;) {
        t0 = now();
        fn(n);
        dt = now() - t0;
        if (dt >= MIN_SECONDS || n >= (1ULL << 40)) {
            break;
        }
        n *= dt > MIN_SECONDS / 64 ? 2 : 16;
    }
    return dt * 1e9 / n;
}

/*
 * Run it in a child process: a mapping that cannot execute kills the child
 * (SIGSEGV, SIGBUS, SIGILL), not us; one that hangs is killed by the alarm.
 * With NODE >= 0 the child's anonymous mapping is bound to that node too;
 * returns the node its code page was on (-1: unknown).
 */
struct exec_result {
    double ns;
    int node;
};

static int exec_test(const char *label, int fd, size_t len, int node)
{
    int pipefd[2], status;
    struct exec_result res = { .ns = -1, .node = -1 };
    double ns = -1;
    pid_t pid;

    if (pipe(pipefd) < 0) {
        return -1;
    }
    pid = fork();
    if (pid == 0) {
        void *code;

        close(pipefd[0]);
        alarm(120);
        if (fd >= 0) {
            code = mmap(NULL, len, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_SHARED, fd, 0);
        } else {
            code = mmap(NULL, len, PROT_READ | PROT_WRITE | PROT_EXEC,
                        MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
            if (code != MAP_FAILED && node >= 0 && bind_node(code, len, node) < 0) {
                fprintf(stderr, "cxlbench: %s: mbind to node %d: %s\n", label, node,
                        strerror(errno));
                _exit(3);
            }
        }
        if (code == MAP_FAILED) {
            fprintf(stderr, "cxlbench: %s: PROT_EXEC mmap: %s\n", label, strerror(errno));
            _exit(3);
        }
        res.ns = time_spin(code);
        if (node >= 0) {
            struct where w = where(code, sysconf(_SC_PAGESIZE), node);

            res.node = w.on ? node : w.other;
        }
        if (write(pipefd[1], &res, sizeof(res)) != sizeof(res)) {
            _exit(4);
        }
        _exit(0);
    }
    close(pipefd[1]);
    if (pid < 0 || read(pipefd[0], &res, sizeof(res)) != sizeof(res)) {
        res.ns = -1;
        res.node = -1;
    }
    ns = res.ns;
    close(pipefd[0]);
    if (pid > 0) {
        waitpid(pid, &status, 0);
        if (WIFSIGNALED(status)) {
            fprintf(stderr, "cxlbench: %s: code in the buffer died by signal %d\n",
                    label, WTERMSIG(status));
            ns = -1;
        }
    }
    printf("cxlbench: %s exec %s\n", label, ns > 0 ? "yes" : "no");
    if (ns > 0) {
        printf("cxlbench: %s exec_ns %.3f\n", label, ns);
    }
    fflush(stdout);
    return res.node;
}

int main(int argc, char **argv)
{
    const char *label, *path;
    size_t len;
    int threads = 1, fd = -1, node = -1, code_node = -1;
    volatile uint64_t *buf;
    struct where first = { 0 }, last = { 0 };

    if (argc < 4) {
        fprintf(stderr, "usage: cxlbench LABEL PATH|ram|node:N SIZE [THREADS]\n");
        return 2;
    }
    label = argv[1];
    path = argv[2];
    len = strtoull(argv[3], NULL, 0);
    if (argc > 4) {
        threads = atoi(argv[4]);
    }
    if (threads < 1 || threads > MAX_THREADS || len < (2 << 20) || len % (2 << 20)) {
        fprintf(stderr, "cxlbench: SIZE must be a multiple of 2 MiB, THREADS 1..%d\n",
                MAX_THREADS);
        return 2;
    }
    if (strcmp(path, "ram") == 0 || strncmp(path, "node:", 5) == 0) {
        buf = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (buf != MAP_FAILED && path[0] == 'n') {
            char *end;

            node = strtol(path + 5, &end, 10);
            if (end == path + 5 || *end || bind_node((void *)buf, len, node) < 0) {
                fprintf(stderr, "cxlbench: %s: cannot bind to that node: %s\n", path,
                        end == path + 5 || *end ? "not a number" : strerror(errno));
                return 2;
            }
        }
    } else {
        fd = open(path, O_RDWR);
        if (fd < 0) {
            fprintf(stderr, "cxlbench: %s: %s\n", path, strerror(errno));
            return 2;
        }
        buf = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    }
    if (buf == MAP_FAILED) {
        fprintf(stderr, "cxlbench: mmap %s, %zu bytes: %s\n", path, len, strerror(errno));
        return 2;
    }
    setvbuf(stdout, NULL, _IOLBF, 0);
    printf("cxlbench: %s write_cold_MBps %.1f\n", label,
           run_streams(buf, len, PASS_WRITE, threads, 1));
    if (node >= 0) {
        first = where((void *)buf, len, node);
    }
    printf("cxlbench: %s write_MBps %.1f\n", label,
           median_streams(buf, len, PASS_WRITE, threads));
    printf("cxlbench: %s read_MBps %.1f\n", label,
           median_streams(buf, len, PASS_READ, threads));
    printf("cxlbench: %s check %s\n", label, read_back_bad ? "bad" : "ok");
    printf("cxlbench: %s memcpy_MBps %.1f\n", label,
           median_streams(buf, len, PASS_MEMCPY, threads));
    if (threads == 1) {
        printf("cxlbench: %s lat_ns %.1f\n", label, chase(buf, len));
        code_node = exec_test(label, fd, len, node);
    }
    if (node >= 0) {
        char a[96], b[96];

        last = where((void *)buf, len, node);
        printf("cxlbench: %s placement %s %s pages on node %d after the first store pass, "
               "%s at the end", label,
               first.on == first.pages && last.on == last.pages &&
               (threads > 1 || code_node == node) ? "ok" : "bad",
               where_str(first, a, sizeof(a)), node, where_str(last, b, sizeof(b)));
        if (threads == 1) {
            printf(", code page on node %d", code_node);
        }
        printf("\n");
    }
    return 0;
}
