/*
 * A window's memory reached as RAM (hw/cxl/cxl-window-map.c): on the fast
 * path, a committed range that reaches one device without interleave is
 * mapped into the window as an alias of the device's backend, which
 * `info mtree` shows; it goes the moment its decoder is uncommitted or the
 * media is disabled (Sanitize), and interleaved ranges are never mapped.
 * With cxl-fast-path=off nothing is ever mapped. Every case checks what
 * the window reads and the whole backing file.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "qemu/osdep.h"
#include "qemu/timer.h"
#include "cxl-qtest.h"

#define PATTERN         0x0123456789abcdefull
#define OP_SANITIZE     0x4400
#define RC_BG_STARTED   1
#define MB_BG_STS       0x18

static uint64_t decoder(uint64_t hdm, int n)
{
    return hdm + 0x10 + 0x20 * n;
}

static uint64_t pattern(uint64_t off)
{
    return PATTERN ^ off;
}

/* Does the window hold an alias of a device's RAM now? */
static bool mapped(QTestState *qts)
{
    g_autofree char *mtree = qtest_hmp(qts, "info mtree");

    return strstr(mtree, "cxl-window-ram") != NULL;
}

/*
 * The aliases come back from a bottom half after a change: give the main
 * loop a few turns. With cxl-fast-path=off they must never come.
 */
static void assert_mapped_soon(QTestState *qts)
{
    bool want = !*cxl_qtest_mode_args();
    int i;

    for (i = 0; i < 200 && mapped(qts) != want; i++) {
        g_usleep(1000);
    }
    g_assert_cmpint(mapped(qts), ==, want);
}

/* How cxl-translate says a CPU reaches @hpa: alias, page or trap */
static char *access_of(QTestState *qts, uint64_t hpa)
{
    QDict *rsp = qtest_qmp(qts, "{'execute': 'cxl-translate', "
                           "'arguments': {'address': %" PRIu64 "}}", hpa);
    char *access = g_strdup(qdict_get_str(qdict_get_qdict(rsp, "return"),
                                          "access"));

    qobject_unref(rsp);
    return access;
}

/* ... is @want on the fast path, and trap on the reference path */
static void assert_access(QTestState *qts, uint64_t hpa, const char *want)
{
    g_autofree char *access = access_of(qts, hpa);

    g_assert_cmpstr(access, ==, *cxl_qtest_mode_args() ? "trap" : want);
}

/* The file holds @pattern(off) at each DPA in @at, zeros elsewhere */
static void assert_file(Machine *m, const uint64_t *at, int n, bool zeroed)
{
    g_autofree uint8_t *buf = g_malloc(256 * MiB);
    int i;

    cxl_qtest_read_file(m->mem_path, buf, 256 * MiB);
    for (i = 0; i < n && !zeroed; i++) {
        g_assert_cmphex(ldq_le_p(buf + at[i]), ==, pattern(at[i]));
        memset(buf + at[i], 0, 8);
    }
    cxl_qtest_assert_zero(buf, 256 * MiB, 0);
}

static void commit_one_way(Machine *m)
{
    assert_committed(commit(m->qts, m->hdm_hb, 0, WINDOW, 256 * MiB,
                            CTRL_IW(0), 0));
    assert_committed(commit(m->qts, m->hdm_ep, 0, WINDOW, 256 * MiB,
                            CTRL_IW(0), 0));
}

/* One way: mapped while committed, and only then */
static void test_one_way(void)
{
    static const uint64_t at[] = { 0, 0x1000, 128 * MiB + 8, 256 * MiB - 8 };
    Machine m = { 0 };
    int i;

    machine_start(&m);
    g_assert(!mapped(m.qts));
    commit_one_way(&m);
    assert_mapped_soon(m.qts);
    assert_access(m.qts, WINDOW + 0x1000, "alias");
    for (i = 0; i < ARRAY_SIZE(at); i++) {
        qtest_writeq(m.qts, WINDOW + at[i], pattern(at[i]));
    }
    for (i = 0; i < ARRAY_SIZE(at); i++) {
        g_assert_cmphex(qtest_readq(m.qts, WINDOW + at[i]), ==,
                        pattern(at[i]));
    }

    /* Uncommitted: unmapped before the next access, which decodes nowhere */
    qtest_writel(m.qts, decoder(m.hdm_ep, 0) + 0x10, CTRL_IW(0));
    g_assert(!mapped(m.qts));
    g_assert_cmphex(qtest_readq(m.qts, WINDOW + at[0]), !=, pattern(at[0]));
    qtest_writeq(m.qts, WINDOW + 0x2000, PATTERN);
    assert_file(&m, at, ARRAY_SIZE(at), false);
    machine_end(&m);
}

/* Percentage Complete of the background command */
static unsigned bg_percent(Machine *m)
{
    return extract64(qtest_readq(m->qts, m->mbox + MB_BG_STS), 16, 7);
}

/*
 * Sanitize disables the media while it runs (CXL r3.1 8.2.9.9.5.1): the
 * alias goes at once and the window reads no stored data; afterwards the
 * media is zeroed and mapped again.
 */
