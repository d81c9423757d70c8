/*
 * HDM decoder commit validation (CXL r3.1 8.2.4.20.7 and 8.2.4.20.12), in
 * a host bridge and in a Type 3 device, as a driver programs them through
 * MMIO:
 *
 * - decoders commit in order, lowest first, each HPA range above the one
 *   before it, none wrapping around;
 * - an endpoint decoder's DPA range (after the DPA Skip, Size divided by
 *   Interleave Ways, a multiple of 256 MiB) lies within the device;
 * - a committed decoder's registers do not change under the decode, and
 *   one committed with Lock On Commit stays as it is until a reset.
 *
 * A refused commit leaves Committed clear and Error Not Committed set, and
 * an access to where it would have decoded reaches no backing file: each
 * case ends with the whole file checked.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "qemu/osdep.h"
#include "cxl-qtest.h"

#define CTRL_LOCK       (1u << 8)
#define PATTERN         0x5a5aa5a5c3c33c3cull

static uint64_t decoder(uint64_t hdm, int n)
{
    return hdm + 0x10 + 0x20 * n;
}

/*
 * The backing file holds zeros, except 8 bytes of PATTERN at each of the
 * @n offsets in @at.
 */
static void assert_file(Machine *m, const uint64_t *at, int n)
{
    g_autofree uint8_t *buf = g_malloc(256 * MiB);
    int fd = open(m->mem_path, O_RDONLY);
    uint64_t off;
    int i;

    g_assert(fd >= 0);
    g_assert(pread(fd, buf, 256 * MiB, 0) == 256 * MiB);
    close(fd);
    for (i = 0; i < n; i++) {
        g_assert_cmphex(ldq_le_p(buf + at[i]), ==, PATTERN);
        memset(buf + at[i], 0, 8);
    }
    for (off = 0; off < 256 * MiB; off += 8) {
        if (ldq_le_p(buf + off)) {
            g_error("unexpected bytes at DPA 0x%" PRIx64 ": 0x%" PRIx64,
                    off, ldq_le_p(buf + off));
        }
    }
}

/* Commit order and HPA order, in the host bridge and in the endpoint */
static void test_order(void)
{
    Machine m = { 0 };
    uint64_t hdm[2];
    int i;

    machine_start(&m);
    hdm[0] = m.hdm_hb;
    hdm[1] = m.hdm_ep;
    for (i = 0; i < 2; i++) {
        /* Decoder 1 before decoder 0 */
        assert_refused(commit(m.qts, hdm[i], 1, WINDOW + 256 * MiB,
                              256 * MiB, CTRL_IW(0), 0));
        /* A range that wraps around the top of the address space */
        assert_refused(commit(m.qts, hdm[i], 0, 0xfffffffff0000000ull,
                              512 * MiB, CTRL_IW(0), 0));
        /* Decoder 0 higher up, decoder 1 below it: the order is wrong */
        assert_committed(commit(m.qts, hdm[i], 0, WINDOW + 256 * MiB,
                                256 * MiB, CTRL_IW(0), 0));
        assert_refused(commit(m.qts, hdm[i], 1, WINDOW, 256 * MiB,
                              CTRL_IW(0), 0));
    }
    /* ... where no access reaches the file */
    qtest_writeq(m.qts, WINDOW + 0x40, PATTERN);
    /* In order, decoder 0's range reaches the file */
    qtest_writeq(m.qts, WINDOW + 256 * MiB + 0x80, PATTERN);
    g_assert_cmphex(qtest_readq(m.qts, WINDOW + 256 * MiB + 0x80), ==,
                    PATTERN);
    assert_file(&m, (uint64_t[]) { 0x80 }, 1);
    machine_end(&m);
}

