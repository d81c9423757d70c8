/*
 * qtest of interleaved access, without a kernel: program every HDM
 * decoder through MMIO as a CXL driver would, write through the window
 * with 1, 2, 4 and 8-byte accesses (aligned and straddling stripes) and
 * find each byte in the backing file and offset the CXL 2.0 interleave
 * arithmetic gives; seed the files and read back through the window; and
 * see failed decodes read all ones.
 *
 * Topology: H host bridges x R root ports x 1 Type 3 device (256 MiB
 * each), one window interleaving the H host bridges; the region
 * interleaves all H x R devices: 1, 2, 4, 8 and 16 ways, and 3, 6 and 12
 * ways with the modulo-3 level at the window or at the host bridges, and
 * as Linux programs 3 ways over 3 host bridges.
 *
 * Every case ends by comparing each whole backing file with a shadow of
 * what the case wrote (cxl-qtest.h), so a write that lands twice, or
 * anywhere it should not, fails it. A differential storm runs the same
 * seeded random accesses on the fast path and on the reference path and
 * requires the same reads and the same files from both.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "qemu/osdep.h"
#include "qemu/host-utils.h"
#include "libqos/libqtest.h"
#include "qapi/qmp/qdict.h"
#include "qapi/qmp/qlist.h"
#include "hw/cxl/cxl-decode.h"
#include "cxl-qtest.h"

/* A region takes all of each device: 256 MiB x ways */
#define REGION_SIZE(t)  ((uint64_t)256 * MiB * (t)->hbs * (t)->rps)
#define MAX_DEV         16

typedef struct Topo {
    QTestState *qts;
    unsigned hbs, rps;              /* host bridges, root ports each */
    unsigned gran;                  /* the region's (endpoints') granularity */
    unsigned window_gran, hb_gran;
    bool hb_decoders;               /* program them even with one root port */
    uint64_t window;                /* window base */
    char *file[MAX_DEV];
    int fd[MAX_DEV];
    CXLShadow sh;                   /* what the files must hold */
} Topo;

typedef struct Case {
    unsigned hbs, rps, gran;
    bool alias;                     /* the window as -cxl-fixed-memory-window */
    const char *extra;              /* more of the command line */
    bool linux_levels;              /* window and host bridges as Linux does */
} Case;

/*
 * The granularity of each level for a region at @gran: the levels split
 * a stripe index's low bits among them, the upper level taking the lower
 * bits, except that a 3, 6 or 12-way level takes "mod 3" of what is above
 * all the power-of-two bits (CXL 2.0 8.2.5.12.7), so it decodes last.
 *
 * Linux does otherwise over 3 host bridges: it requires the window's
 * granularity to be the region's, and programs every host bridge decoder
 * at the region's granularity too, with one target when a host bridge has
 * one root port. Stripe i then goes to host bridge i mod 3 and to root
 * port i mod R, which is still one stripe in every 3 x R per device, as
 * R is a power of two.
 */
static void level_granularity(const Case *c, unsigned *window, unsigned *hb)
{
    if (c->linux_levels) {
        *window = c->gran;
        *hb = c->gran;
    } else if (is_power_of_2(c->hbs)) {
        *window = c->gran;
        *hb = c->gran * c->hbs;
    } else {
        *window = c->gran * c->rps;
        *hb = c->gran;
    }
}

/* Host bridge h has root bus 12 + 20 h; its root port r has bus 13 + 20 h + r */
static int root_bus(int h)
{
    return 12 + 20 * h;
}

static uint64_t dev_bar(int d)
{
    return BAR_BASE + d * 0x100000ull;
}

static void topo_start(Topo *t, const Case *c)
{
    GString *cmd = g_string_new("-M q35,cxl=on -m 512M");
    unsigned d, h, ways = c->hbs * c->rps;

    t->hbs = c->hbs;
    t->rps = c->rps;
    t->gran = c->gran;
    t->hb_decoders = c->linux_levels;
    level_granularity(c, &t->window_gran, &t->hb_gran);
    memset(&t->sh, 0, sizeof(t->sh));
    /* 256 MiB x host bridges aligned, after the host bridge registers */
    t->window = QEMU_ALIGN_UP(CHBCR_END, 256ull * MiB * c->hbs);
    for (h = 0; h < c->hbs; h++) {
        g_string_append_printf(cmd, " -device pxb-cxl,bus_nr=%d,bus=pcie.0,id=hb%u",
                               root_bus(h), h);
    }
    for (d = 0; d < ways; d++) {
        g_autofree char *name = g_strdup_printf("mem%u", d);

        h = d / c->rps;
        t->file[d] = g_strdup_printf("%s/qemu-cxl-interleave-%d-%u", g_get_tmp_dir(),
                                     getpid(), d);
        t->fd[d] = open(t->file[d], O_RDWR | O_CREAT | O_TRUNC, 0600);
        g_assert(t->fd[d] >= 0 && ftruncate(t->fd[d], 256 << 20) == 0);
        cxl_shadow_add(&t->sh, t->fd[d], 256 * MiB, name);
        g_string_append_printf(cmd,
            " -device cxl-rp,port=%u,bus=hb%u,id=rp%u,chassis=%u,slot=%u"
            " -object memory-backend-file,id=m%u,share=on,mem-path=%s,size=256M"
            " -device cxl-type3,bus=rp%u,persistent-memdev=m%u,id=mem%u",
            d % c->rps, h, d, h, d % c->rps, d, t->file[d], d, d, d);
    }
    g_string_append(cmd, c->alias ? " -cxl-fixed-memory-window " : " -M ");
    for (h = 0; h < c->hbs; h++) {
        g_string_append_printf(cmd, "%stargets.%u=hb%u,", c->alias ? "" : "cxl-fmw.0.",
                               h, h);
    }
    g_string_append_printf(cmd, c->alias ? "size=%uG,interleave-granularity=%u" :
                           "cxl-fmw.0.size=%uG,cxl-fmw.0.interleave-granularity=%u",
                           4 * c->hbs, t->window_gran);
    if (c->extra) {
        g_string_append_printf(cmd, " %s", c->extra);
    }
    t->qts = cxl_qtest_start("%s", cmd->str);
    g_string_free(cmd, true);

    /* Firmware's work: ECAM, bus numbers, bridge windows, BARs */
    enable_ecam(t->qts);
    for (d = 0; d < ways; d++) {
        int rbus = root_bus(d / c->rps), bus = rbus + 1 + d % c->rps;

        setup_bridge(t->qts, rbus, (d % c->rps) << 3, bus, bus, dev_bar(d), MiB);
        setup_type3(t->qts, bus, dev_bar(d));
    }
}

/*
 * What a driver does for a region over every device at granularity g:
 * each host bridge interleaves its R root ports (at g x H when the window
 * spreads stripes of g over H host bridges), each endpoint takes every
 * (H x R)th stripe. A host bridge with one root port is left alone: it
 * passes everything through (unless programmed as Linux does, with one
 * target).
 */
