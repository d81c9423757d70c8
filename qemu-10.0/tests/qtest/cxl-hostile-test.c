/*
 * Guest programming that stock QEMU 10.0's CXL emulation died on, each
 * now answered as the CXL specification says, with QEMU still running:
 *
 * - an HDM decoder committed with 16 or reserved interleave ways in a
 *   host bridge, then an access to the window (stock: an assertion in
 *   extract32() on the target list);
 * - an endpoint decoder committed with reserved interleave ways, then an
 *   access that the decode walks past it (stock: exit through
 *   error_fatal);
 * - Get LSA of 0 bytes (stock: an assertion), and of more bytes than the
 *   mailbox payload holds (stock: a copy past the payload);
 * - Set LSA with no data (stock: an assertion);
 * - 1- and 2-byte writes to mailbox registers, which CXL r3.1 8.2 allows
 *   (stock: g_assert_not_reached());
 * - Add Dynamic Capacity Response and Release Dynamic Capacity naming an
 *   extent whose length wraps around the DPA space (stock: a bitmap
 *   written and read far past its end), or of length 0;
 * - and what our fast path once got wrong: an endpoint decoder that
 *   interleaves below a host bridge decoder that does not; the slot of a
 *   device in use powered off (the device unplugged) under the window.
 *
 * The test does the firmware's and the driver's work itself, through MMIO
 * only (cxl-qtest.h).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "qemu/osdep.h"
#include "cxl-qtest.h"

/* Host bridge: 16 ways (not advertised there) and reserved encodings */
static void test_hb_ways(void)
{
    static const uint8_t bad[] = { 4, 5, 7, 11, 15 };
    Machine m = { 0 };
    int i;

    machine_start(&m);
    for (i = 0; i < ARRAY_SIZE(bad); i++) {
        assert_refused(commit(m.qts, m.hdm_hb, 0, WINDOW, 256 * MiB,
                              CTRL_IW(bad[i]), 0));
        /* The window access that followed such a commit killed QEMU */
        qtest_readq(m.qts, WINDOW + 0x1000 * i + 0xf00);
        qtest_writeq(m.qts, WINDOW + 0x1000 * i + 0xf00, 0x1122334455667788);
    }
    assert_refused(commit(m.qts, m.hdm_hb, 0, WINDOW, 256 * MiB, CTRL_IG(7), 0));
    /* What the host bridge does support still commits */
    assert_committed(commit(m.qts, m.hdm_hb, 0, WINDOW, 256 * MiB,
                            CTRL_IW(0), 0));
    machine_end(&m);
}

/*
 * Endpoint: a decoder with reserved ways before the one an access hits.
 * With everything committed properly, the access reaches the file.
 */
static void test_ep_ways(void)
{
    Machine m = { 0 };
    uint64_t word = 0;
    int fd;

    machine_start(&m);
    assert_committed(commit(m.qts, m.hdm_hb, 0, WINDOW, 512 * MiB,
                            CTRL_IW(0), 0));
    assert_refused(commit(m.qts, m.hdm_ep, 0, WINDOW, 256 * MiB,
                          CTRL_IW(7), 0));
    commit(m.qts, m.hdm_ep, 1, WINDOW + 256 * MiB, 256 * MiB, CTRL_IW(0), 0);
    /* The walk passes decoder 0 to reach decoder 1: stock exited here */
    qtest_writeq(m.qts, WINDOW + 256 * MiB + 64, 0x0123456789abcdef);
    qtest_readq(m.qts, WINDOW + 256 * MiB + 64);

    /* Decoder 0 done properly: a write lands at its DPA in the file */
    assert_committed(commit(m.qts, m.hdm_ep, 0, WINDOW, 256 * MiB,
                            CTRL_IW(0), 0));
    qtest_writeq(m.qts, WINDOW + 0x2340, 0xfeedfacecafebeef);
    g_assert_cmphex(qtest_readq(m.qts, WINDOW + 0x2340), ==,
                    0xfeedfacecafebeef);
    fd = open(m.mem_path, O_RDONLY);
    g_assert(fd >= 0);
    g_assert(pread(fd, &word, 8, 0x2340) == 8);
    close(fd);
    g_assert_cmphex(le64_to_cpu(word), ==, 0xfeedfacecafebeef);
    machine_end(&m);
}

