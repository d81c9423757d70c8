/*
 * Interleaving below the window through switches and at 3, 6 and 12 ways:
 * one CXL host bridge whose root ports lead to Type 3 devices directly or
 * through one or two levels of switches, every level fanning out alike.
 * The decoders of the bridge, of each switch's upstream port and of the
 * devices are programmed through MMIO the way Linux lays out a region (CXL
 * r3.1 8.2.4.20, 9.13.1): a level picks its target at (HPA / granularity)
 * mod ways, and interleaves at the region's granularity times the
 * power-of-two part of the ways above it (a 3 above is the modulus the
 * level below is coprime with, not address bits).
 *
 * Words written through the window must read back through it and land in
 * the backing file of the device that owns their chunk, at the DPA the
 * chunk gives, and nowhere else: every file is read whole after each case.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "qemu/osdep.h"
#include "qemu/host-utils.h"
#include "cxl-qtest.h"

#define MAX_LEVELS      3
#define MAX_DEV         12
#define DEV_SIZE        (256 * MiB)
#define SLOT            (2 * MiB)       /* MMIO for one function's BAR 0 */

typedef struct Layout {
    const char *name;
    int fan[MAX_LEVELS];        /* ports per level: root ports, then DSPs */
    int levels;
    uint64_t gran;              /* the region's granularity, bytes */
} Layout;

typedef struct Rig {
    const Layout *l;
    QTestState *qts;
    int ndev;
    char *path[MAX_DEV];
    uint64_t hdm_ep[MAX_DEV];
    uint64_t hdm_usp[MAX_DEV];  /* each switch's upstream port ... */
    int usp_level[MAX_DEV];     /* ... and the decoder level it is */
    int nusp;
    int next_bus;
    uint64_t next_mmio;
    int slot;                   /* the next chassis slot number */
} Rig;

static int ilog2(uint64_t v)
{
    return 63 - clz64(v);
}

/* CXL r3.1 8.2.4.20.7: Interleave Ways encoding */
static uint32_t eiw(int ways)
{
    return ways % 3 ? ilog2(ways) : 8 + ilog2(ways / 3);
}

static uint64_t pow2_part(uint64_t v)
{
    return v & -v;
}

/* Ways of all levels above @level (the window's one host bridge: 1) */
static int ways_above(const Layout *l, int level)
{
    int i, w = 1;

    for (i = 0; i < level; i++) {
        w *= l->fan[i];
    }
    return w;
}

static uint64_t level_gran(const Layout *l, int level)
{
    return l->gran * pow2_part(ways_above(l, level));
}

static int ndev(const Layout *l)
{
    return ways_above(l, l->levels);
}

/*
 * The device (in depth-first order) that owns byte @off of the region,
 * and its DPA: each level's position taken from the HPA as its decoder
 * does, from the address itself (the window's base is no multiple of 3
 * granules: a 3-way level starts elsewhere than at position 0), and the
 * DPA from the offset into the device's decoder.
 */
static int owner(const void *layout, uint64_t off, uint64_t *dpa)
{
    const Layout *l = layout;
    uint64_t hpa = WINDOW + off;
    int level, d = 0;

    for (level = 0; level < l->levels; level++) {
        d = d * l->fan[level] + (hpa / level_gran(l, level)) % l->fan[level];
    }
    *dpa = off / (l->gran * ndev(l)) * l->gran + off % l->gran;
    return d;
}

/* Bridge @bus:@devfn forwards buses @sec..@sub and MMIO @lo..@hi */
static void bridge(Rig *r, int bus, int devfn, int sec, int sub,
                   uint64_t lo, uint64_t hi)
{
    qtest_writeb(r->qts, ecam(bus, devfn, PCI_SECONDARY_BUS), sec);
    qtest_writeb(r->qts, ecam(bus, devfn, PCI_SUBORDINATE_BUS), sub);
    qtest_writew(r->qts, ecam(bus, devfn, PCI_MEMORY_BASE), lo >> 16);
    qtest_writew(r->qts, ecam(bus, devfn, PCI_MEMORY_LIMIT), (hi - 1) >> 16);
    qtest_writew(r->qts, ecam(bus, devfn, PCI_COMMAND), PCI_COMMAND_MEMORY);
}

/* BAR 0 of @bus:0.0 in the next slot: its HDM decoder capability */
static uint64_t function_hdm(Rig *r, int bus)
{
    uint64_t at = r->next_mmio, hdm;

    g_assert_cmpuint(place_bar(r->qts, bus, 0, 0, at), <=, SLOT);
    r->next_mmio += SLOT;
    qtest_writew(r->qts, ecam(bus, 0, PCI_COMMAND), PCI_COMMAND_MEMORY);
    hdm = cachemem_cap(r->qts, at + CACHEMEM, 5);
    g_assert(hdm);
    return hdm;
}

static int subtree_buses(const Layout *l, int level)
{
    /* a port's secondary bus; below it a switch: its own bus and ports */
    return level + 1 == l->levels ? 1 :
           2 + l->fan[level + 1] * subtree_buses(l, level + 1);
}