/* The endpoint's DPA: within its 256 MiB, after the skip */
static void test_dpa(void)
{
    Machine m = { 0 };

    machine_start(&m);
    assert_committed(commit(m.qts, m.hdm_hb, 0, WINDOW, 1 * GiB,
                            CTRL_IW(0), 0));
    /* More than the device has */
    assert_refused(commit(m.qts, m.hdm_ep, 0, WINDOW, 512 * MiB,
                          CTRL_IW(0), 0));
    /* All of it, but after a 256 MiB skip */
    assert_refused(commit(m.qts, m.hdm_ep, 0, WINDOW, 256 * MiB,
                          CTRL_IW(0), 256 * MiB));
    /* A skip so large that adding it would wrap around */
    qtest_writel(m.qts, decoder(m.hdm_ep, 0) + 0x14, 0xf0000000);
    qtest_writel(m.qts, decoder(m.hdm_ep, 0) + 0x18, 0xffffffff);
    qtest_writel(m.qts, decoder(m.hdm_ep, 0) + 0x10, CTRL_IW(0) | CTRL_COMMIT);
    assert_refused(qtest_readl(m.qts, decoder(m.hdm_ep, 0) + 0x10));
    qtest_writel(m.qts, decoder(m.hdm_ep, 0) + 0x10, CTRL_IW(0));
    /* 2 ways of 256 MiB: 128 MiB of DPA, not a multiple of 256 MiB */
    assert_refused(commit(m.qts, m.hdm_ep, 0, WINDOW, 256 * MiB,
                          CTRL_IW(1), 0));
    /* A refused decoder decodes nothing */
    qtest_writeq(m.qts, WINDOW + 0x1000, PATTERN);
    /*
     * 8 ways of 2 GiB: 256 MiB of DPA, the whole device, with bit 31 of
     * Size Low set (no sign to extend); then uncommitted again
     */
    assert_committed(commit(m.qts, m.hdm_ep, 0, WINDOW, 2 * GiB,
                            CTRL_IW(3), 0));
    qtest_writel(m.qts, decoder(m.hdm_ep, 0) + 0x10, CTRL_IW(3));
    g_assert_cmphex(qtest_readl(m.qts, decoder(m.hdm_ep, 0) + 0x10) &
                    CTRL_COMMITTED, ==, 0);

    /* The whole device, then nothing left for decoder 1 */
    assert_committed(commit(m.qts, m.hdm_ep, 0, WINDOW, 256 * MiB,
                            CTRL_IW(0), 0));
    assert_refused(commit(m.qts, m.hdm_ep, 1, WINDOW + 256 * MiB, 256 * MiB,
                          CTRL_IW(0), 0));
    qtest_writeq(m.qts, WINDOW + 256 * MiB + 0x2000, PATTERN);
    qtest_writeq(m.qts, WINDOW + 256 * MiB - 8, PATTERN);
    assert_file(&m, (uint64_t[]) { 256 * MiB - 8 }, 1);
    machine_end(&m);
}

/* A committed decoder's registers; Lock On Commit */
static void test_lock(void)
{
    Machine m = { 0 };
    uint64_t d;

    machine_start(&m);
    d = decoder(m.hdm_ep, 0);
    assert_committed(commit(m.qts, m.hdm_hb, 0, WINDOW, 512 * MiB,
                            CTRL_IW(0), 0));
    assert_committed(commit(m.qts, m.hdm_ep, 0, WINDOW, 256 * MiB,
                            CTRL_IW(0), 0));
    /* Moving a committed decoder's base does nothing */
    qtest_writel(m.qts, d + 0x00, (WINDOW + 256 * MiB) & 0xffffffff);
    g_assert_cmphex(qtest_readl(m.qts, d + 0x00), ==, WINDOW & 0xffffffff);
    /* Uncommitted, it may be reprogrammed, and committed locked */
    qtest_writel(m.qts, d + 0x10, CTRL_IW(0));
    g_assert_cmphex(qtest_readl(m.qts, d + 0x10) & CTRL_COMMITTED, ==, 0);
    assert_committed(commit(m.qts, m.hdm_ep, 0, WINDOW, 256 * MiB,
                            CTRL_IW(0) | CTRL_LOCK, 0));
    /* Locked: neither uncommitted nor reprogrammed */
    qtest_writel(m.qts, d + 0x10, CTRL_IW(0));
    assert_committed(qtest_readl(m.qts, d + 0x10));
    qtest_writel(m.qts, d + 0x10, CTRL_IW(1) | CTRL_COMMIT);
    g_assert_cmphex(qtest_readl(m.qts, d + 0x10) & 0xff, ==, CTRL_IW(0));
    qtest_writel(m.qts, d + 0x08, 0);
    g_assert_cmphex(qtest_readl(m.qts, d + 0x08), ==, 256 * MiB);
    /* ... and decoding as committed */
    qtest_writeq(m.qts, WINDOW + 0x3000, PATTERN);
    assert_file(&m, (uint64_t[]) { 0x3000 }, 1);

    /* A reset unlocks */
    qtest_system_reset(m.qts);
    machine_setup(&m);
    g_assert_cmphex(qtest_readl(m.qts, d + 0x10) & CTRL_COMMITTED, ==, 0);
    machine_end(&m);
}

