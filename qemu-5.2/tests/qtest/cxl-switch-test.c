/*
 * qtest of interleaving through CXL switches, without a kernel: trees of
 * host bridges, root ports and one or two levels of switches (cxl-upstream
 * with cxl-downstream ports) with a Type 3 device below every leaf port.
 * A small enumerator does firmware's work; the test programs every HDM
 * decoder on the way (host bridges, switch upstream ports, endpoints)
 * through MMIO as a driver would, writes through the window and finds
 * each byte in the backing file and offset the CXL 2.0 interleave gives,
 * then seeds the files and reads back through the window. Every case ends
 * by comparing each whole backing file, the region's and the spare ones,
 * with a shadow of what the case wrote (cxl-qtest.h): a write that lands
 * twice, or anywhere it should not, fails it.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "qemu/osdep.h"
#include "qemu/host-utils.h"
#include "libqos/libqtest.h"
#include "qapi/qmp/qdict.h"
#include "hw/cxl/cxl-decode.h"
#include "cxl-qtest.h"

#define MAX_LEVELS      4               /* window, host bridge, 2 switches */
#define MAX_DEV         32
#define HB_BUS(h)       (12 + 60 * (h))

/*
 * A tree: @hbs host bridges in the window, @rps root ports on each, and
 * below each root port @sw[0] downstream ports of a switch, below each of
 * those (if @sw[1]) another switch with @sw[1] downstream ports. Every
 * level interleaves all its children; the region spans every device.
 */
typedef struct Case {
    const char *name;
    unsigned hbs, rps, sw[2];
    unsigned gran;                      /* the region's granularity */
    unsigned spare;                     /* more root ports, outside the region */
} Case;

typedef struct Tree {
    const Case *c;
    QTestState *qts;
    unsigned nlevels, ways[MAX_LEVELS], gran[MAX_LEVELS];
    unsigned ndev, nall;                /* devices in the region, in all */
    uint64_t window, size;
    char *args;                         /* the command line */
    char *file[MAX_DEV];
    int fd[MAX_DEV];
    CXLShadow sh;                       /* what the files must hold */
} Tree;

/*
 * Each level's granularity: power-of-two levels split the low bits of the
 * stripe index, the upper level the lower bits; a 3, 6 or 12-way level
 * takes "mod 3" of what lies above all of them (CXL 2.0 8.2.5.12.7).
 */
static void tree_levels(Tree *t)
{
    const Case *c = t->c;
    unsigned l, pow2 = 1, scale = c->gran;

    t->nlevels = 2;
    t->ways[0] = c->hbs;
    t->ways[1] = c->rps;
    for (l = 0; l < 2 && c->sw[l]; l++) {
        t->ways[t->nlevels++] = c->sw[l];
    }
    t->ndev = 1;
    for (l = 0; l < t->nlevels; l++) {
        t->ndev *= t->ways[l];
        if (is_power_of_2(t->ways[l])) {
            pow2 *= t->ways[l];
        }
    }
    for (l = 0; l < t->nlevels; l++) {
        if (is_power_of_2(t->ways[l])) {
            t->gran[l] = scale;
            scale *= t->ways[l];
        } else {
            t->gran[l] = c->gran * pow2;
        }
    }
}

/* Device index (serial number) and DPA for the HPA offset @off */
static void reference(Tree *t, uint64_t off, unsigned *dev, uint64_t *dpa)
{
    uint64_t hpa = t->window + off;
    unsigned l;

    *dev = 0;
    for (l = 0; l < t->nlevels; l++) {
        *dev = *dev * t->ways[l] + (hpa / t->gran[l]) % t->ways[l];
    }
    *dpa = off / ((uint64_t)t->c->gran * t->ndev) * t->c->gran + off % t->c->gran;
}

static void add_device(Tree *t, GString *cmd, const char *bus)
{
    unsigned d = t->nall++;
    g_autofree char *name = g_strdup_printf("mem%u", d);

    g_assert_cmpuint(d, <, MAX_DEV);
    t->file[d] = cxl_qtest_file("switch", d, 256 * MiB, &t->fd[d]);
    cxl_shadow_add(&t->sh, t->fd[d], 256 * MiB, name);
    g_string_append_printf(cmd,
        " -object memory-backend-file,id=m%u,share=on,mem-path=%s,size=256M"
        " -device cxl-type3,bus=%s,persistent-memdev=m%u,id=mem%u,sn=%u",
        d, t->file[d], bus, d, d, d);
}