static void test_lsa(void)
{
    Machine m = { 0 };
    uint8_t lsa[16] = { 0 };
    uint32_t out = ~0u;
    uint64_t pl;
    int fd;

    machine_start(&m);
    pl = m.mbox + MB_PAYLOAD;

    /* Get LSA of 0 bytes: nothing to return */
    qtest_writel(m.qts, pl, 0);
    qtest_writel(m.qts, pl + 4, 0);
    g_assert_cmpuint(mbox_run(m.qts, m.mbox, OP_GET_LSA, 8, &out), ==,
                     RC_SUCCESS);
    g_assert_cmpuint(out, ==, 0);

    /* More than the payload holds (the LSA has 256 KiB) */
    qtest_writel(m.qts, pl + 4, 64 * KiB);
    g_assert_cmpuint(mbox_run(m.qts, m.mbox, OP_GET_LSA, 8, NULL), ==,
                     RC_INVALID_INPUT);
    /* Past the end of the LSA */
    qtest_writel(m.qts, pl, 256 * KiB - 8);
    qtest_writel(m.qts, pl + 4, 16);
    g_assert_cmpuint(mbox_run(m.qts, m.mbox, OP_GET_LSA, 8, NULL), ==,
                     RC_INVALID_INPUT);

    /* Set LSA with no data, then with 8 bytes at 0x100 */
    qtest_writel(m.qts, pl, 0x100);
    qtest_writel(m.qts, pl + 4, 0);
    g_assert_cmpuint(mbox_run(m.qts, m.mbox, OP_SET_LSA, 8, NULL), ==,
                     RC_SUCCESS);
    /* (each command leaves the payload cleared or holding its output) */
    qtest_writel(m.qts, pl, 0x100);
    qtest_writel(m.qts, pl + 4, 0);
    qtest_writeq(m.qts, pl + 8, 0x8877665544332211);
    g_assert_cmpuint(mbox_run(m.qts, m.mbox, OP_SET_LSA, 16, NULL), ==,
                     RC_SUCCESS);
    /* ... read back through Get LSA and found in the LSA's file */
    qtest_writel(m.qts, pl, 0x100);
    qtest_writel(m.qts, pl + 4, 8);
    g_assert_cmpuint(mbox_run(m.qts, m.mbox, OP_GET_LSA, 8, &out), ==,
                     RC_SUCCESS);
    g_assert_cmpuint(out, ==, 8);
    g_assert_cmphex(qtest_readq(m.qts, pl), ==, 0x8877665544332211);
    fd = open(m.lsa_path, O_RDONLY);
    g_assert(fd >= 0);
    g_assert(pread(fd, lsa, sizeof(lsa), 0xf8) == sizeof(lsa));
    close(fd);
    g_assert_cmphex(ldq_le_p(lsa), ==, 0);
    g_assert_cmphex(ldq_le_p(lsa + 8), ==, 0x8877665544332211);
    machine_end(&m);
}

/* Identify (CXL r3.1 8.2.9.9.1.1) issued with 1- and 2-byte writes only */
static void test_mbox_narrow_writes(void)
{
    Machine m = { 0 };
    uint64_t cmd = OP_IDENTIFY;         /* no input payload */
    int i;

    machine_start(&m);
    /* Leave junk in the command register first, with 4- and 8-byte writes */
    qtest_writeq(m.qts, m.mbox + MB_CMD, 0x1234);
    for (i = 0; i < 8; i += 2) {
        qtest_writew(m.qts, m.mbox + MB_CMD + i, cmd >> (8 * i));
    }
    g_assert_cmphex(qtest_readq(m.qts, m.mbox + MB_CMD), ==, cmd);
    qtest_writeb(m.qts, m.mbox + MB_CMD + 1, OP_IDENTIFY >> 8);
    qtest_writeb(m.qts, m.mbox + MB_CTRL, 1);           /* doorbell */
    g_assert_cmpuint(qtest_readl(m.qts, m.mbox + MB_CTRL) & 1, ==, 0);
    g_assert_cmpuint(qtest_readq(m.qts, m.mbox + MB_STS) >> 32, ==,
                     RC_SUCCESS);
    /* Identify's output: 0x43 bytes (CXL r3.1 Table 8-127) */
    g_assert_cmpuint((qtest_readq(m.qts, m.mbox + MB_CMD) >> 16) & 0x1fffff,
                     >=, 0x43);
    /* A byte into the middle of the read-only status register */
    qtest_writeb(m.qts, m.mbox + MB_STS + 5, 0xff);
    g_assert_cmpuint(qtest_readq(m.qts, m.mbox + MB_STS) >> 32, ==,
                     RC_SUCCESS);
    machine_end(&m);
}

