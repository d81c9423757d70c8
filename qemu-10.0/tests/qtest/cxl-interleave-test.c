/*
 * Interleaved decode, end to end: two CXL host bridges with two root ports
 * each and a Type 3 device below every port, a fixed memory window over
 * one or both bridges, and the HDM decoders of the bridges and the devices
 * programmed through MMIO the way Linux lays out a region (CXL r3.1
 * 8.2.4.20, 9.13.1: a device's position in the region is the chunk number
 * modulo the ways; each level below the window interleaves at the window's
 * granularity times the ways above it).
 *
 * Words written through the window must read back through it and land in
 * the backing file of the device that owns their chunk, at the DPA that
 * the chunk number and the offset in the chunk give, and nowhere else:
 * every file is read whole after each case.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "qemu/osdep.h"
#include "qemu/host-utils.h"
#include "cxl-qtest.h"
#include "qobject/qnum.h"
#include "qobject/qstring.h"

#define NDEV            4
#define DEV_SIZE        (256 * MiB)
#define HB1_BUS         22

typedef struct Layout {
    int ways;                   /* devices in the region: 1, 2 or 4 */
    int hbs;                    /* host bridges the window interleaves */
    uint64_t gran;              /* the window's granularity, bytes */
} Layout;

typedef struct Rig {
    QTestState *qts;
    char *path[NDEV];
    uint64_t hdm_hb[2];
    uint64_t hdm_ep[NDEV];
} Rig;

/* Device i sits below host bridge i / 2, root port i % 2 (port number) */
static int rp_bus(int i)
{
    return (i < 2 ? RP_BUS : HB1_BUS + 1) + i % 2;
}

static void rig_start(Rig *r, const Layout *l)
{
    g_autoptr(GString) cmd = g_string_new("-machine q35,cxl=on -m 512M ");
    int i, fd;

    for (i = 0; i < NDEV; i++) {
        fd = g_file_open_tmp("cxl-interleave-XXXXXX", &r->path[i], NULL);
        g_assert(fd >= 0 && ftruncate(fd, DEV_SIZE) == 0);
        close(fd);
        g_string_append_printf(cmd, "-object memory-backend-file,id=m%d,"
                               "mem-path=%s,size=256M,share=on ",
                               i, r->path[i]);
    }
    g_string_append_printf(cmd,
        "-device pxb-cxl,id=cxl.0,bus=pcie.0,bus_nr=%d "
        "-device pxb-cxl,id=cxl.1,bus=pcie.0,bus_nr=%d ", HB_BUS, HB1_BUS);
    for (i = 0; i < NDEV; i++) {
        g_string_append_printf(cmd,
            "-device cxl-rp,id=rp%d,bus=cxl.%d,addr=%d.0,chassis=%d,slot=%d,"
            "port=%d -device cxl-type3,bus=rp%d,volatile-memdev=m%d,"
            "id=t%d ", i, i / 2, i % 2, i / 2, i % 2, i % 2, i, i, i);
    }
    g_string_append_printf(cmd, "-M cxl-fmw.0.targets.0=cxl.0,");
    if (l->hbs == 2) {
        g_string_append_printf(cmd, "cxl-fmw.0.targets.1=cxl.1,");
    }
    g_string_append_printf(cmd, "cxl-fmw.0.size=4G,"
                           "cxl-fmw.0.interleave-granularity=%" PRIu64,
                           l->gran);
    g_string_append(cmd, cxl_qtest_mode_args());
    r->qts = qtest_init(cmd->str);

    /* q35's PCIEXBAR: ECAM at 0xb0000000, 256 buses */
    qtest_outl(r->qts, 0xcf8, 0x80000060);
    qtest_outl(r->qts, 0xcfc, ECAM | 1);
    for (i = 0; i < NDEV; i++) {
        int hb_bus = i < 2 ? HB_BUS : HB1_BUS;
        int devfn = (i % 2) << 3;            /* slot i % 2, function 0 */
        uint64_t comp = BAR_BASE + i * 16 * MiB;

        qtest_writeb(r->qts, ecam(hb_bus, devfn, PCI_SECONDARY_BUS), rp_bus(i));
        qtest_writeb(r->qts, ecam(hb_bus, devfn, PCI_SUBORDINATE_BUS),
                     rp_bus(i));
        qtest_writew(r->qts, ecam(hb_bus, devfn, PCI_MEMORY_BASE), comp >> 16);
        qtest_writew(r->qts, ecam(hb_bus, devfn, PCI_MEMORY_LIMIT),
                     (comp + 16 * MiB - 1) >> 16);
        qtest_writew(r->qts, ecam(hb_bus, devfn, PCI_COMMAND),
                     PCI_COMMAND_MEMORY);
        place_bar(r->qts, rp_bus(i), 0, 0, comp);
        qtest_writew(r->qts, ecam(rp_bus(i), 0, PCI_COMMAND),
                     PCI_COMMAND_MEMORY);
        r->hdm_ep[i] = cachemem_cap(r->qts, comp + CACHEMEM, 5);
        g_assert(r->hdm_ep[i]);
    }
    /* One 64 KiB register block per host bridge from CHBCR on */
    for (i = 0; i < 2; i++) {
        r->hdm_hb[i] = cachemem_cap(r->qts, CHBCR + i * 64 * KiB + CACHEMEM,
                                    5);
        g_assert(r->hdm_hb[i]);
    }
}