static void program_region(Topo *t)
{
    uint8_t eig = ctz32(t->gran) - 8, eiw;
    unsigned h, d, ways = t->hbs * t->rps;
    uint64_t targets = 0;

    for (d = 0; d < t->rps; d++) {
        targets |= (uint64_t)d << (8 * d);      /* position d -> port d */
    }
    g_assert(cxl_ways_to_eiw(t->rps, &eiw));
    for (h = 0; h < t->hbs && (t->rps > 1 || t->hb_decoders); h++) {
        program_decoder(t->qts, HDM(CHBCR(h)), 0, t->window, REGION_SIZE(t),
                        eiw, ctz32(t->hb_gran) - 8, targets);
    }
    g_assert(cxl_ways_to_eiw(ways, &eiw));
    for (d = 0; d < ways; d++) {
        program_decoder(t->qts, HDM(dev_bar(d)), 0, t->window, REGION_SIZE(t),
                        eiw, eig, 0);
    }
}

/* The reference formula: HPA offset -> (device, DPA) for that region */
static void reference(Topo *t, uint64_t off, int *dev, uint64_t *dpa)
{
    uint64_t g = t->gran, hpa = t->window + off;
    unsigned h = (hpa / t->window_gran) % t->hbs;       /* window */
    unsigned r = (hpa / t->hb_gran) % t->rps;           /* host bridge */

    *dev = h * t->rps + r;
    *dpa = off / (g * t->hbs * t->rps) * g + off % g;   /* endpoint */
}

/*
 * Quit QEMU and compare every whole file with the shadow; returns how
 * many bytes differ, and with @digest (one per device) hashes each file
 * (cxl_shadow_check_file()). The files go.
 */
static uint64_t topo_finish(Topo *t, GChecksum **digest)
{
    uint64_t bad = 0;
    unsigned d;

    qtest_quit(t->qts);
    for (d = 0; d < t->hbs * t->rps; d++) {
        bad += cxl_shadow_check_file(&t->sh, d, digest ? digest[d] : NULL);
        close(t->fd[d]);
        unlink(t->file[d]);
        g_free(t->file[d]);
    }
    cxl_shadow_free(&t->sh);
    return bad;
}

/* Nothing changed in any file but what the case wrote */
static void topo_stop(Topo *t)
{
    g_assert_cmpuint(topo_finish(t, NULL), ==, 0);
}

/*
 * Write @size bytes of @val at offset @off of the region through the
 * window, and into the shadow where the reference formula puts them
 * (the region ends at REGION_SIZE: beyond it, writes are dropped).
 */
static void topo_write(Topo *t, uint64_t off, uint64_t val, unsigned size)
{
    uint64_t dpa;
    unsigned b;
    int dev;

    cxl_qtest_write(t->qts, t->window + off, val, size);
    for (b = 0; b < size && off + b < REGION_SIZE(t); b++) {
        reference(t, off + b, &dev, &dpa);
        cxl_shadow_set(&t->sh, dev, dpa, val >> (8 * b));
    }
}

/* Seed @len bytes at @dpa of device @dev straight in its file */
static void topo_seed(Topo *t, int dev, uint64_t dpa, const void *buf,
                      size_t len)
{
    cxl_shadow_pwrite(&t->sh, dev, buf, len, dpa);
}

static uint8_t file_byte(Topo *t, int dev, uint64_t dpa)
{
    uint8_t b;

    g_assert(pread(t->fd[dev], &b, 1, dpa) == 1);
    return b;
}

static void test_interleave(const void *opaque)
{
    const Case *c = opaque;
    unsigned gran = c->gran;
    static const unsigned sizes[] = { 1, 2, 4, 8 };
    Topo t;
    uint64_t off, dpa;
    unsigned s, i, k = 0;
    int dev;

    topo_start(&t, c);
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
                topo_write(&t, off, val, sizes[s]);
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

        off = (uint64_t)i * 4099 * 3 % (REGION_SIZE(&t) - 8);
        for (b = 0; b < 8; b++) {
            uint8_t v = i * 8 + b + 1;
            reference(&t, off + b, &dev, &dpa);
            topo_seed(&t, dev, dpa, &v, 1);
            expect |= (uint64_t)v << (8 * b);
        }
        got = qtest_readq(t.qts, t.window + off);
        g_assert_cmphex(got, ==, expect);
    }

    /* Beyond the committed decoders: all ones, writes dropped */
    off = REGION_SIZE(&t) + 64;
    g_assert_cmphex(qtest_readq(t.qts, t.window + off), ==, UINT64_MAX);
    topo_write(&t, off, 0, 8);
    g_assert_cmphex(qtest_readl(t.qts, t.window + off + 4096), ==, UINT32_MAX);
    /* The whole files: every write above landed once, and only there */
    topo_stop(&t);
}

/* Nothing committed: every level fails cleanly, QEMU carries on */
static void test_uncommitted(const void *opaque)
{
    static const Case c = { 2, 2, 256 };
    char *info, *expect;
    Topo t;

    topo_start(&t, &c);
    g_assert_cmphex(qtest_readq(t.qts, t.window), ==, UINT64_MAX);
    qtest_writeq(t.qts, t.window + 8, 0x1234);          /* dropped */
    g_assert_cmphex(qtest_readw(t.qts, t.window + 255), ==, 0xffff);
    /* Host bridges only: the endpoint level still fails */
    program_decoder(t.qts, HDM(CHBCR(0)), 0, t.window, REGION_SIZE(&t), 1, 1, 0x0100);
    g_assert_cmphex(qtest_readl(t.qts, t.window), ==, UINT32_MAX);
    /* Uncommitting a decoder takes the route away again */
    program_region(&t);
    topo_write(&t, 0, 0x5a, 1);
    g_assert_cmphex(qtest_readb(t.qts, t.window), ==, 0x5a);
    /* info cxl shows what the hardware believes */
    info = qtest_hmp(t.qts, "info cxl");
    expect = g_strdup_printf("decoder 0: committed HPA 0x%" PRIx64 "-0x%" PRIx64
                             " 4 way(s) 256 B DPA 0x0-0xfffffff", t.window,
                             t.window + REGION_SIZE(&t) - 1);
    g_assert_nonnull(strstr(info, expect));
    g_assert_nonnull(strstr(info, " 2 way(s) 512 B targets 0 1"));
    g_free(info);
    g_free(expect);
    qtest_writel(t.qts, HDM(dev_bar(0)) + A_CXL_HDM_DECODER0_CTRL, 0);
    g_assert_cmphex(qtest_readb(t.qts, t.window), ==, 0xff);
    info = qtest_hmp(t.qts, "info cxl");
    g_assert_nonnull(strstr(info, "type3 mem0: volatile 0 MiB, persistent 256 MiB"));
    g_assert_nonnull(strstr(strstr(info, "type3 mem0"), "decoder 0: not committed"));
    g_free(info);
    topo_stop(&t);
}

/*
 * Reprogramming a committed region moves its stripes at once, however
 * recently an access went through them: swap the host bridge's two root
 * ports and the first stripe, just read from device 0, comes from
 * device 1; swap them back and it is device 0's again. (The last read
 * before each swap is from the first stripe, the failed one in between
 * from the second.)
 */