/*
 * Add Dynamic Capacity Response (CXL r3.1 8.2.9.9.9.3) and Release
 * Dynamic Capacity (8.2.9.9.9.4) check each extent against the DC
 * regions: one that starts in region 0 and whose length wraps the DPA
 * space past it is outside every region (Invalid Physical Address), and
 * one of length 0 is malformed (Invalid Extent List). The device still
 * answers afterwards.
 */
static void test_dc_extent_bounds(void)
{
    static const uint16_t ops[] = { OP_ADD_DC_RESPONSE, OP_RELEASE_DC };
    /* DC region 0 follows the 256 MiB of persistent capacity */
    const uint64_t dc_base = 256 * MiB;
    Machine m = { 0 };
    uint64_t pl;
    int i;

    machine_start_opts(&m, "", ",volatile-dc-memdev=dc0,num-dc-regions=1 "
                       "-object memory-backend-ram,id=dc0,size=256M");
    pl = m.mbox + MB_PAYLOAD;
    for (i = 0; i < ARRAY_SIZE(ops); i++) {
        /* one extent: 2 MiB blocks from region 0's base, 2^64 - 2 MiB long */
        qtest_writel(m.qts, pl, 1);
        qtest_writel(m.qts, pl + 4, 0);
        qtest_writeq(m.qts, pl + 8, dc_base);
        qtest_writeq(m.qts, pl + 16, -(uint64_t)(2 * MiB));
        qtest_writeq(m.qts, pl + 24, 0);
        g_assert_cmphex(mbox_run(m.qts, m.mbox, ops[i], 32, NULL), ==,
                        RC_INVALID_PA);

        qtest_writel(m.qts, pl, 1);
        qtest_writel(m.qts, pl + 4, 0);
        qtest_writeq(m.qts, pl + 8, dc_base);
        qtest_writeq(m.qts, pl + 16, 0);
        qtest_writeq(m.qts, pl + 24, 0);
        g_assert_cmphex(mbox_run(m.qts, m.mbox, ops[i], 32, NULL), ==,
                        RC_INVALID_EXTENT_LIST);
    }
    g_assert_cmphex(mbox_run(m.qts, m.mbox, OP_IDENTIFY, 0, NULL), ==,
                    RC_SUCCESS);
    machine_end(&m);
}

/*
 * An endpoint decoder of 2 ways at 256 B below a host bridge decoder of 1
 * way: every address reaches the device, which drops the way bit, so two
 * chunks share each DPA (CXL r3.1 8.2.4.20.7), on the walk and on the
 * route tables alike. (The fast path took the whole 256 MiB chunk of the
 * levels above for one run of contiguous DPA.)
 */