static int ilog2(uint64_t v)
{
    return 63 - clz64(v);
}

/* The device (0..3) that owns byte @off of the region, and its DPA */
static int owner(const void *layout, uint64_t off, uint64_t *dpa)
{
    const Layout *l = layout;
    uint64_t chunk = off / l->gran;
    int hb = chunk % l->hbs;
    int rp = (chunk / l->hbs) % (l->ways / l->hbs);

    *dpa = chunk / l->ways * l->gran + off % l->gran;
    return hb * 2 + rp;
}

/*
 * Program and commit the region: the decoder of both host bridges (the
 * same in each, so that the order of their register blocks does not
 * matter; a bridge the window does not target sees no access) and of
 * each device in the region.
 */
static void program(Rig *r, const Layout *l)
{
    uint64_t size = l->ways * DEV_SIZE;
    int hb_ways = l->ways / l->hbs;
    uint32_t hb_ctrl = CTRL_IW(ilog2(hb_ways)) |
                       CTRL_IG(ilog2(l->gran * l->hbs) - 8);
    uint32_t ep_ctrl = CTRL_IW(ilog2(l->ways)) | CTRL_IG(ilog2(l->gran) - 8);
    uint64_t dpa, off;
    int i;

    for (i = 0; i < 2; i++) {
        /* Target List: position 0 is port 0, position 1 port 1 */
        assert_committed(commit(r->qts, r->hdm_hb[i], 0, WINDOW, size,
                                hb_ctrl, 0x0100));
    }
    for (i = 0; i < NDEV; i++) {
        for (off = 0; off < size; off += l->gran) {
            if (owner(l, off, &dpa) == i) {
                break;
            }
        }
        if (off < size) {
            assert_committed(commit(r->qts, r->hdm_ep[i], 0, WINDOW, size,
                                    ep_ctrl, 0));
        }
    }
}

static uint64_t pattern(uint64_t off)
{
    return (off * 0x9e3779b97f4a7c15ull) ^ 0xc3c33c3c00000000ull ^ off;
}

static void test_layout(const void *data)
{
    const Layout *l = data;
    Rig r = { 0 };
    uint64_t size = l->ways * DEV_SIZE;
    g_autoptr(GArray) offs = g_array_new(false, false, sizeof(uint64_t));
    uint64_t off;
    guint i;

    rig_start(&r, l);
    program(&r, l);

    /* Three words in each of the first 64 chunks, and at the far end */
    for (off = 0; off < 64 * l->gran; off += l->gran) {
        uint64_t in[] = { 0, l->gran / 2 + 8, l->gran - 8 };

        for (i = 0; i < ARRAY_SIZE(in); i++) {
            uint64_t o = off + in[i];
            g_array_append_val(offs, o);
        }
    }
    off = size - 8;
    g_array_append_val(offs, off);
    off = size / 2 + l->gran;
    g_array_append_val(offs, off);

    for (i = 0; i < offs->len; i++) {
        off = g_array_index(offs, uint64_t, i);
        qtest_writeq(r.qts, WINDOW + off, pattern(off));
    }
    for (i = 0; i < offs->len; i++) {
        off = g_array_index(offs, uint64_t, i);
        g_assert_cmphex(qtest_readq(r.qts, WINDOW + off), ==, pattern(off));
    }
    /* The route tables (or the walk) answer cxl-translate as the model */
    g_assert_cmpint(cxl_window_routed(r.qts), ==, !*cxl_qtest_mode_args());
    cxl_qtest_check_translate(r.qts, offs, owner, l);
    qtest_quit(r.qts);

    /* Each word in its owner's file at its DPA, nothing anywhere else */
    cxl_qtest_check_files(r.path, NDEV, DEV_SIZE, offs, owner, l, pattern);
}