static void test_reprogram(const void *opaque)
{
    static const Case c = { 1, 2, 256 };
    uint64_t first = 0x1111111111111111ull, second = 0x2222222222222222ull;
    unsigned round;
    Topo t;

    topo_start(&t, &c);
    topo_seed(&t, 0, 0x40, &first, 8);
    topo_seed(&t, 1, 0x40, &second, 8);
    program_region(&t);
    for (round = 0; round < 4; round++) {
        bool swapped = round & 1;

        g_assert_cmphex(qtest_readq(t.qts, t.window + 0x40), ==,
                        swapped ? second : first);
        g_assert_cmphex(qtest_readq(t.qts, t.window + 0x140), ==,
                        swapped ? first : second);
        g_assert_cmphex(qtest_readq(t.qts, t.window + 0x48), ==,
                        cxl_shadow_get_le(&t.sh, swapped, 0x48, 8));
        qtest_writel(t.qts, HDM(CHBCR(0)) + A_CXL_HDM_DECODER0_CTRL, 0);
        g_assert_cmphex(qtest_readq(t.qts, t.window + 0x140), ==, UINT64_MAX);
        program_decoder(t.qts, HDM(CHBCR(0)), 0, t.window, REGION_SIZE(&t),
                        1, 0, swapped ? 0x0100 : 0x0001);
    }
    topo_stop(&t);
}

/*
 * Unprogram a region's decoders (host bridge and endpoints) and program
 * them again at granularity @gran.
 */
static void regranulate(Topo *t, unsigned gran)
{
    unsigned d;

    qtest_writel(t->qts, HDM(CHBCR(0)) + A_CXL_HDM_DECODER0_CTRL, 0);
    for (d = 0; d < t->hbs * t->rps; d++) {
        qtest_writel(t->qts, HDM(dev_bar(d)) + A_CXL_HDM_DECODER0_CTRL, 0);
    }
    t->gran = t->hb_gran = gran;
    program_region(t);
}

/*
 * Code that a vCPU ran from a page-mapped stripe, rewritten through the
 * trap, runs as rewritten. TCG keeps translated code by RAM address:
 * with the region at 4 KiB the first stripe is device 0's first page,
 * mapped into the TLB, and code run from it is kept; at 256 B the same
 * device bytes are reached through the trap, where a store must drop
 * that code as a store through the TLB would. aarch64 only, where a vCPU
 * with the MMU off reaches the window at 1 TiB: a loop in RAM calls the
 * window's first word each time the test bumps a sequence number, and
 * stores what it returned.
 */
#define CODE_RAM        0x48000000ull   /* in virt's RAM, clear of the DTB */
#define CODE_DATA       (CODE_RAM + 0x10000)    /* seq, ack, result, window */
#define A64_MOV_W0(n)   (0x52800000u | (n) << 5)    /* movz w0, #n */
#define A64_RET         0xd65f03c0u

static uint32_t run_window_code(Topo *t, uint32_t seq)
{
    gint64 deadline = g_get_monotonic_time() + 60 * G_USEC_PER_SEC;

    qtest_writeq(t->qts, CODE_DATA + 16, t->window);
    qtest_writel(t->qts, CODE_DATA, seq);
    while (qtest_readl(t->qts, CODE_DATA + 4) != seq) {
        g_assert(g_get_monotonic_time() < deadline);
        g_usleep(1000);
    }
    return qtest_readl(t->qts, CODE_DATA + 8);
}

static void test_code_rewritten(const void *opaque)
{
    static const uint32_t loop[] = {
        0x58000193,     /*     ldr x19, data */
        0x52800015,     /*     mov w21, #0 */
        0xb9400261,     /* 1:  ldr w1, [x19]        (seq) */
        0x6b15003f,     /*     cmp w1, w21 */
        0x54ffffc0,     /*     b.eq 1b */
        0x2a0103f5,     /*     mov w21, w1 */
        0xf9400a74,     /*     ldr x20, [x19, #16]  (window) */
        0xd63f0280,     /*     blr x20 */
        0xb9000a60,     /*     str w0, [x19, #8]    (result) */
        0xb9000675,     /*     str w21, [x19, #4]   (ack) */
        0x17fffff8,     /*     b 1b */
        0xd503201f,     /*     nop */
        (uint32_t)CODE_DATA, CODE_DATA >> 32,   /* data: */
    };
    g_autofree char *image = g_strdup_printf("%s/qemu-cxl-code-%d", g_get_tmp_dir(),
                                             getpid());
    g_autofree char *extra = g_strdup_printf("-accel tcg -device loader,file=%s,"
                                             "addr=0x%llx,cpu-num=0", image,
                                             CODE_RAM);
    Case c = { 1, 2, 4096, false, extra };
    uint32_t n, word = 0;
    Topo t;

    if (strcmp(qtest_get_arch(), "aarch64")) {
        g_test_skip("the guest code is aarch64's");
        return;
    }
    g_assert(g_file_set_contents(image, (const char *)loop, sizeof(loop), NULL));
    topo_start(&t, &c);
    unlink(image);
    program_region(&t);
    topo_write(&t, 0, A64_MOV_W0(1), 4);
    topo_write(&t, 4, A64_RET, 4);
    g_assert_cmpuint(run_window_code(&t, 1), ==, 1);
    for (n = 2; n <= 3; n++) {
        regranulate(&t, 256);
        topo_write(&t, 0, A64_MOV_W0(n), 4);
        g_assert_cmpint(pread(t.fd[0], &word, 4, 0), ==, 4);
        g_assert_cmphex(word, ==, A64_MOV_W0(n));
        regranulate(&t, 4096);
        g_assert_cmpuint(run_window_code(&t, n), ==, n);
    }
    topo_stop(&t);
}

/*
 * A region that does not interleave is one contiguous range of one
 * device: the fast path maps it as a RAM alias (which KVM can use), the
 * reference path never does. Uncommitting takes the alias away again.
 */
static void test_ram_alias(const void *opaque)
{
    static const Case c = { 1, 1, 256 };
    bool fast = !*cxl_qtest_mode_args;
    uint64_t got = 0;
    char *mtree;
    Topo t;

    topo_start(&t, &c);
    mtree = qtest_hmp(t.qts, "info mtree");
    g_assert_null(strstr(mtree, "alias cxl-fixed-memory-window-0-ram"));
    g_free(mtree);

    program_region(&t);
    mtree = qtest_hmp(t.qts, "info mtree");
    g_assert(!!strstr(mtree, "alias cxl-fixed-memory-window-0-ram-0 @cxl-type3-dpa")
             == fast);
    g_free(mtree);
    topo_write(&t, 0x123458, 0x0123456789abcdefull, 8);
    g_assert_cmpint(pread(t.fd[0], &got, 8, 0x123458), ==, 8);
    g_assert_cmphex(got, ==, 0x0123456789abcdefull);
    got = 0xfedcba9876543210ull;
    topo_seed(&t, 0, REGION_SIZE(&t) - 8, &got, 8);
    g_assert_cmphex(qtest_readq(t.qts, t.window + REGION_SIZE(&t) - 8), ==, got);

    /* Uncommitted: no alias, the access fails as any unrouted one */
    qtest_writel(t.qts, HDM(dev_bar(0)) + A_CXL_HDM_DECODER0_CTRL, 0);
    mtree = qtest_hmp(t.qts, "info mtree");
    g_assert_null(strstr(mtree, "alias cxl-fixed-memory-window-0-ram"));
    g_free(mtree);
    g_assert_cmphex(qtest_readq(t.qts, t.window + 0x123458), ==, UINT64_MAX);
    topo_stop(&t);
}

