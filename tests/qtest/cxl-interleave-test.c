/*
 * qtest of interleaved access, without a kernel: program every HDM
 * decoder through MMIO as a CXL driver would, write through the window
 * with 1, 2, 4 and 8-byte accesses (aligned and straddling stripes) and
 * find each byte in the backing file and offset the CXL 2.0 interleave
 * arithmetic gives; seed the files and read back through the window; and
 * see failed decodes read all ones.
 *
 * Topology: 2 host bridges x 2 root ports x 1 Type 3 device (256 MiB
 * each), one window interleaving both host bridges.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "qemu/osdep.h"
#include "qemu/host-utils.h"
#include "libqos/libqtest.h"
#include "hw/pci/pci_regs.h"
#include "hw/cxl/cxl-regs.h"

#define ECAM_BASE       0xb0000000ull
#define BAR_BASE        0xe0000000ull
#define HDM(base)       ((base) + CXL_CACHEMEM_OFFSET + 0x200)  /* our layout */
/*
 * The machine's layout for -m 512M and no hotplug memory: host bridge
 * registers at 4 GiB (64 KiB each, realize order), room for 32 of them,
 * then the window aligned to 256 MiB x ways.
 */
#define CHBCR(i)        (0x100000000ull + (i) * 0x10000)
#define WINDOW          0x120000000ull
#define REGION_SIZE     (1ull << 30)
#define NDEV            4

typedef struct Topo {
    QTestState *qts;
    char *file[NDEV];
    int fd[NDEV];
    unsigned window_gran;
} Topo;

static uint64_t ecam(int bus, int devfn, int off)
{
    return ECAM_BASE | bus << 20 | devfn << 12 | off;
}

/* Device d = hb * 2 + rp sits on bus 13 + 10 * hb + rp, below rp */
static int dev_bus(int d)
{
    return 13 + 10 * (d / 2) + d % 2;
}

static uint64_t dev_bar(int d)
{
    return BAR_BASE + d * 0x100000ull;
}

static void program_decoder(QTestState *qts, uint64_t hdm, int n, uint64_t base,
                            uint64_t size, uint8_t eiw, uint8_t eig,
                            uint64_t targets)
{
    uint64_t dec = hdm + n * CXL_HDM_DECODER_STRIDE;
    uint32_t ctrl = 0;

    qtest_writel(qts, hdm + A_CXL_HDM_GLOBAL_CTRL,
                 R_CXL_HDM_GLOBAL_CTRL_HDM_DECODER_ENABLE_MASK);
    qtest_writel(qts, dec + A_CXL_HDM_DECODER0_BASE_LO, (uint32_t)base);
    qtest_writel(qts, dec + A_CXL_HDM_DECODER0_BASE_HI, base >> 32);
    qtest_writel(qts, dec + A_CXL_HDM_DECODER0_SIZE_LO, (uint32_t)size);
    qtest_writel(qts, dec + A_CXL_HDM_DECODER0_SIZE_HI, size >> 32);
    qtest_writel(qts, dec + A_CXL_HDM_DECODER0_TARGET_LIST_LO, (uint32_t)targets);
    qtest_writel(qts, dec + A_CXL_HDM_DECODER0_TARGET_LIST_HI, targets >> 32);
    ctrl = FIELD_DP32(ctrl, CXL_HDM_DECODER0_CTRL, IW, eiw);
    ctrl = FIELD_DP32(ctrl, CXL_HDM_DECODER0_CTRL, IG, eig);
    ctrl = FIELD_DP32(ctrl, CXL_HDM_DECODER0_CTRL, TARGET_TYPE, 1);
    ctrl = FIELD_DP32(ctrl, CXL_HDM_DECODER0_CTRL, COMMIT, 1);
    qtest_writel(qts, dec + A_CXL_HDM_DECODER0_CTRL, ctrl);
    ctrl = qtest_readl(qts, dec + A_CXL_HDM_DECODER0_CTRL);
    g_assert(FIELD_EX32(ctrl, CXL_HDM_DECODER0_CTRL, COMMITTED));
    g_assert(!FIELD_EX32(ctrl, CXL_HDM_DECODER0_CTRL, ERR_NOT_COMMITTED));
}