/* A switch below port @bus; its downstream ports lead to @sw[level] */
static void add_switch(Tree *t, GString *cmd, const char *bus, unsigned level,
                       unsigned *nsw)
{
    unsigned p, chassis = 100 + *nsw;
    g_autofree char *us = g_strdup_printf("us%u", (*nsw)++);

    g_string_append_printf(cmd, " -device cxl-upstream,bus=%s,id=%s", bus, us);
    for (p = 0; p < t->c->sw[level]; p++) {
        g_autofree char *ds = g_strdup_printf("%s.ds%u", us, p);

        g_string_append_printf(cmd, " -device cxl-downstream,port=%u,bus=%s,id=%s,"
                               "chassis=%u,slot=%u", p, us, ds, chassis, p);
        if (level + 1 < 2 && t->c->sw[level + 1]) {
            add_switch(t, cmd, ds, level + 1, nsw);
        } else {
            add_device(t, cmd, ds);
        }
    }
}

static void tree_start(Tree *t, const Case *c)
{
    GString *cmd = g_string_new("-M q35,cxl=on -m 512M");
    unsigned h, r, nsw = 0;

    memset(t, 0, sizeof(*t));
    t->c = c;
    tree_levels(t);
    t->size = 256 * MiB * t->ndev;
    t->window = QEMU_ALIGN_UP(CHBCR_END, 256 * MiB * c->hbs);
    /* The region's devices first, so that serial numbers follow positions */
    for (h = 0; h < c->hbs; h++) {
        g_string_append_printf(cmd, " -device pxb-cxl,bus_nr=%d,bus=pcie.0,id=hb%u",
                               HB_BUS(h), h);
    }
    for (h = 0; h < c->hbs * 2; h++) {
        unsigned first = h < c->hbs ? 0 : c->rps;
        unsigned last = h < c->hbs ? c->rps : c->rps + c->spare;

        for (r = first; r < last; r++) {
            g_autofree char *rp = g_strdup_printf("rp%u.%u", h % c->hbs, r);

            g_string_append_printf(cmd, " -device cxl-rp,port=%u,bus=hb%u,id=%s,"
                                   "chassis=%u,slot=%u", r, h % c->hbs, rp,
                                   h % c->hbs, r);
            if (c->sw[0]) {
                add_switch(t, cmd, rp, 0, &nsw);
            } else {
                add_device(t, cmd, rp);
            }
        }
    }
    g_string_append(cmd, " -M ");
    for (h = 0; h < c->hbs; h++) {
        g_string_append_printf(cmd, "cxl-fmw.0.targets.%u=hb%u,", h, h);
    }
    g_string_append_printf(cmd, "cxl-fmw.0.size=%uG,cxl-fmw.0.interleave-granularity=%u",
                           4 * c->hbs, t->gran[0]);
    t->args = g_string_free(cmd, false);
    t->qts = cxl_qtest_start("%s", t->args);
}

/*
 * Quit QEMU and, if @check, require every whole file, the region's and
 * the spare ones, to hold what the shadow says: what the case wrote and
 * the seed everywhere else.
 */
static void tree_finish(Tree *t, bool check)
{
    unsigned d;

    qtest_quit(t->qts);
    if (check) {
        cxl_shadow_assert(&t->sh);
    }
    cxl_shadow_free(&t->sh);
    g_free(t->args);
    for (d = 0; d < t->nall; d++) {
        close(t->fd[d]);
        unlink(t->file[d]);
        g_free(t->file[d]);
    }
}

static void tree_stop(Tree *t)
{
    tree_finish(t, true);
}

/*
 * Write @size bytes of @val at region offset @off through the window, and
 * into the shadow where the reference puts them
 */
static void tree_write(Tree *t, uint64_t off, uint64_t val, unsigned size)
{
    uint64_t dpa;
    unsigned b, dev;

    cxl_qtest_write(t->qts, t->window + off, val, size);
    for (b = 0; b < size; b++) {
        reference(t, off + b, &dev, &dpa);
        cxl_shadow_set(&t->sh, dev, dpa, val >> (8 * b));
    }
}