/*
 * A target that is not there: a host bridge decoder naming a port number
 * no root port has, and a root port with no device below it.
 */
static void test_missing_device(const void *opaque)
{
    static const Case c = { 1, 2, 256 };
    Topo t;
    uint64_t off;

    topo_start(&t, &c);
    program_region(&t);
    /* Re-program the host bridge: position 1 now names port 5 */
    qtest_writel(t.qts, HDM(CHBCR(0)) + A_CXL_HDM_DECODER0_CTRL, 0);
    program_decoder(t.qts, HDM(CHBCR(0)), 0, t.window, REGION_SIZE(&t), 1, 0, 0x0500);
    topo_write(&t, 0, 0x1122334455667788ull, 8);
    g_assert_cmphex(qtest_readq(t.qts, t.window), ==, 0x1122334455667788ull);
    off = 256;                  /* position 1: port 5 does not exist */
    g_assert_cmphex(qtest_readq(t.qts, t.window + off), ==, UINT64_MAX);
    qtest_writeq(t.qts, t.window + off, 0);            /* dropped */
    /* A straddling access: one half reaches a device, the other fails */
    g_assert_cmphex(qtest_readl(t.qts, t.window + 254), ==,
                    0xffff0000 | cxl_shadow_get_le(&t.sh, 0, 254, 2));
    topo_stop(&t);

    /* One root port and no device below it: the pass-through finds none */
    t.qts = cxl_qtest_start("-M q35,cxl=on -m 512M"
                       " -device pxb-cxl,bus_nr=12,bus=pcie.0,id=hb0"
                       " -device cxl-rp,port=0,bus=hb0,id=rp0,chassis=0,slot=0"
                       " -M cxl-fmw.0.targets.0=hb0,cxl-fmw.0.size=4G");
    g_assert_cmphex(qtest_readq(t.qts, QEMU_ALIGN_UP(CHBCR_END, 256 * MiB)), ==,
                    UINT64_MAX);
    qtest_quit(t.qts);
}

/*
 * A switch below a root port: rp0 -> us0 -> ds0, ds1 -> mem0, mem1. The
 * host bridge has one root port and passes through; the switch's upstream
 * port interleaves its two downstream ports; 2 ways at 256 B.
 */
static void test_switch(const void *opaque)
{
    g_autofree char *f0 = g_strdup_printf("%s/qemu-cxl-sw-%d-0", g_get_tmp_dir(),
                                          getpid());
    g_autofree char *f1 = g_strdup_printf("%s/qemu-cxl-sw-%d-1", g_get_tmp_dir(),
                                          getpid());
    const char *files[2] = { f0, f1 };
    uint64_t window = QEMU_ALIGN_UP(CHBCR_END, 256 * MiB), usp_bar = BAR_BASE + 0x400000;
    int fd[2], d;
    QTestState *qts;
    CXLShadow sh = { 0 };
    uint64_t off;
    char *info;

    for (d = 0; d < 2; d++) {
        g_autofree char *name = g_strdup_printf("mem%d", d);

        fd[d] = open(files[d], O_RDWR | O_CREAT | O_TRUNC, 0600);
        g_assert(fd[d] >= 0 && ftruncate(fd[d], 256 << 20) == 0);
        cxl_shadow_add(&sh, fd[d], 256 * MiB, name);
    }
    qts = cxl_qtest_start("-M q35,cxl=on -m 512M"
        " -device pxb-cxl,bus_nr=12,bus=pcie.0,id=hb0"
        " -device cxl-rp,port=0,bus=hb0,id=rp0,chassis=0,slot=0"
        " -device cxl-upstream,bus=rp0,id=us0"
        " -device cxl-downstream,port=0,bus=us0,id=ds0,chassis=0,slot=4"
        " -device cxl-downstream,port=1,bus=us0,id=ds1,chassis=0,slot=5"
        " -object memory-backend-file,id=m0,share=on,mem-path=%s,size=256M"
        " -object memory-backend-file,id=m1,share=on,mem-path=%s,size=256M"
        " -device cxl-type3,bus=ds0,persistent-memdev=m0,id=mem0"
        " -device cxl-type3,bus=ds1,persistent-memdev=m1,id=mem1"
        " -M cxl-fmw.0.targets.0=hb0,cxl-fmw.0.size=4G", f0, f1);

    /* Firmware's work: buses 13 (below rp0), 14 (below us0), 15, 16 */
    enable_ecam(qts);
    setup_bridge(qts, 12, 0, 13, 16, BAR_BASE, 5 * MiB);
    setup_bridge(qts, 13, 0, 14, 16, BAR_BASE, 4 * MiB);
    qtest_writel(qts, ecam(13, 0, PCI_BASE_ADDRESS_0), usp_bar);
    for (d = 0; d < 2; d++) {
        setup_bridge(qts, 14, d << 3, 15 + d, 15 + d, dev_bar(d), MiB);
        qtest_writel(qts, ecam(14, d << 3, PCI_BASE_ADDRESS_0),
                     BAR_BASE + 0x200000 + d * 0x10000);
        setup_type3(qts, 15 + d, dev_bar(d));
    }

    /* Before the switch decodes: the walk stops at the switch */
    g_assert_cmphex(qtest_readq(qts, window), ==, UINT64_MAX);
    info = qtest_hmp(qts, "info cxl");
    g_assert_nonnull(strstr(info, "switch upstream port us0"));
    g_assert_nonnull(strstr(info, "downstream port ds1: port 1"));
    g_free(info);

    /* The switch interleaves ds0, ds1 at 256 B; each endpoint 2 ways */
    program_decoder(qts, HDM(usp_bar), 0, window, 512 * MiB, 1, 0, 0x0100);
    for (d = 0; d < 2; d++) {
        program_decoder(qts, HDM(dev_bar(d)), 0, window, 512 * MiB, 1, 0, 0);
    }
    for (off = 0; off < 64 * 1024; off += 248) {
        uint64_t val = off * 0x9e3779b97f4a7c15ull, got;
        unsigned b;

        qtest_writeq(qts, window + off, val);
        for (b = 0; b < 8; b++) {
            uint64_t o = off + b, dpa = o / 512 * 256 + o % 256;
            uint8_t byte;

            g_assert(pread(fd[(o / 256) % 2], &byte, 1, dpa) == 1);
            g_assert_cmphex(byte, ==, (val >> (8 * b)) & 0xff);
            cxl_shadow_set(&sh, (o / 256) % 2, dpa, val >> (8 * b));
        }
        got = qtest_readq(qts, window + off);
        g_assert_cmphex(got, ==, val);
    }
    qtest_quit(qts);
    cxl_shadow_assert(&sh);
    cxl_shadow_free(&sh);
    for (d = 0; d < 2; d++) {
        close(fd[d]);
        unlink(files[d]);
    }
}