/*
 * hdm-decoders: a host bridge with 32 HDM decoders and a device with 10
 * say so in Decoder Count (CXL r3.1 8.2.4.20.1) and decode through their
 * last decoders, the ones before them committed empty; a register past a
 * component's last decoder takes no write. Counts the field cannot
 * express, and more than 10 in a device, are refused at startup.
 */
static void test_decoder_count(void)
{
    static const uint64_t at[] = { 0x1000 };
    Machine m = { 0 };
    int i;

    machine_start_opts(&m, ",hdm-decoders=32", ",hdm-decoders=10");
    g_assert_cmphex(qtest_readl(m.qts, m.hdm_hb) & 0xf, ==, 0xc);
    g_assert_cmphex(qtest_readl(m.qts, m.hdm_ep) & 0xf, ==, 0x5);
    for (i = 0; i < 31; i++) {
        assert_committed(commit(m.qts, m.hdm_hb, i, WINDOW, 0, CTRL_IW(0),
                                0));
    }
    assert_committed(commit(m.qts, m.hdm_hb, 31, WINDOW, 256 * MiB,
                            CTRL_IW(0), 0));
    for (i = 0; i < 9; i++) {
        assert_committed(commit(m.qts, m.hdm_ep, i, WINDOW, 0, CTRL_IW(0),
                                0));
    }
    assert_committed(commit(m.qts, m.hdm_ep, 9, WINDOW, 256 * MiB,
                            CTRL_IW(0), 0));
    /* The device's decoder 10 does not exist */
    qtest_writel(m.qts, decoder(m.hdm_ep, 10), 0x20000000);
    qtest_writel(m.qts, decoder(m.hdm_ep, 10) + 0x10, CTRL_COMMIT);
    g_assert_cmphex(qtest_readl(m.qts, decoder(m.hdm_ep, 10)), ==, 0);
    g_assert_cmphex(qtest_readl(m.qts, decoder(m.hdm_ep, 10) + 0x10), ==, 0);

    qtest_writeq(m.qts, WINDOW + at[0], PATTERN);
    g_assert_cmphex(qtest_readq(m.qts, WINDOW + at[0]), ==, PATTERN);
    assert_file(&m, at, 1);
    machine_end(&m);

    cxl_qtest_expect_refused("-device pxb-cxl,id=cxl.0,bus=pcie.0,bus_nr=12,"
                             "hdm-decoders=3",
                             "hdm-decoders=3: a component has 1, 2, 4, 6, 8 "
                             "or 10 HDM decoders, or 12, 14, 16, 20, 24, 28 "
                             "or 32");
    cxl_qtest_expect_refused("-device pxb-cxl,id=cxl.0,bus=pcie.0,bus_nr=12,"
                             "hdm-decoders=64", "hdm-decoders=64");
    cxl_qtest_expect_refused("-object memory-backend-ram,id=m0,size=256M "
                             "-device pxb-cxl,id=cxl.0,bus=pcie.0,bus_nr=12 "
                             "-device cxl-rp,id=rp0,bus=cxl.0,chassis=0,"
                             "slot=0,port=0 -device cxl-type3,bus=rp0,"
                             "volatile-memdev=m0,hdm-decoders=12",
                             "hdm-decoders=12: a component has 1, 2, 4, 6, 8 "
                             "or 10 HDM decoders\n");
    cxl_qtest_expect_refused("-device pxb-cxl,id=cxl.0,bus=pcie.0,bus_nr=12 "
                             "-device cxl-rp,id=rp0,bus=cxl.0,chassis=0,"
                             "slot=0,port=0 -device cxl-upstream,bus=rp0,"
                             "id=us0,hdm-decoders=0", "hdm-decoders=0");
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    cxl_qtest_add_func_both("/commit/order", test_order);
    cxl_qtest_add_func_both("/commit/dpa", test_dpa);
    cxl_qtest_add_func_both("/commit/lock", test_lock);
    cxl_qtest_add_func_both("/commit/decoder-count", test_decoder_count);
    return g_test_run();
}