/* Positions 0..n-1 name ports 0..n-1 */
static uint64_t identity_targets(unsigned n)
{
    uint64_t targets = 0;
    unsigned i;

    for (i = 0; i < n; i++) {
        targets |= (uint64_t)i << (8 * i);
    }
    return targets;
}

static void program_level(Tree *t, uint64_t hdm, unsigned level)
{
    uint8_t eiw;

    g_assert(cxl_ways_to_eiw(t->ways[level], &eiw));
    program_decoder(t->qts, hdm, 0, t->window, t->size, eiw,
                    ctz32(t->gran[level]) - 8, identity_targets(t->ways[level]));
}

/* Firmware's enumeration, then a driver's decoder programming */
static void tree_program(Tree *t, CXLQTestEnum *e)
{
    unsigned h, i;
    uint8_t eiw;

    enable_ecam(t->qts);
    for (h = 0; h < t->c->hbs; h++) {
        cxl_qtest_enumerate(t->qts, e, HB_BUS(h));
    }
    g_assert_cmpuint(e->n_type3, ==, t->nall);
    for (h = 0; h < t->c->hbs && t->c->rps > 1; h++) {
        program_level(t, HDM(CHBCR(h)), 1);
    }
    for (i = 0; i < e->n_usp; i++) {
        program_level(t, HDM(e->usp[i].bar), 2 + e->usp[i].depth);
    }
    g_assert(cxl_ways_to_eiw(t->ndev, &eiw));
    for (i = 0; i < e->n_type3; i++) {
        if (e->type3[i].sn < t->ndev) {
            program_decoder(t->qts, HDM(e->type3[i].bar), 0, t->window, t->size,
                            eiw, ctz32(t->c->gran) - 8, 0);
        }
    }
}

static void test_tree(const void *opaque)
{
    CXLQTestEnum e = { 0 };
    uint64_t off, dpa, got;
    unsigned i, b, dev;
    Tree t;

    tree_start(&t, opaque);
    /* Before any decoder commits, the window reads all ones */
    g_assert_cmphex(qtest_readq(t.qts, t.window), ==, UINT64_MAX);
    tree_program(&t, &e);

    /* Writes, aligned and straddling stripes, land byte by byte */
    for (i = 0; i < 512; i++) {
        uint64_t val = (i + 1) * 0x9e3779b97f4a7c15ull;

        off = (uint64_t)i * 7919 * 61 % (t.size - t.c->gran);
        if (i & 1) {
            off = QEMU_ALIGN_UP(off, t.c->gran) - 4 + (i & 2);
        }
        tree_write(&t, off, val, 8);
        for (b = 0; b < 8; b++) {
            uint8_t byte;

            reference(&t, off + b, &dev, &dpa);
            g_assert(pread(t.fd[dev], &byte, 1, dpa) == 1);
            g_assert_cmphex(byte, ==, (val >> (8 * b)) & 0xff);
        }
    }
    /* Reads: seed the files, read back through the window */
    for (i = 0; i < 256; i++) {
        uint64_t expect = 0;

        off = (uint64_t)i * 104729 * 13 % (t.size - 8);
        for (b = 0; b < 8; b++) {
            uint8_t v = i ^ (b * 37);

            reference(&t, off + b, &dev, &dpa);
            cxl_shadow_pwrite(&t.sh, dev, &v, 1, dpa);
            expect |= (uint64_t)v << (8 * b);
        }
        got = qtest_readq(t.qts, t.window + off);
        g_assert_cmphex(got, ==, expect);
    }
    /* Every device got its share: one stripe each, in reference order */
    for (i = 0; i < t.ndev; i++) {
        uint64_t stripe = 0;
        uint32_t mark = 0xc0de0000 | i;

        while (reference(&t, stripe * t.c->gran, &dev, &dpa), dev != i) {
            stripe++;
        }
        tree_write(&t, stripe * t.c->gran, mark, 4);
        g_assert(pread(t.fd[i], &got, 4, dpa) == 4);
        g_assert_cmphex((uint32_t)got, ==, mark);
    }
    tree_stop(&t);
}