/*
 * The decode follows the decoders as they change: a 2-way region over the
 * two root ports of host bridge 0, then every decoder uncommitted (writes
 * go nowhere), then the region again with the bridge's Target List
 * reversed, so that each chunk reaches the other device.
 */
static void test_reprogram(void)
{
    static const Layout l = { 2, 1, 256 };
    static const uint64_t w1 = 0x1111111111111111ull,
                          w2 = 0x2222222222222222ull,
                          w3 = 0x3333333333333333ull;
    uint32_t ctrl = CTRL_IW(1) | CTRL_IG(0);
    g_autofree uint8_t *buf = g_malloc(DEV_SIZE);
    Rig r = { 0 };
    int d, n;

    rig_start(&r, &l);
    program(&r, &l);
    /* Chunk 0 goes to port 0 (device 0), chunk 1 to port 1 (device 1) */
    qtest_writeq(r.qts, WINDOW, w1);
    qtest_writeq(r.qts, WINDOW + 256, w1 + 1);

    /* (the host bridges' register blocks: program() set both alike) */
    for (n = 0; n < 4; n++) {
        uint64_t hdm = n < 2 ? r.hdm_ep[n] : r.hdm_hb[n - 2];

        qtest_writel(r.qts, hdm + 0x20, 0);         /* decoder 0 Control */
        g_assert_cmphex(qtest_readl(r.qts, hdm + 0x20) & CTRL_COMMITTED, ==,
                        0);
    }
    qtest_writeq(r.qts, WINDOW + 16, w2);
    qtest_writeq(r.qts, WINDOW + 256 + 16, w2);

    /* Reversed: chunk 0 to port 1 (device 1), chunk 1 to port 0 */
    for (n = 0; n < 2; n++) {
        assert_committed(commit(r.qts, r.hdm_hb[n], 0, WINDOW, 2 * DEV_SIZE,
                                ctrl, 0x0001));
    }
    for (n = 0; n < 2; n++) {
        assert_committed(commit(r.qts, r.hdm_ep[n], 0, WINDOW, 2 * DEV_SIZE,
                                ctrl, 0));
    }
    qtest_writeq(r.qts, WINDOW + 8, w3);
    qtest_writeq(r.qts, WINDOW + 256 + 8, w3 + 1);
    /* chunk 0 reads device 1's DPA 0 now, chunk 1 device 0's */
    g_assert_cmphex(qtest_readq(r.qts, WINDOW), ==, w1 + 1);
    g_assert_cmphex(qtest_readq(r.qts, WINDOW + 256), ==, w1);
    qtest_quit(r.qts);

    for (d = 0; d < NDEV; d++) {
        cxl_qtest_read_file(r.path[d], buf, DEV_SIZE);
        if (d < 2) {
            /* device 0: w1 (chunk 0 before), w3 + 1 (chunk 1 after) */
            g_assert_cmphex(ldq_le_p(buf), ==, d ? w1 + 1 : w1);
            g_assert_cmphex(ldq_le_p(buf + 8), ==, d ? w3 : w3 + 1);
            memset(buf, 0, 16);
        }
        cxl_qtest_assert_zero(buf, DEV_SIZE, d);
        unlink(r.path[d]);
        g_free(r.path[d]);
    }
}

/*
 * Accesses that straddle a chunk boundary: an unaligned 2-, 4- or 8-byte
 * word across the boundary of two chunks of a 4-way region over two host
 * bridges at 256 B touches two devices, each byte going to the device and
 * DPA that own it, as two cache-line transactions would on real hardware.
 * Each byte is checked in the files, and nothing else may have changed.
 */