/*
 * One device with volatile and persistent capacity, two regions on it
 * through two endpoint decoders: decoder 0 maps the volatile DPA range
 * (first in DPA space), decoder 1 the persistent one.
 */
static void test_two_decoders(const void *opaque)
{
    g_autofree char *fv = g_strdup_printf("%s/qemu-cxl-vp-%d-v", g_get_tmp_dir(),
                                          getpid());
    g_autofree char *fp = g_strdup_printf("%s/qemu-cxl-vp-%d-p", g_get_tmp_dir(),
                                          getpid());
    uint64_t window = QEMU_ALIGN_UP(CHBCR_END, 256 * MiB), hdm = HDM(dev_bar(0));
    int v = open(fv, O_RDWR | O_CREAT | O_TRUNC, 0600);
    int p = open(fp, O_RDWR | O_CREAT | O_TRUNC, 0600);
    CXLShadow sh = { 0 };
    QTestState *qts;
    uint64_t got;
    uint32_t ctrl;

    g_assert(v >= 0 && p >= 0);
    g_assert(ftruncate(v, 256 << 20) == 0 && ftruncate(p, 256 << 20) == 0);
    cxl_shadow_add(&sh, v, 256 * MiB, "mem0 volatile");
    cxl_shadow_add(&sh, p, 256 * MiB, "mem0 persistent");
    qts = cxl_qtest_start("-M q35,cxl=on -m 512M"
        " -device pxb-cxl,bus_nr=12,bus=pcie.0,id=hb0"
        " -device cxl-rp,port=0,bus=hb0,id=rp0,chassis=0,slot=0"
        " -object memory-backend-file,id=v0,share=on,mem-path=%s,size=256M"
        " -object memory-backend-file,id=p0,share=on,mem-path=%s,size=256M"
        " -device cxl-type3,bus=rp0,volatile-memdev=v0,persistent-memdev=p0,id=mem0"
        " -M cxl-fmw.0.targets.0=hb0,cxl-fmw.0.size=4G", fv, fp);
    enable_ecam(qts);
    setup_bridge(qts, 12, 0, 13, 13, BAR_BASE, MiB);
    setup_type3(qts, 13, dev_bar(0));

    /* A DPA skip that runs past the capacity: the error bit, no commit */
    qtest_writel(qts, hdm + A_CXL_HDM_DECODER0_TARGET_LIST_LO, 0);
    qtest_writel(qts, hdm + A_CXL_HDM_DECODER0_TARGET_LIST_HI, 1);  /* 4 GiB */
    qtest_writel(qts, hdm + A_CXL_HDM_DECODER0_BASE_LO, (uint32_t)window);
    qtest_writel(qts, hdm + A_CXL_HDM_DECODER0_BASE_HI, window >> 32);
    qtest_writel(qts, hdm + A_CXL_HDM_DECODER0_SIZE_LO, 256 * MiB);
    qtest_writel(qts, hdm + A_CXL_HDM_DECODER0_CTRL,
                 R_CXL_HDM_DECODER0_CTRL_COMMIT_MASK);
    ctrl = qtest_readl(qts, hdm + A_CXL_HDM_DECODER0_CTRL);
    g_assert(FIELD_EX32(ctrl, CXL_HDM_DECODER0_CTRL, ERR_NOT_COMMITTED));
    g_assert(!FIELD_EX32(ctrl, CXL_HDM_DECODER0_CTRL, COMMITTED));
    qtest_writel(qts, hdm + A_CXL_HDM_DECODER0_CTRL, 0);

    /* Decoder 0: HPA [W, W + 256M) -> DPA [0, 256M), the volatile part */
    program_decoder(qts, hdm, 0, window, 256 * MiB, 0, 0, 0);
    /* Decoder 1: the next 256 MiB of HPA -> DPA [256M, 512M), persistent */
    program_decoder(qts, hdm, 1, window + 256 * MiB, 256 * MiB, 0, 0, 0);
    /* Decoder 2 may not map HPA below decoder 1's end (nor DPA past the end) */
    qtest_writel(qts, hdm + 2 * CXL_HDM_DECODER_STRIDE + A_CXL_HDM_DECODER0_BASE_LO,
                 (uint32_t)window);
    qtest_writel(qts, hdm + 2 * CXL_HDM_DECODER_STRIDE + A_CXL_HDM_DECODER0_BASE_HI,
                 window >> 32);
    qtest_writel(qts, hdm + 2 * CXL_HDM_DECODER_STRIDE + A_CXL_HDM_DECODER0_SIZE_LO,
                 256 * MiB);
    qtest_writel(qts, hdm + 2 * CXL_HDM_DECODER_STRIDE + A_CXL_HDM_DECODER0_CTRL,
                 R_CXL_HDM_DECODER0_CTRL_COMMIT_MASK);
    ctrl = qtest_readl(qts, hdm + 2 * CXL_HDM_DECODER_STRIDE + A_CXL_HDM_DECODER0_CTRL);
    g_assert(FIELD_EX32(ctrl, CXL_HDM_DECODER0_CTRL, ERR_NOT_COMMITTED));

    qtest_writeq(qts, window + 0x1000, 0x1111111111111111ull);
    qtest_writeq(qts, window + 256 * MiB + 0x2000, 0x2222222222222222ull);
    cxl_shadow_set_le(&sh, 0, 0x1000, 0x1111111111111111ull, 8);
    cxl_shadow_set_le(&sh, 1, 0x2000, 0x2222222222222222ull, 8);
    g_assert(pread(v, &got, 8, 0x1000) == 8);
    g_assert_cmphex(got, ==, 0x1111111111111111ull);
    g_assert(pread(p, &got, 8, 0x2000) == 8);
    g_assert_cmphex(got, ==, 0x2222222222222222ull);
    g_assert(pread(v, &got, 8, 0x2000) == 8);
    g_assert_cmphex(got, ==, cxl_shadow_get_le(&sh, 0, 0x2000, 8));
    /* And back: seed the persistent file, read through decoder 1 */
    got = 0x3333333333333333ull;
    cxl_shadow_pwrite(&sh, 1, &got, 8, 0x3000);
    g_assert_cmphex(qtest_readq(qts, window + 256 * MiB + 0x3000), ==, got);
    qtest_quit(qts);
    /* Each decoder wrote its own file, and nothing else */
    cxl_shadow_assert(&sh);
    cxl_shadow_free(&sh);
    close(v);
    close(p);
    unlink(fv);
    unlink(fp);
}

/* QMP cxl-translate for @hpa: its "return" dictionary (caller unrefs) */
static QDict *translate(QTestState *qts, uint64_t hpa)
{
    QDict *resp = qtest_qmp(qts, "{'execute': 'cxl-translate', "
                            "'arguments': {'address': %" PRIu64 "}}", hpa);
    QDict *ret = qdict_get_qdict(resp, "return");

    g_assert(ret);
    qobject_ref(ret);
    qobject_unref(resp);
    g_assert_cmpuint(qdict_get_int(ret, "address"), ==, hpa);
    return ret;
}