/* Uncommitting a switch's decoder takes the route below it away */
static void test_uncommit_switch(const void *opaque)
{
    static const Case c = { "", 1, 1, { 2, 2 }, 256 };
    CXLQTestEnum e = { 0 };
    unsigned i;
    Tree t;

    tree_start(&t, &c);
    tree_program(&t, &e);
    tree_write(&t, 0, 0x0123456789abcdefull, 8);
    g_assert_cmphex(qtest_readq(t.qts, t.window), ==, 0x0123456789abcdefull);
    i = 0;
    while (i < e.n_usp && e.usp[i].depth != 1) {
        i++;
    }
    g_assert_cmpuint(i, <, e.n_usp);
    /* The first second-level switch carries stripe 0 */
    qtest_writel(t.qts, HDM(e.usp[i].bar) + A_CXL_HDM_DECODER0_CTRL, 0);
    g_assert_cmphex(qtest_readq(t.qts, t.window), ==, UINT64_MAX);
    /* The other second-level switch still routes: stripe 1 */
    tree_write(&t, 256, 0x55aa55aa55aa55aaull, 8);
    g_assert_cmphex(qtest_readq(t.qts, t.window + 256), ==, 0x55aa55aa55aa55aaull);
    tree_stop(&t);
}

/*
 * Migration: a committed interleaved region behind switches keeps routing
 * every byte to the same device and DPA on the destination, which has the
 * same command line and backing files; the mailbox keeps its state.
 */
static void test_migrate(const void *opaque)
{
    static const Case c = { "", 2, 1, { 2, 0 }, 256 };
    g_autofree char *uri = g_strdup_printf("unix:%s/qemu-cxl-migrate-%d.sock",
                                           g_get_tmp_dir(), getpid());
    CXLQTestEnum e = { 0 };
    QTestState *src, *dst;
    uint64_t off, dpa, got, mbox = 0;
    unsigned i, b, dev;
    QDict *rsp;
    Tree t;

    tree_start(&t, &c);
    tree_program(&t, &e);
    for (i = 0; i < 256; i++) {
        tree_write(&t, i * 1000ull, 0x1000 + i, 8);
    }
    /* A payload left in a device's mailbox registers (BAR + 0x10000 + 0x100) */
    mbox = e.type3[0].bar + 0x10000 + 0x100 + CXL_MB_PAYLOAD;
    qtest_writeq(t.qts, mbox, 0xfeedfacecafef00dull);

    src = t.qts;
    dst = cxl_qtest_start("%s -incoming %s", t.args, uri);
    rsp = qtest_qmp(src, "{'execute': 'migrate', 'arguments': {'uri': %s}}", uri);
    g_assert(qdict_haskey(rsp, "return"));
    qobject_unref(rsp);
    for (;;) {
        const char *status;

        rsp = qtest_qmp(src, "{'execute': 'query-migrate'}");
        status = qdict_get_try_str(qdict_get_qdict(rsp, "return"), "status");
        g_assert(status && strcmp(status, "failed"));
        if (!strcmp(status, "completed")) {
            qobject_unref(rsp);
            break;
        }
        qobject_unref(rsp);
        g_usleep(20 * 1000);
    }
    qtest_qmp_eventwait(dst, "RESUME");
    qtest_quit(src);
    t.qts = dst;

    /* What the source wrote reads back through the destination's decoders */
    for (i = 0; i < 256; i++) {
        g_assert_cmphex(qtest_readq(dst, t.window + i * 1000ull), ==, 0x1000 + i);
    }
    /* New writes land where the reference says */
    for (i = 0; i < 256; i++) {
        uint64_t val = (i + 7) * 0x9e3779b97f4a7c15ull;

        off = (uint64_t)i * 65599 % (t.size - 8);
        tree_write(&t, off, val, 8);
        for (b = 0; b < 8; b++) {
            uint8_t byte;

            reference(&t, off + b, &dev, &dpa);
            g_assert(pread(t.fd[dev], &byte, 1, dpa) == 1);
            g_assert_cmphex(byte, ==, (val >> (8 * b)) & 0xff);
        }
    }
    g_assert_cmphex(qtest_readq(dst, mbox), ==, 0xfeedfacecafef00dull);
    got = qtest_readl(dst, HDM(e.usp[0].bar) + A_CXL_HDM_DECODER0_CTRL);
    g_assert(FIELD_EX32(got, CXL_HDM_DECODER0_CTRL, COMMITTED));
    tree_stop(&t);
}

/*
 * Benchmark (run with -m perf, as `make bench` does; never part of the
 * tests): the cost of an 8-byte write through a window, from qtest's
 * memset of 16 MiB, which QEMU performs as 8-byte accesses and which
 * returns no data to the test (after a first pass that touches the host
 * pages of the backing files), for a region on 1 device
 * and for a 16-way region over 32 devices behind two levels of switches,
 * in each mode: the walk (cxl-fast-path=off), the flat table
 * (x-cxl-map-pages=off), and pages mapped straight to the device.
 */