static void test_ep_interleaves_alone(void)
{
    static const struct { uint64_t hpa, dpa, val; } w[] = {
        { 0x008, 0x008, 0x1111111111111111ull },
        { 0x108, 0x008, 0x2222222222222222ull },    /* the same DPA */
        { 0x210, 0x110, 0x3333333333333333ull },
    };
    Machine m = { 0 };
    g_autofree uint8_t *buf = g_malloc(256 * MiB);
    uint64_t off;
    int fd, i;

    machine_start(&m);
    assert_committed(commit(m.qts, m.hdm_hb, 0, WINDOW, 512 * MiB, 0, 0));
    assert_committed(commit(m.qts, m.hdm_ep, 0, WINDOW, 512 * MiB,
                            CTRL_IW(1), 0));
    for (i = 0; i < ARRAY_SIZE(w); i++) {
        qtest_writeq(m.qts, WINDOW + w[i].hpa, w[i].val);
    }
    g_assert_cmphex(qtest_readq(m.qts, WINDOW + 0x008), ==, w[1].val);
    g_assert_cmphex(qtest_readq(m.qts, WINDOW + 0x310), ==, w[2].val);
    machine_end_keep(&m);
    fd = open(m.mem_path, O_RDONLY);
    g_assert(fd >= 0 && pread(fd, buf, 256 * MiB, 0) == 256 * MiB);
    close(fd);
    for (off = 0; off < 256 * MiB; off += 8) {
        uint64_t want = off == w[1].dpa ? w[1].val :
                        off == w[2].dpa ? w[2].val : 0;

        if (ldq_le_p(buf + off) != want) {
            g_error("DPA 0x%" PRIx64 ": 0x%" PRIx64 ", expected 0x%" PRIx64,
                    off, ldq_le_p(buf + off), want);
        }
    }
    machine_files_remove(&m);
}

/* The offset of PCI capability @id in the config space of @bus:@devfn */
static uint8_t pci_cap(QTestState *qts, int bus, int devfn, uint8_t id)
{
    uint8_t at = qtest_readb(qts, ecam(bus, devfn, PCI_CAPABILITY_LIST));

    while (at && qtest_readb(qts, ecam(bus, devfn, at)) != id) {
        at = qtest_readb(qts, ecam(bus, devfn, at + 1));
    }
    g_assert(at);
    return at;
}

/*
 * The guest powers off the slot of the device its region reaches (Slot
 * Control: Power Controller off, Power Indicator off, PCIe r6.0
 * 7.5.3.10), which unplugs the device: the window then decodes nowhere
 * there, and QEMU goes on. The device's memory caches, which window
 * accesses use without the BQL, go once no access can be using them.
 */
static void test_slot_power_off(void)
{
    Machine m = { 0 };
    uint8_t exp;
    QDict *rsp;

    machine_start(&m);
    assert_committed(commit(m.qts, m.hdm_hb, 0, WINDOW, 256 * MiB,
                            CTRL_IG(4), 0));
    assert_committed(commit(m.qts, m.hdm_ep, 0, WINDOW, 256 * MiB, 0, 0));
    qtest_writeq(m.qts, WINDOW + 0x40, 0x0123456789abcdefull);
    g_assert_cmphex(qtest_readq(m.qts, WINDOW + 0x40), ==,
                    0x0123456789abcdefull);

    exp = pci_cap(m.qts, HB_BUS, 0, PCI_CAP_ID_EXP);
    qtest_writew(m.qts, ecam(HB_BUS, 0, exp + PCI_EXP_SLTCTL),
                 PCI_EXP_SLTCTL_PWR_OFF | PCI_EXP_SLTCTL_PWR_IND_OFF);
    g_assert_cmphex(qtest_readq(m.qts, WINDOW + 0x40), ==, ~0ULL);
    qtest_writeq(m.qts, WINDOW + 0x48, 1);
    g_usleep(200 * 1000);       /* the RCU callbacks run */
    rsp = qtest_qmp(m.qts, "{'execute': 'query-status'}");
    g_assert(qdict_haskey(rsp, "return"));
    qobject_unref(rsp);
    g_assert_cmphex(qtest_readq(m.qts, WINDOW + 0x48), ==, ~0ULL);
    machine_end(&m);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    cxl_qtest_add_func_both("/hostile/hb-decoder-ways", test_hb_ways);
    cxl_qtest_add_func_both("/hostile/endpoint-decoder-ways", test_ep_ways);
    cxl_qtest_add_func_both("/hostile/endpoint-interleaves-alone",
                            test_ep_interleaves_alone);
    cxl_qtest_add_func_both("/hostile/slot-power-off", test_slot_power_off);
    qtest_add_func("/cxl/hostile/lsa", test_lsa);
    qtest_add_func("/cxl/hostile/dc-extent-bounds", test_dc_extent_bounds);
    qtest_add_func("/cxl/hostile/mailbox-narrow-writes",
                   test_mbox_narrow_writes);
    return g_test_run();
}