static void topo_start(Topo *t, unsigned window_gran)
{
    GString *cmd = g_string_new("-M q35,cxl=on -m 512M");
    int d, hb;

    t->window_gran = window_gran;
    for (hb = 0; hb < 2; hb++) {
        g_string_append_printf(cmd, " -device pxb-cxl,bus_nr=%d,bus=pcie.0,id=hb%d",
                               12 + 10 * hb, hb);
    }
    for (d = 0; d < NDEV; d++) {
        t->file[d] = g_strdup_printf("%s/qemu-cxl-interleave-%d-%d", g_get_tmp_dir(),
                                     getpid(), d);
        t->fd[d] = open(t->file[d], O_RDWR | O_CREAT | O_TRUNC, 0600);
        g_assert(t->fd[d] >= 0 && ftruncate(t->fd[d], 256 << 20) == 0);
        g_string_append_printf(cmd,
            " -device cxl-rp,port=%d,bus=hb%d,id=rp%d,chassis=%d,slot=%d"
            " -object memory-backend-file,id=m%d,share=on,mem-path=%s,size=256M"
            " -device cxl-type3,bus=rp%d,persistent-memdev=m%d,id=mem%d",
            d % 2, d / 2, d, d / 2, d % 2, d, t->file[d], d, d, d);
    }
    g_string_append_printf(cmd, " -M cxl-fmw.0.targets.0=hb0,cxl-fmw.0.targets.1=hb1,"
                           "cxl-fmw.0.size=4G,cxl-fmw.0.interleave-granularity=%u",
                           window_gran);
    t->qts = qtest_init(cmd->str);
    g_string_free(cmd, true);

    /* Firmware's work: ECAM, bus numbers, bridge windows, BARs */
    qtest_outl(t->qts, 0xcf8, 0x80000060);
    qtest_outl(t->qts, 0xcfc, ECAM_BASE | 1);
    for (d = 0; d < NDEV; d++) {
        int rbus = 12 + 10 * (d / 2), rdevfn = (d % 2) << 3, bus = dev_bus(d);
        qtest_writeb(t->qts, ecam(rbus, rdevfn, PCI_PRIMARY_BUS), rbus);
        qtest_writeb(t->qts, ecam(rbus, rdevfn, PCI_SECONDARY_BUS), bus);
        qtest_writeb(t->qts, ecam(rbus, rdevfn, PCI_SUBORDINATE_BUS), bus);
        qtest_writew(t->qts, ecam(rbus, rdevfn, PCI_MEMORY_BASE), dev_bar(d) >> 16);
        qtest_writew(t->qts, ecam(rbus, rdevfn, PCI_MEMORY_LIMIT),
                     (dev_bar(d) + 0xfffff) >> 16);
        qtest_writew(t->qts, ecam(rbus, rdevfn, PCI_COMMAND), PCI_COMMAND_MEMORY);
        qtest_writel(t->qts, ecam(bus, 0, PCI_BASE_ADDRESS_2), dev_bar(d));
        qtest_writel(t->qts, ecam(bus, 0, PCI_BASE_ADDRESS_3), 0);
        qtest_writew(t->qts, ecam(bus, 0, PCI_COMMAND), PCI_COMMAND_MEMORY);
    }
}

/*
 * What a driver does for a 4-way region over both host bridges at the
 * window's granularity: each host bridge interleaves its 2 root ports at
 * granularity x 2; each endpoint takes every 4th stripe.
 */
static void program_region(Topo *t)
{
    uint8_t eig_win = ctz32(t->window_gran) - 8;
    int hb, d;

    for (hb = 0; hb < 2; hb++) {
        /* target list: position 0 -> port 0, position 1 -> port 1 */
        program_decoder(t->qts, HDM(CHBCR(hb)), 0, WINDOW, REGION_SIZE,
                        1, eig_win + 1, 0x0100);
    }
    for (d = 0; d < NDEV; d++) {
        program_decoder(t->qts, HDM(dev_bar(d)), 0, WINDOW, REGION_SIZE,
                        2, eig_win, 0);
    }
}

/* The reference formula: HPA offset -> (device, DPA) for that region */
static void reference(Topo *t, uint64_t off, int *dev, uint64_t *dpa)
{
    uint64_t g = t->window_gran;
    int hb = (off / g) % 2;              /* window: 2 host bridges */
    int rp = (off / (2 * g)) % 2;        /* host bridge: 2 root ports */

    *dev = hb * 2 + rp;
    *dpa = off / (4 * g) * g + off % g;  /* endpoint: 4 ways removed */
}

static void topo_stop(Topo *t)
{
    int d;

    qtest_quit(t->qts);
    for (d = 0; d < NDEV; d++) {
        close(t->fd[d]);
        unlink(t->file[d]);
        g_free(t->file[d]);
    }
}

static uint8_t file_byte(Topo *t, int dev, uint64_t dpa)
{
    uint8_t b;

    g_assert(pread(t->fd[dev], &b, 1, dpa) == 1);
    return b;
}