static void expect_stop(QTestState *qts, uint64_t hpa, const char *level,
                        const char *reason)
{
    QDict *tr = translate(qts, hpa);

    g_assert_false(qdict_get_bool(tr, "reached"));
    g_assert_cmpstr(qdict_get_str(tr, "level"), ==, level);
    g_assert_nonnull(strstr(qdict_get_str(tr, "reason"), reason));
    qobject_unref(tr);
}

/* The first decoder in a query-cxl "decoders" list */
static QDict *first_decoder(QDict *component)
{
    return qobject_to(QDict, qlist_peek(qdict_get_qlist(component, "decoders")));
}

/*
 * QMP query-cxl and cxl-translate on an unprogrammed, a half-programmed
 * and a committed topology; translate's answers are checked against
 * where the bytes of an access really land.
 */
static void test_introspection(const void *opaque)
{
    static const Case c = { 2, 2, 256 };
    QDict *resp, *info, *hb, *rp, *dev, *dec, *tr;
    QList *hbs;
    Topo t;
    unsigned i;

    topo_start(&t, &c);
    resp = qtest_qmp(t.qts, "{'execute': 'query-cxl'}");
    info = qdict_get_qdict(resp, "return");
    g_assert_true(qdict_get_bool(info, "enabled"));
    g_assert_cmpuint(qdict_get_int(qobject_to(QDict, qlist_peek(
        qdict_get_qlist(info, "windows"))), "base"), ==, t.window);
    hbs = qdict_get_qlist(info, "host-bridges");
    g_assert_cmpuint(qlist_size(hbs), ==, 2);
    hb = qobject_to(QDict, qlist_peek(hbs));
    g_assert_cmpstr(qdict_get_str(hb, "id"), ==, "hb0");
    g_assert_cmpuint(qdict_get_int(hb, "registers"), ==, CHBCR(0));
    g_assert_cmpuint(qlist_size(qdict_get_qlist(hb, "root-ports")), ==, 2);
    rp = qobject_to(QDict, qlist_peek(qdict_get_qlist(hb, "root-ports")));
    dev = qdict_get_qdict(rp, "device");
    g_assert_cmpstr(qdict_get_str(dev, "id"), ==, "mem0");
    g_assert_cmpuint(qdict_get_int(dev, "persistent-size"), ==, 256 * MiB);
    g_assert_false(qdict_get_bool(first_decoder(dev), "committed"));
    qobject_unref(resp);

    /* Unprogrammed: the host bridge has two root ports and no decoder */
    expect_stop(t.qts, t.window, "host bridge", "no committed HDM decoder");
    expect_stop(t.qts, t.window - 1, "window", "in no CXL fixed memory window");
    /* Half-programmed: host bridges only; the endpoints stop it */
    program_decoder(t.qts, HDM(CHBCR(0)), 0, t.window, REGION_SIZE(&t), 1, 1, 0x0100);
    program_decoder(t.qts, HDM(CHBCR(1)), 0, t.window, REGION_SIZE(&t), 1, 1, 0x0100);
    expect_stop(t.qts, t.window + 256, "endpoint", "no committed HDM decoder");
    resp = qtest_qmp(t.qts, "{'execute': 'query-cxl'}");
    hb = qobject_to(QDict, qlist_peek(qdict_get_qlist(qdict_get_qdict(resp, "return"),
                                                      "host-bridges")));
    dec = first_decoder(hb);
    g_assert_true(qdict_get_bool(dec, "committed"));
    g_assert_cmpuint(qdict_get_int(dec, "ways"), ==, 2);
    g_assert_cmpuint(qdict_get_int(dec, "granularity"), ==, 512);
    g_assert_cmpuint(qlist_size(qdict_get_qlist(dec, "targets")), ==, 2);
    qobject_unref(resp);

    /* Committed: translate names the device and DPA the bytes reach */
    program_region(&t);
    for (i = 0; i < 64; i++) {
        uint64_t off = (uint64_t)i * 0x12345 % (REGION_SIZE(&t) - 8), dpa, got;
        unsigned dev_index;

        tr = translate(t.qts, t.window + off);
        g_assert_true(qdict_get_bool(tr, "reached"));
        g_assert_cmpuint(qdict_get_int(tr, "window"), ==, 0);
        g_assert(sscanf(qdict_get_str(tr, "device"), "mem%u", &dev_index) == 1);
        dpa = qdict_get_int(tr, "dpa");
        topo_write(&t, off, 0x80 | i, 1);
        got = file_byte(&t, dev_index, dpa);
        g_assert_cmphex(got, ==, 0x80 | i);
        qobject_unref(tr);
    }
    /* And the HMP command says the same */
    tr = translate(t.qts, t.window + 256);
    {
        g_autofree char *out = qtest_hmp(t.qts, "cxl_translate 0x%" PRIx64,
                                         t.window + 256);
        g_autofree char *expect = g_strdup_printf("%s DPA 0x%" PRIx64,
                                                  qdict_get_str(tr, "device"),
                                                  (uint64_t)qdict_get_int(tr, "dpa"));
        g_assert_nonnull(strstr(out, expect));
    }
    qobject_unref(tr);
    topo_stop(&t);
}

/*
 * Either spelling of a window: windows are numbered in command-line
 * order. (Mixing the spellings is refused; cxl-test checks that.)
 */
static void test_window_spellings(const void *opaque)
{
    static const char *orders[] = {
        "-M cxl-fmw.0.targets.0=hb0,cxl-fmw.0.size=4G "
        "-M cxl-fmw.1.targets.0=hb0,cxl-fmw.1.size=8G",
        "-cxl-fixed-memory-window targets.0=hb0,size=4G "
        "-cxl-fixed-memory-window targets.0=hb0,size=8G",
    };
    unsigned i;

    for (i = 0; i < ARRAY_SIZE(orders); i++) {
        QTestState *qts = cxl_qtest_start("-M q35,cxl=on -m 512M"
            " -device pxb-cxl,bus_nr=12,bus=pcie.0,id=hb0 %s", orders[i]);
        QDict *resp = qtest_qmp(qts, "{'execute': 'query-cxl'}");
        QList *w = qdict_get_qlist(qdict_get_qdict(resp, "return"), "windows");
        QDict *w0 = qobject_to(QDict, qlist_pop(w));
        QDict *w1 = qobject_to(QDict, qlist_pop(w));

        g_assert_cmpuint(qdict_get_int(w0, "index"), ==, 0);
        g_assert_cmpuint(qdict_get_int(w0, "size"), ==, 4 * GiB);
        g_assert_cmpuint(qdict_get_int(w1, "index"), ==, 1);
        g_assert_cmpuint(qdict_get_int(w1, "size"), ==, 8 * GiB);
        qobject_unref(w0);
        qobject_unref(w1);
        qobject_unref(resp);
        qtest_quit(qts);
    }
}

/*
 * The spec's limit of ten decoders (hdm-decoders=10) on a 2.5 GiB device:
 * ten 1-way regions, each through its own decoder to its own 256 MiB of
 * DPA, committed in order; one out of order gets the error bit.
 */