static uint64_t subtree_mmio(const Layout *l, int level)
{
    return level + 1 == l->levels ? SLOT :
           SLOT + l->fan[level + 1] * subtree_mmio(l, level + 1);
}

/*
 * The firmware's work below the port at @bus:@devfn of @level: its bus
 * numbers and window, then the switch or the device behind it.
 */
static void enumerate(Rig *r, int level, int bus, int devfn)
{
    int sec = r->next_bus++, j;

    bridge(r, bus, devfn, sec, sec + subtree_buses(r->l, level) - 1,
           r->next_mmio, r->next_mmio + subtree_mmio(r->l, level));
    if (level + 1 == r->l->levels) {
        r->hdm_ep[r->ndev++] = function_hdm(r, sec);
        return;
    }
    /* An upstream switch port at sec:0.0, its downstream ports on the next */
    r->usp_level[r->nusp] = level + 1;
    r->hdm_usp[r->nusp++] = function_hdm(r, sec);
    r->next_bus++;
    bridge(r, sec, 0, sec + 1, sec + subtree_buses(r->l, level) - 1,
           r->next_mmio, r->next_mmio + r->l->fan[level + 1] *
                                        subtree_mmio(r->l, level + 1));
    for (j = 0; j < r->l->fan[level + 1]; j++) {
        enumerate(r, level + 1, sec + 1, j << 3);
    }
}

/* The command line for the ports below @parent at @level */
static void topology(Rig *r, GString *cmd, int level, const char *parent)
{
    int j;

    for (j = 0; j < r->l->fan[level]; j++) {
        g_autofree char *port = g_strdup_printf("p%d", r->slot);
        int slot = r->slot++;

        g_string_append_printf(cmd, "-device %s,id=%s,bus=%s,addr=%d.0,"
                               "chassis=1,slot=%d,port=%d ",
                               level ? "cxl-downstream" : "cxl-rp",
                               port, parent, j, slot, j);
        if (level + 1 == r->l->levels) {
            int d = r->ndev++;
            g_string_append_printf(cmd, "-device cxl-type3,bus=%s,"
                                   "volatile-memdev=m%d,id=t%d ",
                                   port, d, d);
        } else {
            g_autofree char *usp = g_strdup_printf("u%d", slot);
            g_string_append_printf(cmd, "-device cxl-upstream,bus=%s,id=%s ",
                                   port, usp);
            topology(r, cmd, level + 1, usp);
        }
    }
}

/* Start QEMU on the layout's topology, each device on a new file */
static void rig_launch(Rig *r, const Layout *l, const char *extra)
{
    g_autoptr(GString) cmd = g_string_new("-machine q35,cxl=on -m 512M ");
    int i, fd;

    r->l = l;
    for (i = 0; i < ndev(l); i++) {
        fd = g_file_open_tmp("cxl-switch-XXXXXX", &r->path[i], NULL);
        g_assert(fd >= 0 && ftruncate(fd, DEV_SIZE) == 0);
        close(fd);
        g_string_append_printf(cmd, "-object memory-backend-file,id=m%d,"
                               "mem-path=%s,size=256M,share=on ",
                               i, r->path[i]);
    }
    g_string_append_printf(cmd, "-device pxb-cxl,id=cxl.0,bus=pcie.0,"
                           "bus_nr=%d ", HB_BUS);
    topology(r, cmd, 0, "cxl.0");
    g_assert_cmpint(r->ndev, ==, ndev(l));
    g_string_append_printf(cmd, "-M cxl-fmw.0.targets.0=cxl.0,"
                           "cxl-fmw.0.size=4G,"
                           "cxl-fmw.0.interleave-granularity=%" PRIu64,
                           l->gran);
    g_string_append(cmd, cxl_qtest_mode_args());
    g_string_append(cmd, extra);
    r->qts = qtest_init(cmd->str);
}

/* ... and do the firmware's work: buses and BARs */
static void rig_start(Rig *r, const Layout *l)
{
    int i;

    rig_launch(r, l, "");
    /* q35's PCIEXBAR: ECAM at 0xb0000000, 256 buses */
    qtest_outl(r->qts, 0xcf8, 0x80000060);
    qtest_outl(r->qts, 0xcfc, ECAM | 1);
    r->ndev = 0;
    r->next_bus = HB_BUS + 1;
    r->next_mmio = BAR_BASE;
    for (i = 0; i < l->fan[0]; i++) {
        enumerate(r, 0, HB_BUS, i << 3);
    }
    g_assert_cmpint(r->ndev, ==, ndev(l));
}

/*
 * Program and commit the region: the host bridge (position j is root port
 * j), each switch's upstream port (position j is downstream port j), each
 * device. A bridge with one root port passes through and has no decoder
 * to program.
 */