static void test_interleave(const void *opaque)
{
    unsigned gran = GPOINTER_TO_UINT(opaque);
    static const unsigned sizes[] = { 1, 2, 4, 8 };
    Topo t;
    uint64_t off, dpa;
    unsigned s, i, k = 0;
    int dev;

    topo_start(&t, gran);
    program_region(&t);

    /* Write: for each size, aligned and straddling stripe boundaries */
    for (s = 0; s < ARRAY_SIZE(sizes); s++) {
        for (i = 0; i < 64; i++) {
            uint64_t stripe = (uint64_t)(i * 7 + s * 131) % 4096;
            uint64_t offs[2] = { stripe * gran + (i % (gran / sizes[s])) * sizes[s],
                                 (stripe + 1) * gran - sizes[s] / 2 };
            int n;

            for (n = 0; n < (sizes[s] > 1 ? 2 : 1); n++, k++) {
                uint64_t val = 0x0102030405060708ull * (k + 1) ^ 0xa5a5a5a5a5a5a5a5ull;
                unsigned b;

                off = offs[n];
                switch (sizes[s]) {
                case 1: qtest_writeb(t.qts, WINDOW + off, val); break;
                case 2: qtest_writew(t.qts, WINDOW + off, val); break;
                case 4: qtest_writel(t.qts, WINDOW + off, val); break;
                case 8: qtest_writeq(t.qts, WINDOW + off, val); break;
                }
                for (b = 0; b < sizes[s]; b++) {
                    reference(&t, off + b, &dev, &dpa);
                    g_assert_cmphex(file_byte(&t, dev, dpa), ==, (val >> (8 * b)) & 0xff);
                }
            }
        }
    }

    /* Read: seed the files, read back through the window */
    for (i = 0; i < 256; i++) {
        uint64_t expect = 0, got;
        unsigned b;

        off = (uint64_t)i * 4099 * 3 % (REGION_SIZE - 8);
        for (b = 0; b < 8; b++) {
            uint8_t v = i * 8 + b + 1;
            reference(&t, off + b, &dev, &dpa);
            g_assert(pwrite(t.fd[dev], &v, 1, dpa) == 1);
            expect |= (uint64_t)v << (8 * b);
        }
        got = qtest_readq(t.qts, WINDOW + off);
        g_assert_cmphex(got, ==, expect);
    }

    /* Beyond the committed decoders: all ones, writes dropped */
    g_assert_cmphex(qtest_readq(t.qts, WINDOW + REGION_SIZE + 64), ==, UINT64_MAX);
    qtest_writeq(t.qts, WINDOW + REGION_SIZE + 64, 0);
    g_assert_cmphex(qtest_readl(t.qts, WINDOW + 2 * REGION_SIZE), ==, UINT32_MAX);
    topo_stop(&t);
}

/* Nothing committed: every level fails cleanly, QEMU carries on */
static void test_uncommitted(void)
{
    Topo t;

    topo_start(&t, 256);
    g_assert_cmphex(qtest_readq(t.qts, WINDOW), ==, UINT64_MAX);
    qtest_writeq(t.qts, WINDOW + 8, 0x1234);
    g_assert_cmphex(qtest_readw(t.qts, WINDOW + 255), ==, 0xffff);
    /* Host bridges only: the endpoint level still fails */
    program_decoder(t.qts, HDM(CHBCR(0)), 0, WINDOW, REGION_SIZE, 1, 1, 0x0100);
    g_assert_cmphex(qtest_readl(t.qts, WINDOW), ==, UINT32_MAX);
    /* Uncommitting a decoder takes the route away again */
    program_region(&t);
    qtest_writeb(t.qts, WINDOW, 0x5a);
    g_assert_cmphex(qtest_readb(t.qts, WINDOW), ==, 0x5a);
    qtest_writel(t.qts, HDM(dev_bar(0)) + A_CXL_HDM_DECODER0_CTRL, 0);
    g_assert_cmphex(qtest_readb(t.qts, WINDOW), ==, 0xff);
    topo_stop(&t);
}

int main(int argc, char **argv)
{
    static const unsigned grans[] = { 256, 1024, 4096, 8192 };
    unsigned i;

    g_test_init(&argc, &argv, NULL);
    for (i = 0; i < ARRAY_SIZE(grans); i++) {
        g_autofree char *name = g_strdup_printf("/cxl/interleave/4way/%u", grans[i]);
        qtest_add_data_func(name, GUINT_TO_POINTER(grans[i]), test_interleave);
    }
    qtest_add_func("/cxl/interleave/uncommitted", test_uncommitted);
    return g_test_run();
}