static void test_straddle(const void *data)
{
    const Layout *l = data;
    static const unsigned sizes[] = { 2, 4, 8 };
    g_autofree uint8_t *buf = g_malloc(DEV_SIZE);
    g_autoptr(GArray) offs = g_array_new(false, false, sizeof(uint64_t));
    Rig r = { 0 };
    uint64_t off, dpa, word;
    guint i, j;
    int d;

    rig_start(&r, l);
    program(&r, l);
    /* Boundaries 1 to 12, each a word that starts 1 byte to size-1 before */
    for (i = 1; i <= 12; i++) {
        unsigned size = sizes[i % 3];

        off = i * l->gran - 1 - (i / 3) % (size - 1);
        g_array_append_val(offs, off);
        word = pattern(off);
        if (size == 2) {
            qtest_writew(r.qts, WINDOW + off, word);
            g_assert_cmphex(qtest_readw(r.qts, WINDOW + off), ==,
                            (uint16_t)word);
        } else if (size == 4) {
            qtest_writel(r.qts, WINDOW + off, word);
            g_assert_cmphex(qtest_readl(r.qts, WINDOW + off), ==,
                            (uint32_t)word);
        } else {
            qtest_writeq(r.qts, WINDOW + off, word);
            g_assert_cmphex(qtest_readq(r.qts, WINDOW + off), ==, word);
        }
    }
    qtest_quit(r.qts);

    for (d = 0; d < NDEV; d++) {
        cxl_qtest_read_file(r.path[d], buf, DEV_SIZE);
        for (i = 0; i < offs->len; i++) {
            unsigned size = sizes[(i + 1) % 3];

            off = g_array_index(offs, uint64_t, i);
            word = pattern(off);
            for (j = 0; j < size; j++) {
                if (owner(l, off + j, &dpa) == d) {
                    g_assert_cmphex(buf[dpa], ==, (uint8_t)(word >> 8 * j));
                    buf[dpa] = 0;
                }
            }
        }
        cxl_qtest_assert_zero(buf, DEV_SIZE, d);
        unlink(r.path[d]);
        g_free(r.path[d]);
    }
}

/*
 * What the monitor shows of a 4-way region over two host bridges at
 * 256 B: query-cxl's window, host bridges, decoders and devices as
 * programmed, HMP "info cxl" and "cxl_translate" printing the same
 */