static void test_sanitize(void)
{
    Machine m = { 0 };
    int i;

    machine_start(&m);
    commit_one_way(&m);
    assert_mapped_soon(m.qts);
    qtest_writeq(m.qts, WINDOW + 0x100, pattern(0x100));
    assert_file(&m, (uint64_t[]) { 0x100 }, 1, false);

    g_assert_cmpuint(mbox_run(m.qts, m.mbox, OP_SANITIZE, 0, NULL), ==,
                     RC_BG_STARTED);
    g_assert(!mapped(m.qts));
    g_assert_cmphex(qtest_readq(m.qts, WINDOW + 0x100), !=, pattern(0x100));

    /*
     * 256 MiB sanitizes in 4 s of virtual time: until then Background
     * Command Status (CXL r3.1 8.2.8.4.7) says less than 100% complete
     */
    for (i = 0; i < 10 && bg_percent(&m) < 100; i++) {
        qtest_clock_step(m.qts, NANOSECONDS_PER_SECOND);
    }
    g_assert_cmpuint(i, >=, 4);
    g_assert_cmpuint(bg_percent(&m), ==, 100);
    assert_mapped_soon(m.qts);
    g_assert_cmphex(qtest_readq(m.qts, WINDOW + 0x100), ==, 0);
    assert_file(&m, NULL, 0, true);
    machine_end(&m);
}

/*
 * Two ways at 256 B over root ports 0 and 1 (nothing behind port 1): never
 * mapped, and half of the window reaches the device
 */
static void test_interleaved(void)
{
    Machine m = { 0 };
    uint64_t off;

    machine_start(&m);
    assert_committed(commit(m.qts, m.hdm_hb, 0, WINDOW, 512 * MiB,
                            CTRL_IW(1), 0x0100));
    assert_committed(commit(m.qts, m.hdm_ep, 0, WINDOW, 512 * MiB,
                            CTRL_IW(1), 0));
    for (off = 0; off < 4 * 256; off += 256) {
        qtest_writeq(m.qts, WINDOW + off, pattern(off / 2));
    }
    g_usleep(20 * 1000);
    g_assert(!mapped(m.qts));
    assert_access(m.qts, WINDOW, "trap");
    /* Blocks 0 and 2 reach the device at DPA 0 and 256; 1 and 3 nowhere */
    assert_file(&m, (uint64_t[]) { 0, 256 }, 2, false);
    machine_end(&m);
}

/*
 * Two ways at 4 KiB, as above: the device's pages are mapped page by page
 * (the window's IOMMU region), the others trap; each word lands at the
 * DPA its page gives
 */
static void test_pages(void)
{
    Machine m = { 0 };
    uint64_t off;

    machine_start(&m);
    assert_committed(commit(m.qts, m.hdm_hb, 0, WINDOW, 512 * MiB,
                            CTRL_IG(4) | CTRL_IW(1), 0x0100));
    assert_committed(commit(m.qts, m.hdm_ep, 0, WINDOW, 512 * MiB,
                            CTRL_IG(4) | CTRL_IW(1), 0));
    for (off = 0; off < 4 * 4096; off += 4096) {
        qtest_writeq(m.qts, WINDOW + off + 8, pattern(off / 2 + 8));
        g_assert_cmphex(qtest_readq(m.qts, WINDOW + off + 8), ==,
                        off % 8192 ? ~0ULL : pattern(off / 2 + 8));
    }
    assert_access(m.qts, WINDOW, "page");
    assert_access(m.qts, WINDOW + 8192 + 0x123, "page");
    assert_access(m.qts, WINDOW + 4096, "trap");
    g_assert(!mapped(m.qts));
    /* Pages 0 and 2 reach the device at DPA 0 and 4 KiB */
    assert_file(&m, (uint64_t[]) { 8, 4096 + 8 }, 2, false);
    machine_end(&m);
}

/*
 * The device's backing file is mapped at a 2 MiB-aligned host address
 * (system/physmem.c), so that the host kernel can map its large folios
 * whole: /proc/PID/maps of QEMU says where it is
 */
static void test_host_alignment(void)
{
    Machine m = { 0 };
    g_autofree char *maps_path = NULL, *maps = NULL;
    g_autofree char *real = NULL;
    g_auto(GStrv) lines = NULL;
    int i, found = 0;

    machine_start(&m);
    maps_path = g_strdup_printf("/proc/%d/maps", (int)qtest_pid(m.qts));
    g_assert(g_file_get_contents(maps_path, &maps, NULL, NULL));
    real = realpath(m.mem_path, NULL);
    g_assert(real);
    lines = g_strsplit(maps, "\n", -1);
    for (i = 0; lines[i]; i++) {
        if (g_str_has_suffix(lines[i], real)) {
            uint64_t start = g_ascii_strtoull(lines[i], NULL, 16);

            g_assert_cmphex(start & (2 * MiB - 1), ==, 0);
            found++;
        }
    }
    g_assert_cmpint(found, ==, 1);
    machine_end(&m);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    cxl_qtest_add_func_both("/window-map/one-way", test_one_way);
    cxl_qtest_add_func_both("/window-map/sanitize", test_sanitize);
    cxl_qtest_add_func_both("/window-map/interleaved", test_interleaved);
    cxl_qtest_add_func_both("/window-map/pages", test_pages);
    qtest_add_func("/window-map/host-alignment", test_host_alignment);
    return g_test_run();
}