static double bench_write(QTestState *qts, uint64_t addr)
{
    const size_t len = 16 * MiB;
    unsigned reps = 0;
    gint64 t0, t;

    qtest_memset(qts, addr, 0, len);    /* host pages touched before timing */
    t0 = g_get_monotonic_time();
    do {
        qtest_memset(qts, addr, 0x5a + reps, len);
        reps++;
        t = g_get_monotonic_time() - t0;
    } while (t < G_USEC_PER_SEC);
    return t * 1000.0 / reps / (len / 8);
}

static void bench_route(const void *opaque)
{
    static const Case one = { "1dev", 1, 1, { 0, 0 }, 256 };
    static const Case many = { "32dev", 2, 1, { 2, 4 }, 256, 1 };
    static const struct { const char *name, *args; } modes[] = {
        { "walk (reference)", "-M cxl-fast-path=off" },
        { "flat table", "-M x-cxl-map-pages=off" },
        { "fast path", "" },
    };
    const Case *topo[] = { &one, &many };
    double ns[3][2], ram = 0;
    unsigned m, k;

    for (m = 0; m < ARRAY_SIZE(modes); m++) {
        for (k = 0; k < 2; k++) {
            CXLQTestEnum e = { 0 };
            Tree t;

            cxl_qtest_mode_args = modes[m].args;
            tree_start(&t, topo[k]);
            tree_program(&t, &e);
            ns[m][k] = bench_write(t.qts, t.window);
            if (!m && !k) {
                ram = bench_write(t.qts, 16 * MiB);
            }
            tree_finish(&t, false);     /* wrote what no shadow follows */
        }
    }
    printf("# ns per 8-byte write through the window (qtest memset of 16 MiB; "
           "guest RAM the same way: %.2f ns)\n", ram);
    printf("# %-18s %10s %24s %8s\n", "mode", "1 device", "32 devices, 2 switch levels",
           "ratio");
    for (m = 0; m < ARRAY_SIZE(modes); m++) {
        printf("# %-18s %10.1f %24.1f %8.2f\n", modes[m].name, ns[m][0], ns[m][1],
               ns[m][1] / ns[m][0]);
    }
}

static const Case cases[] = {
    /* A switch below each of two host bridges */
    { "2hb/switch-x2", 2, 1, { 2, 0 }, 256 },
    { "2hb/switch-x4", 2, 1, { 4, 0 }, 4096 },
    /* Root ports interleaved, a switch below each */
    { "1hb-x-2rp/switch-x2", 1, 2, { 2, 0 }, 1024 },
    /* Two levels of switches */
    { "1hb/switch-x2/switch-x2", 1, 1, { 2, 2 }, 1024 },
    { "2hb/switch-x2/switch-x2", 2, 1, { 2, 2 }, 256 },
    { "2hb-x-2rp/switch-x2/switch-x2", 2, 2, { 2, 2 }, 256 },
    /* 3, 6 and 12 ways at the switch */
    { "1hb/switch-x3", 1, 1, { 3, 0 }, 4096 },
    { "2hb/switch-x3", 2, 1, { 3, 0 }, 256 },
    { "2hb-x-2rp/switch-x3", 2, 2, { 3, 0 }, 512 },
    { "1hb/switch-x3/switch-x4", 1, 1, { 3, 4 }, 256 },
    { "1hb/switch-x2/switch-x6", 1, 1, { 2, 6 }, 256 },
};

int main(int argc, char **argv)
{
    unsigned i;

    g_test_init(&argc, &argv, NULL);
    for (i = 0; i < ARRAY_SIZE(cases); i++) {
        g_autofree char *name = g_strdup_printf("switch/%s/%u", cases[i].name,
                                                cases[i].gran);
        cxl_qtest_add(name, test_tree, &cases[i]);
    }
    cxl_qtest_add("switch/uncommit", test_uncommit_switch, NULL);
    cxl_qtest_add("switch/migrate", test_migrate, NULL);
    if (g_test_perf()) {
        qtest_add_data_func("/cxl/bench/route", NULL, bench_route);
    }
    return g_test_run();
}