static void test_query(void)
{
    static const Layout l = { 4, 2, 256 };
    Rig r = { 0 };
    QDict *rsp, *ret, *w, *hb, *dec, *rp, *dev;
    QList *targets;
    g_autofree char *info = NULL, *tr = NULL, *miss = NULL;
    int i;

    rig_start(&r, &l);
    program(&r, &l);
    rsp = qtest_qmp(r.qts, "{'execute': 'query-cxl'}");
    ret = qdict_get_qdict(rsp, "return");
    g_assert(qdict_get_bool(ret, "enabled"));

    w = qobject_to(QDict, qlist_peek(qdict_get_qlist(ret, "windows")));
    g_assert_cmphex(qdict_get_int(w, "base"), ==, WINDOW);
    g_assert_cmphex(qdict_get_int(w, "size"), ==, 4 * GiB);
    g_assert_cmpint(qdict_get_int(w, "granularity"), ==, 256);
    targets = qdict_get_qlist(w, "targets");
    g_assert_cmpint(qlist_size(targets), ==, 2);
    g_assert_cmpstr(qstring_get_str(qobject_to(QString, qlist_peek(targets))),
                    ==, "cxl.0");

    /* Host bridge cxl.1: 2 ways at 512 B over ports 0 and 1 */
    hb = qobject_to(QDict, qlist_entry_obj(qlist_next(qlist_first(
             qdict_get_qlist(ret, "host-bridges")))));
    g_assert_cmpstr(qdict_get_str(hb, "id"), ==, "cxl.1");
    g_assert_cmpint(qdict_get_int(hb, "bus-nr"), ==, HB1_BUS);
    g_assert_false(qdict_get_bool(hb, "passthrough"));
    dec = qobject_to(QDict, qlist_peek(qdict_get_qlist(hb, "decoders")));
    g_assert(qdict_get_bool(dec, "committed"));
    g_assert_cmphex(qdict_get_int(dec, "base"), ==, WINDOW);
    g_assert_cmphex(qdict_get_int(dec, "size"), ==, 4 * DEV_SIZE);
    g_assert_cmpint(qdict_get_int(dec, "ways"), ==, 2);
    g_assert_cmpint(qdict_get_int(dec, "granularity"), ==, 512);
    targets = qdict_get_qlist(dec, "targets");
    g_assert_cmpint(qlist_size(targets), ==, 2);
    for (i = 0; i < 2; i++) {
        QObject *t = qlist_pop(targets);

        g_assert_cmpint(qnum_get_int(qobject_to(QNum, t)), ==, i);
        qobject_unref(t);
    }

    /* Its root port 1, device t3: 4 ways at 256 B, all of its DPA */
    rp = qobject_to(QDict, qlist_entry_obj(qlist_next(qlist_first(
             qdict_get_qlist(hb, "root-ports")))));
    g_assert_cmpint(qdict_get_int(rp, "port"), ==, 1);
    dev = qdict_get_qdict(rp, "device");
    g_assert_cmpstr(qdict_get_str(dev, "id"), ==, "t3");
    g_assert_cmphex(qdict_get_int(dev, "volatile-size"), ==, DEV_SIZE);
    dec = qobject_to(QDict, qlist_peek(qdict_get_qlist(dev, "decoders")));
    g_assert(qdict_get_bool(dec, "committed"));
    g_assert_cmpint(qdict_get_int(dec, "ways"), ==, 4);
    g_assert_cmpint(qdict_get_int(dec, "dpa-base"), ==, 0);
    g_assert_cmphex(qdict_get_int(dec, "dpa-size"), ==, DEV_SIZE);
    qobject_unref(rsp);

    info = qtest_hmp(r.qts, "info cxl");
    g_assert_nonnull(strstr(info, "host bridge cxl.1: bus 22"));
    g_assert_nonnull(strstr(info, "decoder 0: committed HPA "
                            "0x110000000-0x14fffffff 2 way(s) 512 B "
                            "targets 0 1"));
    g_assert_nonnull(strstr(info, "decoder 0: committed HPA "
                            "0x110000000-0x14fffffff 4 way(s) 256 B "
                            "DPA 0x0-0xfffffff"));
    g_assert_nonnull(strstr(info, "decoder 1: not committed"));
    /* chunk 1: host bridge 1, its root port 0: t2, the DPA of chunk 0 */
    tr = qtest_hmp(r.qts, "cxl_translate 0x110000108");
    g_assert_nonnull(strstr(tr, "HPA 0x110000108 (window 0): t2 DPA 0x8"));
    /* past the region: host bridge 0 (chunk 0 of a 2-way window) */
    miss = qtest_hmp(r.qts, "cxl_translate 0x150000000");
    g_assert_nonnull(strstr(miss, "not reached: the decode stops at the "
                            "host bridge: no committed HDM decoder covers "
                            "the address"));
    qtest_quit(r.qts);
    for (i = 0; i < NDEV; i++) {
        unlink(r.path[i]);
        g_free(r.path[i]);
    }
}

int main(int argc, char **argv)
{
    static const Layout layouts[] = {
        { 1, 1, 256 }, { 1, 1, 4096 },
        { 2, 1, 256 }, { 2, 1, 4096 },
        { 2, 2, 256 }, { 2, 2, 4096 },
        { 4, 2, 256 }, { 4, 2, 1024 }, { 4, 2, 4096 }, { 4, 2, 8192 },
    };
    static const Layout straddle = { 4, 2, 256 };
    int i;

    g_test_init(&argc, &argv, NULL);
    for (i = 0; i < ARRAY_SIZE(layouts); i++) {
        g_autofree char *name =
            g_strdup_printf("/interleave/%dway-%dhb-%" PRIu64,
                            layouts[i].ways, layouts[i].hbs,
                            layouts[i].gran);
        cxl_qtest_add_both(name, &layouts[i], test_layout);
    }
    cxl_qtest_add_func_both("/interleave/reprogram", test_reprogram);
    cxl_qtest_add_both("/interleave/straddle", &straddle, test_straddle);
    qtest_add_func("/cxl/interleave/query", test_query);
    return g_test_run();
}
