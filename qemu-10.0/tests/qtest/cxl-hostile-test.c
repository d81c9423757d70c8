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
 *   (stock: g_assert_not_reached()).
 *
 * The test does the firmware's and the driver's work itself: q35's ECAM,
 * bus numbers and BARs; the CXL capability arrays walked to the HDM
 * decoders (CXL r3.1 8.2.4) and to the mailbox (8.2.8).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "qemu/osdep.h"
#include "qemu/units.h"
#include "qemu/bswap.h"
#include "libqtest.h"
#include "hw/pci/pci_regs.h"

#define ECAM            0xb0000000ull
#define BAR_BASE        0xe0000000ull
/* -m 512M: the host bridge registers at 4 GiB, the window 256 MiB later */
#define CHBCR           0x100000000ull
#define WINDOW          0x110000000ull
#define CACHEMEM        0x1000          /* CXL r3.1 8.2.3: CXL.cachemem */

#define HB_BUS          12
#define RP_BUS          13

/* CXL r3.1 8.2.4.20.7, HDM Decoder n Control */
#define CTRL_IG(x)      (x)
#define CTRL_IW(x)      ((x) << 4)
#define CTRL_COMMIT     (1u << 9)
#define CTRL_COMMITTED  (1u << 10)
#define CTRL_ERR        (1u << 11)

/* CXL r3.1 8.2.8.4, mailbox registers */
#define MB_CTRL         0x04
#define MB_CMD          0x08
#define MB_STS          0x10
#define MB_PAYLOAD      0x20
#define OP_IDENTIFY     0x4000
#define OP_GET_LSA      0x4102
#define OP_SET_LSA      0x4103
#define RC_SUCCESS      0
#define RC_INVALID_INPUT 2

typedef struct Machine {
    QTestState *qts;
    char *lsa_path;
    char *mem_path;
    uint64_t hdm_hb;            /* HDM decoder capability of the host bridge */
    uint64_t hdm_ep;            /* ... of the Type 3 device */
    uint64_t mbox;              /* its primary mailbox */
} Machine;

static uint64_t ecam(int bus, int devfn, int off)
{
    return ECAM | bus << 20 | devfn << 12 | off;
}

/*
 * A CXL.cachemem capability array (CXL r3.1 8.2.4): the offset of
 * capability @id from @cm, or 0.
 */
static uint64_t cachemem_cap(QTestState *qts, uint64_t cm, uint16_t id)
{
    uint32_t hdr = qtest_readl(qts, cm);
    int i, n = hdr >> 24;

    g_assert_cmpuint(hdr & 0xffff, ==, 1);          /* CXL Capability */
    for (i = 1; i <= n; i++) {
        uint32_t e = qtest_readl(qts, cm + 4 * i);
        if ((e & 0xffff) == id) {
            return cm + (e >> 20);
        }
    }
    return 0;
}

/* A CXL device capability array (CXL r3.1 8.2.8.1): capability @id */
static uint64_t device_cap(QTestState *qts, uint64_t regs, uint16_t id)
{
    int i, n = qtest_readl(qts, regs + 4) & 0xffff;

    for (i = 1; i <= n; i++) {
        uint64_t h = regs + 16 * i;
        if ((qtest_readl(qts, h) & 0xffff) == id) {
            return regs + qtest_readl(qts, h + 4);
        }
    }
    return 0;
}

/* Size a 64-bit memory BAR and place it at @at; returns its size */
static uint64_t place_bar(QTestState *qts, int bus, int devfn, int bar,
                          uint64_t at)
{
    uint64_t reg = ecam(bus, devfn, PCI_BASE_ADDRESS_0 + 4 * bar);
    uint64_t size;

    qtest_writel(qts, reg, 0xffffffff);
    qtest_writel(qts, reg + 4, 0xffffffff);
    size = ((uint64_t)qtest_readl(qts, reg + 4) << 32) |
           (qtest_readl(qts, reg) & ~0xfull);
    size = ~size + 1;
    g_assert_cmpuint(size, !=, 0);
    qtest_writel(qts, reg, at);
    qtest_writel(qts, reg + 4, at >> 32);
    return size;
}