static void test_ten_decoders(const void *opaque)
{
    int fd;
    g_autofree char *f = cxl_qtest_file("ten", 0, 2560 * MiB, &fd);
    uint64_t window = QEMU_ALIGN_UP(CHBCR_END, 256 * MiB), hdm = HDM(dev_bar(0));
    CXLShadow sh = { 0 };
    QTestState *qts;
    uint64_t got;
    uint32_t cap, ctrl;
    unsigned n;

    qts = cxl_qtest_start("-M q35,cxl=on -m 512M"
        " -device pxb-cxl,bus_nr=12,bus=pcie.0,id=hb0"
        " -device cxl-rp,port=0,bus=hb0,id=rp0,chassis=0,slot=0"
        " -object memory-backend-file,id=p0,share=on,mem-path=%s,size=2560M"
        " -device cxl-type3,bus=rp0,persistent-memdev=p0,id=mem0,hdm-decoders=10"
        " -M cxl-fmw.0.targets.0=hb0,cxl-fmw.0.size=8G", f);
    cxl_shadow_add(&sh, fd, 2560 * MiB, "mem0");
    enable_ecam(qts);
    setup_bridge(qts, 12, 0, 13, 13, BAR_BASE, MiB);
    setup_type3(qts, 13, dev_bar(0));
    cap = qtest_readl(qts, hdm + A_CXL_HDM_DECODER_CAP);
    g_assert_cmpuint(FIELD_EX32(cap, CXL_HDM_DECODER_CAP, DECODER_COUNT), ==, 5);

    /* Decoder 1 before decoder 0: not committed, error bit */
    qtest_writel(qts, hdm + CXL_HDM_DECODER_STRIDE + A_CXL_HDM_DECODER0_CTRL,
                 R_CXL_HDM_DECODER0_CTRL_COMMIT_MASK);
    ctrl = qtest_readl(qts, hdm + CXL_HDM_DECODER_STRIDE + A_CXL_HDM_DECODER0_CTRL);
    g_assert(FIELD_EX32(ctrl, CXL_HDM_DECODER0_CTRL, ERR_NOT_COMMITTED));
    qtest_writel(qts, hdm + CXL_HDM_DECODER_STRIDE + A_CXL_HDM_DECODER0_CTRL, 0);

    /* Every other 256 MiB of HPA: the walk must pick by range */
    for (n = 0; n < 10; n++) {
        program_decoder(qts, hdm, n, window + n * 512 * MiB, 256 * MiB, 0, 0, 0);
    }
    for (n = 0; n < 10; n++) {
        uint64_t hpa = window + n * 512 * MiB + n * 4096;

        qtest_writeq(qts, hpa, 0x1000 + n);
        g_assert(pread(fd, &got, 8, n * 256 * MiB + n * 4096) == 8);
        cxl_shadow_set_le(&sh, 0, n * 256 * MiB + n * 4096, 0x1000 + n, 8);
        g_assert_cmphex(got, ==, 0x1000 + n);
        g_assert_cmphex(qtest_readq(qts, hpa + 256 * MiB), ==, UINT64_MAX);
    }
    qtest_quit(qts);
    cxl_shadow_assert(&sh);
    cxl_shadow_free(&sh);
    close(fd);
    unlink(f);
}

/*
 * The differential storm: one seeded sequence of random window accesses
 * (reads and writes of 1 to 8 bytes at any alignment, many of them
 * straddling a stripe boundary, a few past the region's end) run on the
 * fast path and on the reference path, each in its own QEMU against the
 * same freshly seeded files. The two paths must agree on every value
 * read and on every byte of every file at the end (hashed whole); and
 * each run must agree with the model: every read returns what the
 * shadow holds where the reference formula sends it, and every file
 * ends as the shadow says. The first catches a path that differs from
 * the other (a write duplicated on the fast path alone); the second a
 * fault both share (the route table fills from the walk).
 *
 * CXL_STORM_SEED and CXL_STORM_OPS override the seed and the number of
 * accesses per run.
 */
#define STORM_DEFAULT_SEED  1
#define STORM_DEFAULT_OPS   8000

typedef struct StormOp {
    uint64_t off, val;              /* region offset; written, or read */
    unsigned size;
    bool write;
} StormOp;

typedef struct StormRun {
    GArray *reads;                  /* StormOp: each read and its value */
    char *digest[MAX_DEV];          /* SHA-256 of each file at the end */
    uint64_t bad;                   /* reads and bytes the model refutes */
} StormRun;

static uint64_t env_u64(const char *name, uint64_t dflt)
{
    const char *s = getenv(name);

    return s && *s ? g_ascii_strtoull(s, NULL, 0) : dflt;
}

/* splitmix64 */
static uint64_t storm_next(uint64_t *state)
{
    uint64_t x = (*state += 0x9e3779b97f4a7c15ull);

    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
    return x ^ (x >> 31);
}

/*
 * The next access: mostly where the files are seeded (so that a read
 * names the device and DPA it came from), a quarter of them ending just
 * past a stripe boundary, some anywhere in the region, and some at its
 * end, where decoding stops.
 */
static void storm_op(Topo *t, uint64_t *rng, StormOp *op)
{
    uint64_t r = storm_next(rng);
    uint64_t hot = CXL_SHADOW_SEEDED * t->hbs * t->rps;
    unsigned pick = r % 100;

    op->size = 1 + (r >> 8) % 8;
    op->write = (r >> 16) & 1;
    op->val = storm_next(rng);
    r = storm_next(rng);
    if (pick < 60) {
        op->off = r % (hot - 8);
    } else if (pick < 85) {
        op->off = (r % (hot / t->gran - 1) + 1) * t->gran - 1 - (r >> 48) % 7;
    } else if (pick < 95) {
        op->off = r % (REGION_SIZE(t) - 8);
    } else {
        op->off = REGION_SIZE(t) - 4 + r % 64;
    }
}

/* What a read of @size bytes at @off returns, says the shadow */
static uint64_t topo_expect(Topo *t, uint64_t off, unsigned size)
{
    uint64_t val = 0, dpa;
    unsigned b;
    int dev;

    for (b = 0; b < size; b++) {
        uint64_t byte = 0xff;               /* past the region: all ones */

        if (off + b < REGION_SIZE(t)) {
            reference(t, off + b, &dev, &dpa);
            byte = cxl_shadow_get(&t->sh, dev, dpa);
        }
        val |= byte << (8 * b);
    }
    return val;
}