static void program(Rig *r)
{
    const Layout *l = r->l;
    uint64_t size = ndev(l) * DEV_SIZE;
    uint32_t targets = 0x03020100;
    int i, lv;

    if (l->fan[0] > 1) {
        assert_committed(commit(r->qts, cachemem_cap(r->qts, CHBCR + CACHEMEM,
                                                     5), 0, WINDOW, size,
                                CTRL_IW(eiw(l->fan[0])) |
                                CTRL_IG(ilog2(level_gran(l, 0)) - 8),
                                targets));
    }
    for (i = 0; i < r->nusp; i++) {
        lv = r->usp_level[i];
        assert_committed(commit(r->qts, r->hdm_usp[i], 0, WINDOW, size,
                                CTRL_IW(eiw(l->fan[lv])) |
                                CTRL_IG(ilog2(level_gran(l, lv)) - 8),
                                targets));
    }
    for (i = 0; i < r->ndev; i++) {
        assert_committed(commit(r->qts, r->hdm_ep[i], 0, WINDOW, size,
                                CTRL_IW(eiw(ndev(l))) |
                                CTRL_IG(ilog2(l->gran) - 8), 0));
    }
}

static uint64_t pattern(uint64_t off)
{
    return (off * 0x9e3779b97f4a7c15ull) ^ 0x5a5a0f0f00000000ull ^ off;
}

static void test_layout(const void *data)
{
    const Layout *l = data;
    Rig r = { 0 };
    uint64_t size = ndev(l) * DEV_SIZE;
    g_autoptr(GArray) offs = g_array_new(false, false, sizeof(uint64_t));
    uint64_t off;
    guint i;

    rig_start(&r, l);
    program(&r);

    /* Three words in each of the first chunks, and at the far end */
    for (off = 0; off < 8 * ndev(l) * l->gran; off += l->gran) {
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
    cxl_qtest_check_files(r.path, ndev(l), DEV_SIZE, offs, owner, l, pattern);
}

/*
 * Migration: a region through a switch keeps working on a destination
 * with new, empty files; the decoders, bus numbers and windows of the
 * host bridge, root ports and switch ports arrive with it
 * (hw/cxl/cxl-vmstate.c)
 */
static void test_migrate(const void *data)
{
    const Layout *l = data;
    g_autofree char *uri = g_strdup_printf("unix:%s/qemu-cxl-swmig-%d.sock",
                                           g_get_tmp_dir(), getpid());
    g_autofree char *incoming = g_strdup_printf(" -incoming %s", uri);
    Rig src = { 0 }, dst = { 0 };
    g_autoptr(GArray) offs = g_array_new(false, false, sizeof(uint64_t));
    uint64_t off;
    guint i;

    rig_start(&src, l);
    program(&src);
    for (off = 0; off < 16 * ndev(l) * l->gran; off += l->gran / 2) {
        uint64_t o = off + 8;

        g_array_append_val(offs, o);
        qtest_writeq(src.qts, WINDOW + o, pattern(o));
    }
    rig_launch(&dst, l, incoming);
    cxl_qtest_migrate(src.qts, dst.qts, uri);
    qtest_quit(src.qts);
    for (i = 0; i < src.ndev; i++) {
        unlink(src.path[i]);
        g_free(src.path[i]);
    }

    for (i = 0; i < offs->len; i++) {
        off = g_array_index(offs, uint64_t, i);
        g_assert_cmphex(qtest_readq(dst.qts, WINDOW + off), ==, pattern(off));
    }
    g_assert_cmpint(cxl_window_routed(dst.qts), ==, !*cxl_qtest_mode_args());
    cxl_qtest_check_translate(dst.qts, offs, owner, l);
    qtest_quit(dst.qts);
    cxl_qtest_check_files(dst.path, ndev(l), DEV_SIZE, offs, owner, l,
                          pattern);
}

static const Layout migrate_layout = { "hb2-sw2", { 2, 2 }, 2, 1024 };

int main(int argc, char **argv)
{
    static const Layout layouts[] = {
        /* 3 ways at the host bridge */
        { "hb3", { 3 }, 1, 256 },
        { "hb3", { 3 }, 1, 4096 },
        /* one switch: 2 and 3 ways below a passthrough host bridge */
        { "sw2", { 1, 2 }, 2, 1024 },
        { "sw3", { 1, 3 }, 2, 256 },
        /* 6 and 12 ways: 3 at the bridge, 2 or 4 at the switches */
        { "hb3-sw2", { 3, 2 }, 2, 256 },
        { "hb3-sw4", { 3, 4 }, 2, 4096 },
        /* 6 ways: 2 at the bridge, 3 at the switches */
        { "hb2-sw3", { 2, 3 }, 2, 512 },
        /* two levels of switches */
        { "sw2-sw2", { 1, 2, 2 }, 3, 256 },
        { "hb2-sw2-sw3", { 2, 2, 3 }, 3, 4096 },
    };
    int i;

    g_test_init(&argc, &argv, NULL);
    for (i = 0; i < ARRAY_SIZE(layouts); i++) {
        g_autofree char *name =
            g_strdup_printf("/switch/%s-%" PRIu64, layouts[i].name,
                            layouts[i].gran);
        cxl_qtest_add_both(name, &layouts[i], test_layout);
    }
    /* 2 ways at the bridge, 2 at each switch */
    cxl_qtest_add_both("/switch/migrate/hb2-sw2-1024", &migrate_layout,
                       test_migrate);
    return g_test_run();
}