static void machine_start(Machine *m)
{
    int fd;
    uint64_t comp, dev;

    fd = g_file_open_tmp("cxl-hostile-mem-XXXXXX", &m->mem_path, NULL);
    g_assert(fd >= 0 && ftruncate(fd, 256 * MiB) == 0);
    close(fd);
    fd = g_file_open_tmp("cxl-hostile-lsa-XXXXXX", &m->lsa_path, NULL);
    g_assert(fd >= 0 && ftruncate(fd, 256 * KiB) == 0);
    close(fd);

    /* Two root ports, so that the host bridge decodes (no passthrough) */
    m->qts = qtest_initf(
        "-machine q35,cxl=on -m 512M "
        "-object memory-backend-file,id=mem0,mem-path=%s,size=256M,share=on "
        "-object memory-backend-file,id=lsa0,mem-path=%s,size=256K,share=on "
        "-device pxb-cxl,id=cxl.0,bus=pcie.0,bus_nr=%d "
        "-device cxl-rp,id=rp0,bus=cxl.0,addr=0.0,chassis=0,slot=0,port=0 "
        "-device cxl-rp,id=rp1,bus=cxl.0,addr=1.0,chassis=0,slot=1,port=1 "
        "-device cxl-type3,bus=rp0,persistent-memdev=mem0,lsa=lsa0,id=t3 "
        "-M cxl-fmw.0.targets.0=cxl.0,cxl-fmw.0.size=4G",
        m->mem_path, m->lsa_path, HB_BUS);

    /* q35's PCIEXBAR: ECAM at 0xb0000000, 256 buses */
    qtest_outl(m->qts, 0xcf8, 0x80000060);
    qtest_outl(m->qts, 0xcfc, ECAM | 1);

    /* Root port 0: bus 13 behind it, a memory window over the BARs */
    qtest_writeb(m->qts, ecam(HB_BUS, 0, PCI_SECONDARY_BUS), RP_BUS);
    qtest_writeb(m->qts, ecam(HB_BUS, 0, PCI_SUBORDINATE_BUS), RP_BUS);
    qtest_writew(m->qts, ecam(HB_BUS, 0, PCI_MEMORY_BASE), BAR_BASE >> 16);
    qtest_writew(m->qts, ecam(HB_BUS, 0, PCI_MEMORY_LIMIT),
                 (BAR_BASE + 16 * MiB - 1) >> 16);
    qtest_writew(m->qts, ecam(HB_BUS, 0, PCI_COMMAND), PCI_COMMAND_MEMORY);

    /* The Type 3 device: component registers in BAR 0, device in BAR 2 */
    comp = BAR_BASE;
    dev = comp + MAX(place_bar(m->qts, RP_BUS, 0, 0, comp), 64 * KiB);
    place_bar(m->qts, RP_BUS, 0, 2, dev);
    qtest_writew(m->qts, ecam(RP_BUS, 0, PCI_COMMAND), PCI_COMMAND_MEMORY);

    m->hdm_hb = cachemem_cap(m->qts, CHBCR + CACHEMEM, 5);
    m->hdm_ep = cachemem_cap(m->qts, comp + CACHEMEM, 5);
    m->mbox = device_cap(m->qts, dev, 2);
    g_assert(m->hdm_hb && m->hdm_ep && m->mbox);
}

static void machine_end(Machine *m)
{
    qtest_quit(m->qts);
    unlink(m->mem_path);
    unlink(m->lsa_path);
    g_free(m->mem_path);
    g_free(m->lsa_path);
}

/* Program decoder @n of the HDM capability at @hdm and commit it */
static uint32_t commit(QTestState *qts, uint64_t hdm, int n, uint64_t base,
                       uint64_t size, uint32_t ctrl, uint32_t targets)
{
    uint64_t d = hdm + 0x10 + 0x20 * n;

    qtest_writel(qts, d + 0x00, base);
    qtest_writel(qts, d + 0x04, base >> 32);
    qtest_writel(qts, d + 0x08, size);
    qtest_writel(qts, d + 0x0c, size >> 32);
    qtest_writel(qts, d + 0x14, targets);       /* or DPA skip (endpoints) */
    qtest_writel(qts, d + 0x18, 0);
    qtest_writel(qts, d + 0x10, ctrl | CTRL_COMMIT);
    return qtest_readl(qts, d + 0x10);
}

static void assert_refused(uint32_t ctrl)
{
    g_assert_cmphex(ctrl & (CTRL_COMMITTED | CTRL_ERR), ==, CTRL_ERR);
}

static void assert_committed(uint32_t ctrl)
{
    g_assert_cmphex(ctrl & (CTRL_COMMITTED | CTRL_ERR), ==, CTRL_COMMITTED);
}

/* Host bridge: 16 ways (not advertised there) and reserved encodings */
static void test_hb_ways(void)
{
    static const uint8_t bad[] = { 4, 5, 7, 8, 11, 15 };
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

/* Run mailbox command @op with @len payload bytes already written */
static uint16_t mbox_run(QTestState *qts, uint64_t mb, uint16_t op,
                         uint32_t len, uint32_t *out_len)
{
    uint64_t cmd;

    qtest_writeq(qts, mb + MB_CMD, op | (uint64_t)len << 16);
    qtest_writel(qts, mb + MB_CTRL, 1);
    g_assert_cmpuint(qtest_readl(qts, mb + MB_CTRL) & 1, ==, 0);
    cmd = qtest_readq(qts, mb + MB_CMD);
    if (out_len) {
        *out_len = (cmd >> 16) & 0x1fffff;
    }
    return qtest_readq(qts, mb + MB_STS) >> 32;
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

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    qtest_add_func("/cxl/hostile/hb-decoder-ways", test_hb_ways);
    qtest_add_func("/cxl/hostile/endpoint-decoder-ways", test_ep_ways);
    qtest_add_func("/cxl/hostile/lsa", test_lsa);
    qtest_add_func("/cxl/hostile/mailbox-narrow-writes", test_mbox_narrow_writes);
    return g_test_run();
}