static void storm_run(const Case *c, uint64_t seed, uint64_t ops,
                      bool reference_path, StormRun *run)
{
    const char *path = reference_path ? "reference" : "fast";
    GChecksum *digest[MAX_DEV];
    uint64_t rng = seed, i, bad;
    unsigned d, ways = c->hbs * c->rps;
    Topo t;

    cxl_qtest_mode_args = reference_path ? "-M cxl-fast-path=off" : "";
    topo_start(&t, c);
    program_region(&t);
    run->reads = g_array_new(false, false, sizeof(StormOp));
    for (i = 0; i < ops; i++) {
        StormOp op;
        uint64_t want;

        storm_op(&t, &rng, &op);
        if (op.write) {
            topo_write(&t, op.off, op.val, op.size);
            continue;
        }
        op.val = cxl_qtest_read(t.qts, t.window + op.off, op.size);
        want = topo_expect(&t, op.off, op.size);
        g_array_append_val(run->reads, op);
        if (op.val != want && run->bad++ < 4) {
            fprintf(stderr, "# %s path: access %" PRIu64 ", a read of %u "
                    "at region offset 0x%" PRIx64 ", returned 0x%" PRIx64
                    "; the shadow says 0x%" PRIx64 "\n", path, i, op.size,
                    op.off, op.val, want);
        }
    }
    for (d = 0; d < ways; d++) {
        digest[d] = g_checksum_new(G_CHECKSUM_SHA256);
    }
    bad = topo_finish(&t, digest);
    if (bad) {
        fprintf(stderr, "# %s path: %" PRIu64 " byte(s) of the files differ "
                "from the shadow\n", path, bad);
    }
    run->bad += bad;
    for (d = 0; d < ways; d++) {
        run->digest[d] = g_strdup(g_checksum_get_string(digest[d]));
        g_checksum_free(digest[d]);
    }
    cxl_qtest_mode_args = "";
}

static void test_storm(const void *opaque)
{
    const Case *c = opaque;
    uint64_t seed = env_u64("CXL_STORM_SEED", STORM_DEFAULT_SEED);
    uint64_t ops = env_u64("CXL_STORM_OPS", STORM_DEFAULT_OPS), i, diff = 0;
    StormRun run[2] = { { 0 } };    /* reference, fast */
    unsigned d;

    printf("# cxl-storm: seed 0x%" PRIx64 ", %" PRIu64 " accesses per path "
           "(CXL_STORM_SEED, CXL_STORM_OPS)\n", seed, ops);
    storm_run(c, seed, ops, true, &run[0]);
    storm_run(c, seed, ops, false, &run[1]);

    /* The same reads, in the same order, must have returned the same */
    g_assert_cmpuint(run[0].reads->len, ==, run[1].reads->len);
    for (i = 0; i < run[0].reads->len; i++) {
        StormOp *r = &g_array_index(run[0].reads, StormOp, i);
        StormOp *f = &g_array_index(run[1].reads, StormOp, i);

        g_assert(r->off == f->off && r->size == f->size);
        if (r->val != f->val && diff++ < 4) {
            fprintf(stderr, "# read %" PRIu64 " of %u at region offset 0x%"
                    PRIx64 ": 0x%" PRIx64 " on the reference path, 0x%"
                    PRIx64 " on the fast path\n", i, r->size, r->off,
                    r->val, f->val);
        }
    }
    /* And each device's whole file must be the same after both */
    for (d = 0; d < c->hbs * c->rps; d++) {
        if (strcmp(run[0].digest[d], run[1].digest[d])) {
            fprintf(stderr, "# mem%u: the file differs between the paths "
                    "(SHA-256 %.16s... on the reference path, %.16s... on "
                    "the fast path)\n", d, run[0].digest[d], run[1].digest[d]);
            diff++;
        }
    }
    if (diff || run[0].bad || run[1].bad) {
        fprintf(stderr, "# cxl-storm: seed 0x%" PRIx64 ": %" PRIu64
                " difference(s) between the paths, %" PRIu64 " and %"
                PRIu64 " against the model (reference, fast)\n", seed, diff,
                run[0].bad, run[1].bad);
    }
    g_assert_cmpuint(diff, ==, 0);
    g_assert_cmpuint(run[0].bad, ==, 0);
    g_assert_cmpuint(run[1].bad, ==, 0);
    for (i = 0; i < 2; i++) {
        g_array_free(run[i].reads, true);
        for (d = 0; d < c->hbs * c->rps; d++) {
            g_free(run[i].digest[d]);
        }
    }
}

/*
 * Ways = host bridges x root ports; no level above 16 KiB. A host bridge
 * has at most 8 targets, so 12 ways at one level is a window's.
 */
static const Case cases[] = {
    { 1, 1, 256 }, { 1, 1, 16384 },
    { 2, 1, 256 }, { 1, 2, 256 }, { 1, 2, 1024 }, { 1, 2, 4096 },
    { 1, 2, 16384 },
    { 2, 2, 256 }, { 2, 2, 1024 }, { 2, 2, 4096 }, { 1, 4, 16384 },
    { 2, 4, 256 }, { 2, 4, 4096 }, { 4, 2, 1024 },
    { 4, 4, 256 }, { 2, 8, 4096 },
    { 3, 1, 256 }, { 1, 3, 4096 }, { 3, 2, 256 }, { 2, 3, 1024 },
    { 1, 6, 256 }, { 6, 1, 8192 }, { 3, 4, 256 }, { 4, 3, 1024 },
    { 6, 2, 512 }, { 12, 1, 256 },
    { 2, 2, 256, true }, { 3, 2, 1024, true },
    /* 3 ways over 3 host bridges as Linux programs them, and 6 */
    { 3, 1, 256, .linux_levels = true }, { 3, 1, 4096, .linux_levels = true },
    { 3, 2, 256, .linux_levels = true },
};

/*
 * The storm's regions: at 256 B, where the fast path traps every access,
 * at 4 KiB, where it maps pages straight to the devices, and Linux's 3
 * ways at 256 B.
 */
static const Case storm_cases[] = {
    { 2, 2, 256 }, { 2, 2, 4096 }, { 3, 1, 256, .linux_levels = true },
};

int main(int argc, char **argv)
{
    unsigned i;

    g_test_init(&argc, &argv, NULL);
    for (i = 0; i < ARRAY_SIZE(cases); i++) {
        const Case *c = &cases[i];
        g_autofree char *name = g_strdup_printf(
            "interleave/%uway/%uhb-x-%urp/%u%s%s", c->hbs * c->rps, c->hbs,
            c->rps, c->gran, c->alias ? "/older-spelling" : "",
            c->linux_levels ? "/linux" : "");

        cxl_qtest_add(name, test_interleave, c);
    }
    for (i = 0; i < ARRAY_SIZE(storm_cases); i++) {
        const Case *c = &storm_cases[i];
        g_autofree char *name = g_strdup_printf(
            "/cxl/differential/interleave/storm/%uway/%uhb-x-%urp/%u%s",
            c->hbs * c->rps, c->hbs, c->rps, c->gran,
            c->linux_levels ? "/linux" : "");

        qtest_add_data_func(name, c, test_storm);
    }
    cxl_qtest_add("interleave/uncommitted", test_uncommitted, NULL);
    cxl_qtest_add("interleave/reprogram", test_reprogram, NULL);
    cxl_qtest_add("interleave/code-rewritten", test_code_rewritten, NULL);
    cxl_qtest_add("interleave/missing-device", test_missing_device, NULL);
    cxl_qtest_add("interleave/ram-alias", test_ram_alias, NULL);
    cxl_qtest_add("interleave/switch", test_switch, NULL);
    cxl_qtest_add("interleave/volatile-and-persistent", test_two_decoders, NULL);
    cxl_qtest_add("interleave/ten-decoders", test_ten_decoders, NULL);
    cxl_qtest_add("interleave/introspection", test_introspection, NULL);
    cxl_qtest_add("interleave/window-spellings", test_window_spellings, NULL);
    return g_test_run();
}
