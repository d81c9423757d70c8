/*
 * qtest: a seeded random storm at every CXL surface, then a clean region.
 *
 * From a seed printed at start (CXL_FUZZ_SEED overrides it), the storm
 * performs CXL_FUZZ_OPS operations (default 5 million) on a machine with
 * two host bridges, four root ports, a switch and four Type 3 devices
 * (persistent, volatile, both, label storage areas) and two windows:
 *
 *   - config space of every CXL function (host bridges, root ports,
 *     switch ports, devices): header, capabilities, extended capabilities
 *     and the DVSECs (CXL 2.0 8.1), at random offsets and sizes;
 *   - component registers (CXL 2.0 8.2.4, 8.2.5): each host bridge's
 *     CHBCR block and the BAR-mapped block of every port and device, and
 *     the HDM decoders (8.2.5.12) programmed, committed and uncommitted
 *     in random order with random bases, sizes, ways, granularities,
 *     targets and DPA skips;
 *   - device registers (8.2.8): capability array, status, the mailbox
 *     with random opcodes (every implemented one among them), lengths and
 *     payloads (8.2.9);
 *   - both windows (9.14.1.3) at sizes 1, 2, 4 and 8, any alignment.
 *
 * An operation is one access that QEMU's memory core dispatches: a single
 * qtest read or write is one, or the pieces the core splits it into; a
 * burst (qtest memread, memwrite, memset: one round trip) is as many as
 * the core splits it into by memory_access_size() in softmmu/physmem.c.
 * ECAM takes aligned accesses of up to 4 bytes, component registers up to
 * 8 aligned, device registers and windows up to 8 at any alignment. A
 * window page that the fast path maps straight to a device is copied
 * rather than dispatched; it is counted the same.
 *
 * Random config writes move BARs, bus numbers and bridge windows, hold
 * buses in reset and power slots off (which unplugs what is below); the
 * storm re-runs the firmware setup every few thousand steps (and soon
 * after a header write) so that later operations reach the devices again,
 * powers slots back on and plugs back with device_add what went, and
 * resets the machine now and then. QEMU must answer a known register
 * every few hundred steps and QMP query-status now and then; a crash,
 * assertion or hang fails the test with the seed and step to reproduce
 * (CXL_FUZZ_TRACE=1 prints every operation). The storm stops early at a
 * deadline (CXL_FUZZ_TIME seconds, default 100) and says so.
 *
 * Afterwards: system_reset, the firmware setup again, a clean 2-way
 * region through every level of decoder (window, host bridges, a switch,
 * endpoints, a DPA skip), and each byte written through the window must
 * be found at the backing file and offset of the CXL 2.0 interleave.
 *
 * Regression cases for what the storm found come last.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "qemu/osdep.h"
#include "qemu/host-utils.h"
#include "libqos/libqtest.h"
#include "qapi/qmp/qdict.h"
#include "cxl-qtest.h"

#define FUZZ_DEFAULT_SEED   3               /* its storm also unplugs and replugs */
#define FUZZ_DEFAULT_OPS    5000000ull
#define FUZZ_DEFAULT_TIME   100             /* seconds, per mode */
#define FUZZ_HANG_SECS      60              /* one step longer than this: hung */

#define HB_BUS(h)           (12 + 52 * (h))
#define NUM_HB              2
#define NUM_DEV             4
#define NUM_WINDOWS         2
#define MAX_FN              32
#define MAX_BLOCKS          32
/* From hw/pci/pci.h and pci_ids.h, which a qtest does not include */
#define PCI_VENDOR_ID_REDHAT 0x1b36
#define PCI_CLASS_BRIDGE_HOST 0x0600
#define PCI_DEVICE_ID_REDHAT_PCIE_HOST 0x0008   /* virt's GPEX root */
#define MB_BUF              4096            /* the largest payload we take */

/* The devices: serial number = index; sizes in MiB (0: none) */
static const struct {
    const char *bus;
    unsigned vmem, pmem, lsa_kib, hdm;
} devs[NUM_DEV] = {
    { "rp0", 0, 256, 256, 4 },          /* hb0 port 0: persistent + LSA */
    { "rp1", 0, 256, 0, 1 },            /* hb0 port 1: one decoder */
    { "ds0", 256, 0, 0, 4 },            /* switch port 0: volatile */
    { "ds1", 256, 256, 128, 10 },       /* switch port 1: both + LSA */
};

/*
 * Where each kind of register block takes accesses: the largest access
 * and whether it must be aligned (memory_access_size() splits by these).
 */
typedef enum Surface {
    S_CONFIG,           /* ECAM: pcie_mmcfg ops, 1-4 bytes, aligned */
    S_COMPONENT,        /* component registers: 4 or 8, aligned */
    S_DEVICE,           /* device registers: 1-8, unaligned allowed */
    S_WINDOW,           /* fixed memory windows: 1-8, unaligned allowed */
    S_HDM,              /* (counted as component) HDM programming sequences */
    S_MAILBOX,          /* (counted as device) mailbox commands */
    S_CONTROL,          /* setup and the clean region: not counted */
    S_COUNT,
} Surface;

static const char *surface_name[S_COUNT] = {
    "config space", "component registers", "device registers", "windows",
    "HDM decoder sequences", "mailbox commands", "control",
};

static const struct {
    unsigned max;
    bool unaligned;
} surface_access[S_COUNT] = {
    [S_CONFIG] = { 4, false },
    [S_COMPONENT] = { 8, false },
    [S_DEVICE] = { 8, true },
    [S_WINDOW] = { 8, true },
    [S_HDM] = { 8, false },
    [S_MAILBOX] = { 8, true },
    [S_CONTROL] = { 8, false },
};

/* A CXL function in config space */
typedef struct Func {
    int bus, devfn;
    int slot_ctl;           /* a port's Slot Control register, or 0 */
} Func;

/* A register block: component (with maybe HDM decoders) or device */
typedef struct Block {
    uint64_t base, size;
    bool device;            /* a device register block (8.2.8) */
    bool endpoint;          /* a component block of a Type 3 device */
    unsigned hdm_count;     /* HDM decoders, 0 for none */
    uint64_t hdm;           /* the HDM decoder capability's address */
    uint64_t mbox;          /* device: the primary mailbox's address */
    size_t payload;         /* device: its payload size (8.2.8.4.3) */
    uint64_t lsa_size;      /* device: its label storage area */
    uint64_t capacity;      /* device: bytes of DPA */
} Block;

typedef struct Fuzz {
    QTestState *qts;
    uint64_t seed, rng;
    uint64_t target, ops, steps;
    uint64_t ops_by[S_COUNT], steps_by[S_COUNT];
    gint64 start, deadline;
    bool trace, dirty, early;
    unsigned resets, setups, replugs;
    /* What the firmware setup found */
    Func fn[MAX_FN];
    unsigned nfn;
    Block blk[MAX_BLOCKS];
    unsigned nblk;
    uint64_t window[NUM_WINDOWS], window_size[NUM_WINDOWS];
    uint32_t chbcr_cap_header;      /* a read-only register, for liveness */
    /* Backing files: capacity and labels of each device */
    char *vfile[NUM_DEV], *pfile[NUM_DEV], *lfile[NUM_DEV];
    int vfd[NUM_DEV], pfd[NUM_DEV];
} Fuzz;

/* The storm running now, for the abort and alarm handlers */
static Fuzz *fuzz_running;

/* --- Randomness: xorshift64*, seeded by splitmix64 -------------------- */

static void fuzz_seed(Fuzz *f, uint64_t seed)
{
    uint64_t z = seed + 0x9e3779b97f4a7c15ull;

    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    f->rng = (z ^ (z >> 31)) | 1;
}

static uint64_t rnd(Fuzz *f)
{
    f->rng ^= f->rng >> 12;
    f->rng ^= f->rng << 25;
    f->rng ^= f->rng >> 27;
    return f->rng * 0x2545f4914f6cdd1dull;
}

static uint64_t below(Fuzz *f, uint64_t n)
{
    return rnd(f) % n;
}

static bool chance(Fuzz *f, unsigned percent)
{
    return below(f, 100) < percent;
}

/* 1, 2, 4 or 8 */
static unsigned rnd_size(Fuzz *f)
{
    return 1 << below(f, 4);
}

/* An offset for a @size access below @limit: aligned 3 times in 4 */
static uint64_t rnd_offset(Fuzz *f, uint64_t limit, unsigned size)
{
    uint64_t off = below(f, limit - size + 1);

    return chance(f, 75) ? QEMU_ALIGN_DOWN(off, size) : off;
}

static void rnd_bytes(Fuzz *f, uint8_t *buf, size_t len)
{
    size_t i;

    for (i = 0; i < len; i++) {
        buf[i] = rnd(f);
    }
}

/* --- Accesses, traced and counted -------------------------------------- */

/*
 * How many accesses QEMU's memory core makes of @len bytes at @addr on
 * surface @s: memory_access_size() takes at most the largest access the
 * region takes, bounded by the address's alignment unless the region
 * takes unaligned accesses, rounded down to a power of two.
 */
static uint64_t accesses(Surface s, uint64_t addr, uint64_t len)
{
    uint64_t n = 0;

    while (len) {
        uint64_t l = MIN(len, surface_access[s].max);

        if (!surface_access[s].unaligned && (addr & -addr) &&
            (addr & -addr) < l) {
            l = addr & -addr;
        }
        l = pow2floor(l);
        addr += l;
        len -= l;
        n++;
    }
    return n;
}

static void count(Fuzz *f, Surface s, uint64_t addr, uint64_t len)
{
    uint64_t n = accesses(s, addr, len);

    if (s == S_CONTROL) {
        return;
    }
    f->ops += n;
    f->ops_by[s] += n;
}

static void fz_write(Fuzz *f, Surface s, uint64_t addr, unsigned size,
                     uint64_t val)
{
    if (f->trace) {
        fprintf(stderr, "%" PRIu64 ": write%u 0x%" PRIx64 " 0x%" PRIx64 "\n",
                f->steps, size * 8, addr, val);
    }
    switch (size) {
    case 1:
        qtest_writeb(f->qts, addr, val);
        break;
    case 2:
        qtest_writew(f->qts, addr, val);
        break;
    case 4:
        qtest_writel(f->qts, addr, val);
        break;
    default:
        qtest_writeq(f->qts, addr, val);
        break;
    }
    count(f, s, addr, size);
}

static uint64_t fz_read(Fuzz *f, Surface s, uint64_t addr, unsigned size)
{
    uint64_t v;

    if (f->trace) {
        fprintf(stderr, "%" PRIu64 ": read%u 0x%" PRIx64 "\n", f->steps,
                size * 8, addr);
    }
    switch (size) {
    case 1:
        v = qtest_readb(f->qts, addr);
        break;
    case 2:
        v = qtest_readw(f->qts, addr);
        break;
    case 4:
        v = qtest_readl(f->qts, addr);
        break;
    default:
        v = qtest_readq(f->qts, addr);
        break;
    }
    count(f, s, addr, size);
    return v;
}

/* One round trip, many accesses: write @buf, or a pattern when @buf is NULL */
static void fz_burst_write(Fuzz *f, Surface s, uint64_t addr, const uint8_t *buf,
                           size_t len, uint8_t pattern)
{
    if (f->trace) {
        fprintf(stderr, "%" PRIu64 ": %s 0x%" PRIx64 " len %zu", f->steps,
                buf ? "memwrite" : "memset", addr, len);
        if (!buf) {
            fprintf(stderr, " 0x%02x", pattern);
        }
        fprintf(stderr, "\n");
    }
    if (buf) {
        qtest_bufwrite(f->qts, addr, buf, len);
    } else {
        qtest_memset(f->qts, addr, pattern, len);
    }
    count(f, s, addr, len);
}

static void fz_burst_read(Fuzz *f, Surface s, uint64_t addr, uint8_t *buf,
                          size_t len)
{
    if (f->trace) {
        fprintf(stderr, "%" PRIu64 ": memread 0x%" PRIx64 " len %zu\n",
                f->steps, addr, len);
    }
    qtest_bufread(f->qts, addr, buf, len);
    count(f, s, addr, len);
}

/* --- The machine and firmware's setup ----------------------------------- */

static void fuzz_start(Fuzz *f)
{
    GString *cmd = g_string_new("-M q35,cxl=on -m 512M");
    unsigned d, h;

    for (h = 0; h < NUM_HB; h++) {
        g_string_append_printf(cmd, " -device pxb-cxl,bus_nr=%d,bus=pcie.0,id=hb%u",
                               HB_BUS(h), h);
    }
    /* hb0: rp0, rp1 with a device each; hb1: rp2 with a switch, rp3 empty */
    g_string_append(cmd,
        " -device cxl-rp,port=0,bus=hb0,id=rp0,chassis=0,slot=0"
        " -device cxl-rp,port=1,bus=hb0,id=rp1,chassis=0,slot=1"
        " -device cxl-rp,port=0,bus=hb1,id=rp2,chassis=1,slot=0"
        " -device cxl-rp,port=1,bus=hb1,id=rp3,chassis=1,slot=1"
        " -device cxl-upstream,bus=rp2,id=us0"
        " -device cxl-downstream,port=0,bus=us0,id=ds0,chassis=2,slot=0"
        " -device cxl-downstream,port=1,bus=us0,id=ds1,chassis=2,slot=1");
    for (d = 0; d < NUM_DEV; d++) {
        g_string_append_printf(cmd, " -device cxl-type3,bus=%s,id=mem%u,sn=%u,"
                               "hdm-decoders=%u", devs[d].bus, d, d, devs[d].hdm);
        f->vfd[d] = f->pfd[d] = -1;
        if (devs[d].vmem) {
            f->vfile[d] = cxl_qtest_file("fuzz-v", d, devs[d].vmem * MiB, &f->vfd[d]);
            g_string_append_printf(cmd, ",volatile-memdev=v%u", d);
        }
        if (devs[d].pmem) {
            f->pfile[d] = cxl_qtest_file("fuzz-p", d, devs[d].pmem * MiB, &f->pfd[d]);
            g_string_append_printf(cmd, ",persistent-memdev=p%u", d);
        }
        if (devs[d].lsa_kib) {
            int fd;

            f->lfile[d] = cxl_qtest_file("fuzz-l", d, devs[d].lsa_kib * KiB, &fd);
            close(fd);
            g_string_append_printf(cmd, ",lsa=l%u", d);
        }
    }
    for (d = 0; d < NUM_DEV; d++) {
        if (f->vfile[d]) {
            g_string_append_printf(cmd, " -object memory-backend-file,id=v%u,"
                                   "share=on,mem-path=%s,size=%uM", d, f->vfile[d],
                                   devs[d].vmem);
        }
        if (f->pfile[d]) {
            g_string_append_printf(cmd, " -object memory-backend-file,id=p%u,"
                                   "share=on,mem-path=%s,size=%uM", d, f->pfile[d],
                                   devs[d].pmem);
        }
        if (f->lfile[d]) {
            g_string_append_printf(cmd, " -object memory-backend-file,id=l%u,"
                                   "share=on,mem-path=%s,size=%uK", d, f->lfile[d],
                                   devs[d].lsa_kib);
        }
    }
    /* Window 0: both host bridges at 256 B; window 1: hb0 alone at 4 KiB */
    g_string_append(cmd, " -M cxl-fmw.0.targets.0=hb0,cxl-fmw.0.targets.1=hb1,"
                    "cxl-fmw.0.size=8G,cxl-fmw.0.interleave-granularity=256"
                    " -M cxl-fmw.1.targets.0=hb0,cxl-fmw.1.size=4G,"
                    "cxl-fmw.1.interleave-granularity=4096");
    f->qts = cxl_qtest_start("%s", cmd->str);
    g_string_free(cmd, true);
}

static void fuzz_stop(Fuzz *f)
{
    unsigned d;

    qtest_quit(f->qts);
    for (d = 0; d < NUM_DEV; d++) {
        char *files[] = { f->vfile[d], f->pfile[d], f->lfile[d] };
        unsigned i;

        for (i = 0; i < ARRAY_SIZE(files); i++) {
            if (files[i]) {
                unlink(files[i]);
                g_free(files[i]);
            }
        }
        if (f->vfd[d] >= 0) {
            close(f->vfd[d]);
        }
        if (f->pfd[d] >= 0) {
            close(f->pfd[d]);
        }
    }
}

/* The windows, as "info cxl" reports them */
static void find_windows(Fuzz *f)
{
    g_autofree char *info = qtest_hmp(f->qts, "info cxl");
    unsigned i;

    for (i = 0; i < NUM_WINDOWS; i++) {
        g_autofree char *key = g_strdup_printf("window %u: HPA ", i);
        const char *p = strstr(info, key);
        uint64_t last;

        g_assert_nonnull(p);
        g_assert(sscanf(p + strlen(key), "0x%" SCNx64 "-0x%" SCNx64,
                        &f->window[i], &last) == 2);
        f->window_size[i] = last - f->window[i] + 1;
    }
}

/* CXL 2.0 8.2.5.1: the address of capability @id of a component block */
static uint64_t component_cap(Fuzz *f, uint64_t base, unsigned id)
{
    uint64_t cm = base + CXL_CACHEMEM_OFFSET;
    uint32_t hdr = qtest_readl(f->qts, cm);
    unsigned i, n = FIELD_EX32(hdr, CXL_CAPABILITY_HEADER, ARRAY_SIZE);

    for (i = 1; i <= n; i++) {
        uint32_t cap = qtest_readl(f->qts, cm + 4 * i);

        if (FIELD_EX32(cap, CXL_CAP_HDR, ID) == id) {
            return cm + FIELD_EX32(cap, CXL_CAP_HDR, POINTER);
        }
    }
    return 0;
}

static void add_component(Fuzz *f, uint64_t base, bool endpoint)
{
    Block *b = &f->blk[f->nblk++];

    g_assert_cmpuint(f->nblk, <=, MAX_BLOCKS);
    memset(b, 0, sizeof(*b));
    b->base = base;
    b->size = CXL_COMPONENT_REG_SIZE;
    b->endpoint = endpoint;
    b->hdm = component_cap(f, base, CXL_CAP_ID_HDM_DECODER);
    if (b->hdm) {
        /* CXL 2.0 8.2.5.12.1: Decoder Count encodes 1, 2, 4, 6, 8, 10 */
        uint32_t cap = qtest_readl(f->qts, b->hdm + A_CXL_HDM_DECODER_CAP);
        unsigned enc = FIELD_EX32(cap, CXL_HDM_DECODER_CAP, DECODER_COUNT);

        b->hdm_count = enc ? 2 * enc : 1;
    }
}

/* CXL 2.0 8.2.8.2: a device register block and its primary mailbox */
static void add_device_regs(Fuzz *f, uint64_t base, unsigned d)
{
    Block *b = &f->blk[f->nblk++];
    unsigned i, n;

    g_assert_cmpuint(f->nblk, <=, MAX_BLOCKS);
    memset(b, 0, sizeof(*b));
    b->base = base;
    b->size = 0x1000;
    b->device = true;
    b->lsa_size = devs[d].lsa_kib * KiB;
    b->capacity = (uint64_t)(devs[d].vmem + devs[d].pmem) * MiB;
    n = FIELD_EX32(qtest_readl(f->qts, base + A_CXL_DEV_CAP_ARRAY_HI),
                   CXL_DEV_CAP_ARRAY_HI, CAP_COUNT);
    for (i = 1; i <= n; i++) {
        uint64_t hdr = base + i * CXL_DEV_CAP_HDR_STRIDE;

        if (FIELD_EX32(qtest_readl(f->qts, hdr), CXL_DEV_CAP_HDR, ID) ==
            CXL_DEV_CAP_ID_PRIMARY_MAILBOX) {
            b->mbox = base + qtest_readl(f->qts, hdr + A_CXL_DEV_CAP_HDR_OFFSET);
        }
    }
    g_assert(b->mbox);
    b->payload = 1 << FIELD_EX32(qtest_readl(f->qts, b->mbox + A_CXL_MB_CAP),
                                 CXL_MB_CAP, PAYLOAD_SIZE);
    g_assert_cmpuint(b->payload, <=, MB_BUF);
}

/*
 * A random config write can power a slot off (PCIe 5.0 7.5.3.10: Power
 * Controller Control, with the Power Indicator off), which unplugs what
 * is below it: plug back, with device_add, whatever "info cxl" misses.
 */
/*
 * The unplugged device's id stays taken until QEMU has finalized it, after
 * an RCU grace period (tens of milliseconds): try again until then.
 */
static void fuzz_plug(Fuzz *f, const char *driver, QDict *args)
{
    unsigned tries;
    QDict *rsp;

    qdict_put_str(args, "driver", driver);
    for (tries = 0; ; tries++) {
        rsp = qtest_qmp(f->qts, "{ 'execute': 'device_add', 'arguments': %p }",
                        qobject_ref(args));
        if (!qdict_haskey(rsp, "error")) {
            break;
        }
        if (tries == 200) {
            fprintf(stderr, "cxl-fuzz: device_add %s: %s\n", driver,
                    qdict_get_str(qdict_get_qdict(rsp, "error"), "desc"));
            g_assert_not_reached();
        }
        qobject_unref(rsp);
        g_usleep(10000);
    }
    qobject_unref(rsp);
    qobject_unref(args);
    f->replugs++;
}

static void fuzz_replug(Fuzz *f)
{
    g_autofree char *info = qtest_hmp(f->qts, "info cxl");
    unsigned d, p;
    QDict *args;

    if (!strstr(info, "switch upstream port us0")) {
        args = qdict_new();
        qdict_put_str(args, "bus", "rp2");
        qdict_put_str(args, "id", "us0");
        fuzz_plug(f, "cxl-upstream", args);
    }
    for (p = 0; p < 2; p++) {
        g_autofree char *key = g_strdup_printf("downstream port ds%u:", p);

        if (!strstr(info, key)) {
            args = qdict_new();
            qdict_put_str(args, "bus", "us0");
            *strchr(key, ':') = 0;
            qdict_put_str(args, "id", key + strlen("downstream port "));
            qdict_put_int(args, "port", p);
            qdict_put_int(args, "chassis", 2);
            qdict_put_int(args, "slot", p);
            fuzz_plug(f, "cxl-downstream", args);
        }
    }
    for (d = 0; d < NUM_DEV; d++) {
        g_autofree char *key = g_strdup_printf("type3 mem%u:", d);
        char id[16];

        if (strstr(info, key)) {
            continue;
        }
        args = qdict_new();
        qdict_put_str(args, "bus", devs[d].bus);
        snprintf(id, sizeof(id), "mem%u", d);
        qdict_put_str(args, "id", id);
        qdict_put_int(args, "sn", d);
        qdict_put_int(args, "hdm-decoders", devs[d].hdm);
        if (devs[d].vmem) {
            snprintf(id, sizeof(id), "v%u", d);
            qdict_put_str(args, "volatile-memdev", id);
        }
        if (devs[d].pmem) {
            snprintf(id, sizeof(id), "p%u", d);
            qdict_put_str(args, "persistent-memdev", id);
        }
        if (devs[d].lsa_kib) {
            snprintf(id, sizeof(id), "l%u", d);
            qdict_put_str(args, "lsa", id);
        }
        fuzz_plug(f, "cxl-type3", args);
    }
}

/*
 * Firmware's work (ECAM, bus numbers, bridge windows, BARs), then a walk
 * of what it set up: every CXL function, every register block.
 */
/* The Slot Control register of a port with a slot (PCIe 5.0 7.5.3.10), or 0 */
static int slot_control(Fuzz *f, int bus, int devfn)
{
    int cap = qtest_readb(f->qts, ecam(bus, devfn, PCI_CAPABILITY_LIST));

    while (cap && qtest_readb(f->qts, ecam(bus, devfn, cap)) != PCI_CAP_ID_EXP) {
        cap = qtest_readb(f->qts, ecam(bus, devfn, cap + 1));
    }
    if (!cap || !(qtest_readw(f->qts, ecam(bus, devfn, cap + PCI_EXP_FLAGS)) &
                  PCI_EXP_FLAGS_SLOT)) {
        return 0;
    }
    return cap + PCI_EXP_SLTCTL;
}

static bool fuzz_enumerate(Fuzz *f, CXLQTestEnum *e)
{
    bool again = false;
    unsigned h;
    int bus, slot;

    memset(e, 0, sizeof(*e));
    f->nfn = f->nblk = 0;
    enable_ecam(f->qts);
    /* The pxb-cxl host bridges themselves, on bus 0 (not virt's GPEX) */
    for (slot = 0; slot < 32; slot++) {
        if (qtest_readw(f->qts, ecam(0, slot << 3, PCI_VENDOR_ID)) ==
            PCI_VENDOR_ID_REDHAT &&
            qtest_readw(f->qts, ecam(0, slot << 3, PCI_DEVICE_ID)) !=
            PCI_DEVICE_ID_REDHAT_PCIE_HOST &&
            qtest_readw(f->qts, ecam(0, slot << 3, PCI_CLASS_DEVICE)) ==
            PCI_CLASS_BRIDGE_HOST) {
            f->fn[f->nfn++] = (Func) { 0, slot << 3, 0 };
        }
    }
    g_assert_cmpuint(f->nfn, ==, NUM_HB);
    /*
     * Bus ranges the storm left on one host bridge's root ports may claim
     * the other's bus numbers (the first claim wins): take them all away
     * before numbering again.
     */
    for (h = 0; h < NUM_HB; h++) {
        for (slot = 0; slot < 32; slot++) {
            qtest_writew(f->qts, ecam(HB_BUS(h), slot << 3, PCI_SECONDARY_BUS), 0);
            qtest_writew(f->qts, ecam(HB_BUS(h), slot << 3, PCI_BRIDGE_CONTROL), 0);
        }
    }
    for (h = 0; h < NUM_HB; h++) {
        add_component(f, CHBCR(h), false);
        cxl_qtest_enumerate(f->qts, e, HB_BUS(h));
        for (bus = HB_BUS(h); bus <= e->next_bus; bus++) {
            for (slot = 0; slot < 32; slot++) {
                int devfn = slot << 3;
                uint32_t bar;

                if (qtest_readw(f->qts, ecam(bus, devfn, PCI_VENDOR_ID)) == 0xffff) {
                    continue;
                }
                g_assert_cmpuint(f->nfn, <, MAX_FN);
                f->fn[f->nfn++] = (Func) { bus, devfn, slot_control(f, bus, devfn) };
                if ((qtest_readb(f->qts, ecam(bus, devfn, PCI_HEADER_TYPE)) & 0x7f) ==
                    PCI_HEADER_TYPE_BRIDGE) {
                    /*
                     * A Secondary Bus Reset the storm left set hides the
                     * bus below (QEMU does not walk it): release it, and
                     * number again.
                     */
                    if (qtest_readw(f->qts, ecam(bus, devfn, PCI_BRIDGE_CONTROL)) &
                        PCI_BRIDGE_CTL_BUS_RESET) {
                        qtest_writew(f->qts, ecam(bus, devfn, PCI_BRIDGE_CONTROL), 0);
                        again = true;
                    }
                    /* A port: its component registers in BAR0 */
                    bar = qtest_readl(f->qts, ecam(bus, devfn, PCI_BASE_ADDRESS_0));
                    add_component(f, bar & PCI_BASE_ADDRESS_MEM_MASK, false);
                }
            }
        }
    }
    return again;
}

/*
 * PCIe 5.0 7.5.3.10: power every slot on (Power Controller Control 0,
 * Power Indicator on), toggling the Electromechanical Interlock back if
 * the storm engaged it, so that device_add may plug into it again.
 */
static void fuzz_power_slots_on(Fuzz *f)
{
    unsigned i;

    for (i = 0; i < f->nfn; i++) {
        uint64_t ctl = ecam(f->fn[i].bus, f->fn[i].devfn, f->fn[i].slot_ctl);

        if (!f->fn[i].slot_ctl) {
            continue;
        }
        if (qtest_readw(f->qts, ctl + PCI_EXP_SLTSTA - PCI_EXP_SLTCTL) &
            PCI_EXP_SLTSTA_EIS) {
            qtest_writew(f->qts, ctl, PCI_EXP_SLTCTL_EIC | PCI_EXP_SLTCTL_PWR_IND_ON |
                         PCI_EXP_SLTCTL_ATTN_IND_OFF);
        }
        qtest_writew(f->qts, ctl, PCI_EXP_SLTCTL_PWR_IND_ON |
                     PCI_EXP_SLTCTL_ATTN_IND_OFF);
    }
}

/* What the setup could not put right, for the failure report */
static void dump_topology(Fuzz *f, CXLQTestEnum *e)
{
    g_autofree char *info = qtest_hmp(f->qts, "info cxl");
    unsigned i;

    fprintf(stderr, "cxl-fuzz: %u of %u Type 3 devices found; info cxl:\n%s",
            e->n_type3, NUM_DEV, info);
    for (i = 0; i < f->nfn; i++) {
        uint64_t cfg = ecam(f->fn[i].bus, f->fn[i].devfn, 0);

        fprintf(stderr, "cxl-fuzz: %02x:%02x.0 header type %u buses %u-%u\n",
                f->fn[i].bus, f->fn[i].devfn >> 3,
                qtest_readb(f->qts, cfg + PCI_HEADER_TYPE),
                qtest_readb(f->qts, cfg + PCI_SECONDARY_BUS),
                qtest_readb(f->qts, cfg + PCI_SUBORDINATE_BUS));
    }
}

static void fuzz_setup(Fuzz *f)
{
    CXLQTestEnum e;
    unsigned d;

    for (d = 0; fuzz_enumerate(f, &e) && d < 4; d++) {
        /* a bus below was held in reset: number again */
    }
    if (e.n_type3 != NUM_DEV) {
        /* Some slot was powered off: power them on, plug back, again */
        fuzz_power_slots_on(f);
        fuzz_replug(f);
        for (d = 0; fuzz_enumerate(f, &e) && d < 4; d++) {
            /* as above */
        }
    }
    if (e.n_type3 != NUM_DEV) {
        dump_topology(f, &e);
    }
    g_assert_cmpuint(e.n_type3, ==, NUM_DEV);
    for (d = 0; d < e.n_type3; d++) {
        /* A device: component registers, then device registers, in BAR2 */
        add_component(f, e.type3[d].bar, true);
        add_device_regs(f, e.type3[d].bar + CXL_COMPONENT_REG_SIZE, e.type3[d].sn);
    }
    f->dirty = false;
    f->setups++;
}

/* --- Config space (PCIe 5.0 7.x, CXL 2.0 8.1 DVSECs) ------------------- */

static uint64_t rnd_config_offset(Fuzz *f, unsigned size)
{
    switch (below(f, 4)) {
    case 0:             /* the DVSECs and extended capabilities */
        return 0x100 + rnd_offset(f, 0x300, size);
    case 1:             /* capabilities (PCIe, MSI, MSI-X, PM) */
        return 0x40 + rnd_offset(f, 0xc0, size);
    case 2:             /* anywhere */
        return rnd_offset(f, PCI_CFG_SPACE_EXP_SIZE, size);
    default:            /* the header: BARs, bus numbers, command, bridge control */
        return rnd_offset(f, 0x40, size);
    }
}

static void fuzz_config(Fuzz *f)
{
    const Func *fn = &f->fn[below(f, f->nfn)];
    uint64_t page = ecam(fn->bus, fn->devfn, 0);
    unsigned size = chance(f, 90) ? 1 << below(f, 3) : 8;
    uint64_t off = rnd_config_offset(f, size);
    uint8_t buf[PCI_CFG_SPACE_EXP_SIZE];
    uint64_t val;
    size_t len;

    switch (below(f, 10)) {
    case 0:             /* the whole function, read */
        fz_burst_read(f, S_CONFIG, page, buf, sizeof(buf));
        break;
    case 1:             /* a run of random bytes over the extended capabilities */
        len = 1 + below(f, 64);
        off = 0x100 + below(f, PCI_CFG_SPACE_EXP_SIZE - 0x100 - len + 1);
        rnd_bytes(f, buf, len);
        fz_burst_write(f, S_CONFIG, page + off, buf, len, 0);
        break;
    case 2:
    case 3:
    case 4:
        val = rnd(f);
        if (off < 0x40) {
            f->dirty = true;
        }
        fz_write(f, S_CONFIG, page + off, size, val);
        break;
    default:
        fz_read(f, S_CONFIG, page + off, size);
        break;
    }
}

/* --- Component registers (CXL 2.0 8.2.4, 8.2.5) ------------------------- */

static Block *rnd_block(Fuzz *f, bool device, bool need_hdm)
{
    unsigned i, n = 0, pick;

    for (i = 0; i < f->nblk; i++) {
        n += f->blk[i].device == device && (!need_hdm || f->blk[i].hdm_count);
    }
    g_assert(n);
    pick = below(f, n);
    for (i = 0; i < f->nblk; i++) {
        if (f->blk[i].device == device && (!need_hdm || f->blk[i].hdm_count) &&
            !pick--) {
            return &f->blk[i];
        }
    }
    g_assert_not_reached();
}

static void fuzz_component(Fuzz *f)
{
    Block *b = rnd_block(f, false, false);
    unsigned size = rnd_size(f);
    static uint8_t buf[CXL_COMPONENT_REG_SIZE];
    uint64_t off, len;

    /* Mostly the CXL.cache/mem registers: RAS, link, HDM decoders */
    off = chance(f, 80) ? CXL_CACHEMEM_OFFSET + rnd_offset(f, 0x400, size)
                        : rnd_offset(f, b->size, size);
    switch (below(f, 16)) {
    case 0:             /* the whole block, read: 8192 accesses, now and then */
        if (!chance(f, 25)) {
            fz_burst_read(f, S_COMPONENT, b->base + CXL_CACHEMEM_OFFSET, buf, 256);
            break;
        }
        fz_burst_read(f, S_COMPONENT, b->base, buf, b->size);
        break;
    case 1:             /* the CXL.cache/mem registers, read */
        fz_burst_read(f, S_COMPONENT, b->base + CXL_CACHEMEM_OFFSET, buf,
                      CXL_CACHEMEM_SIZE);
        break;
    case 2:             /* random bytes over registers (and decoders) */
        len = 1 + below(f, 256);
        off = CXL_CACHEMEM_OFFSET + below(f, CXL_CACHEMEM_SIZE - len + 1);
        rnd_bytes(f, buf, len);
        fz_burst_write(f, S_COMPONENT, b->base + off, buf, len, 0);
        break;
    case 3:             /* a pattern over a stretch of the block */
        len = 1 + below(f, 4096);
        off = below(f, b->size - len + 1);
        fz_burst_write(f, S_COMPONENT, b->base + off, NULL, len,
                       chance(f, 50) ? 0 : rnd(f));
        break;
    case 4:
    case 5:
    case 6:
    case 7:
        fz_write(f, S_COMPONENT, b->base + off, size, rnd(f));
        break;
    default:
        fz_read(f, S_COMPONENT, b->base + off, size);
        break;
    }
}

/*
 * HDM decoders (CXL 2.0 8.2.5.12): program one decoder of one component
 * with random, or merely plausible, values and commit or uncommit it.
 */
static uint64_t rnd_hpa(Fuzz *f)
{
    unsigned w = below(f, NUM_WINDOWS);

    switch (below(f, 4)) {
    case 0:             /* anywhere (256 MiB units) */
        return rnd(f) & ~(CXL_HDM_ALIGN - 1);
    case 1:             /* anywhere in a window */
        return f->window[w] + QEMU_ALIGN_DOWN(below(f, f->window_size[w]),
                                              CXL_HDM_ALIGN);
    default:            /* at the start of a window, where the storm's
                           window accesses mostly go */
        return f->window[w] + below(f, 4) * CXL_HDM_ALIGN;
    }
}

static uint64_t rnd_hdm_size(Fuzz *f)
{
    switch (below(f, 4)) {
    case 0:
        return rnd(f) & ~(CXL_HDM_ALIGN - 1);
    case 1:
        return 0;
    default:
        return (1 + below(f, 16)) * CXL_HDM_ALIGN;
    }
}

static void fuzz_hdm(Fuzz *f)
{
    Block *b = rnd_block(f, false, true);
    unsigned n = below(f, b->hdm_count);
    uint64_t dec = b->hdm + n * CXL_HDM_DECODER_STRIDE, base, size, tl;
    uint32_t ctrl = 0;

    switch (below(f, 8)) {
    case 0:             /* uncommit (maybe changing the other fields) */
        ctrl = chance(f, 50) ? 0 : rnd(f) & ~R_CXL_HDM_DECODER0_CTRL_COMMIT_MASK;
        fz_write(f, S_HDM, dec + A_CXL_HDM_DECODER0_CTRL, 4, ctrl);
        break;
    case 1:             /* Decoder Enable (8.2.5.12.2) */
        fz_write(f, S_HDM, b->hdm + A_CXL_HDM_GLOBAL_CTRL, 4, rnd(f) & 3);
        break;
    case 2:             /* one register of the decoder, any value */
        fz_write(f, S_HDM, dec + A_CXL_HDM_DECODER0_BASE_LO + 4 * below(f, 7), 4,
                 rnd(f));
        break;
    default:            /* program it and commit it */
        base = rnd_hpa(f);
        size = rnd_hdm_size(f);
        if (chance(f, 70)) {
            /* Plausible: a few ways, small granularity, existing ports */
            ctrl = FIELD_DP32(ctrl, CXL_HDM_DECODER0_CTRL, IW, below(f, 3));
            ctrl = FIELD_DP32(ctrl, CXL_HDM_DECODER0_CTRL, IG, below(f, 5));
            tl = b->endpoint ? below(f, 3) * CXL_HDM_ALIGN
                             : rnd(f) & 0x0101010101010101ull;
        } else {
            ctrl = FIELD_DP32(ctrl, CXL_HDM_DECODER0_CTRL, IW, below(f, 16));
            ctrl = FIELD_DP32(ctrl, CXL_HDM_DECODER0_CTRL, IG, below(f, 16));
            tl = rnd(f);
        }
        ctrl = FIELD_DP32(ctrl, CXL_HDM_DECODER0_CTRL, TARGET_TYPE, chance(f, 90));
        ctrl = FIELD_DP32(ctrl, CXL_HDM_DECODER0_CTRL, LOCK_ON_COMMIT, chance(f, 3));
        ctrl = FIELD_DP32(ctrl, CXL_HDM_DECODER0_CTRL, COMMIT, 1);
        if (chance(f, 90)) {
            /* Programming is frozen while Commit is set: clear it first */
            fz_write(f, S_HDM, dec + A_CXL_HDM_DECODER0_CTRL, 4, 0);
        }
        fz_write(f, S_HDM, b->hdm + A_CXL_HDM_GLOBAL_CTRL, 4,
                 R_CXL_HDM_GLOBAL_CTRL_HDM_DECODER_ENABLE_MASK);
        fz_write(f, S_HDM, dec + A_CXL_HDM_DECODER0_BASE_LO, 4, base);
        fz_write(f, S_HDM, dec + A_CXL_HDM_DECODER0_BASE_HI, 4, base >> 32);
        fz_write(f, S_HDM, dec + A_CXL_HDM_DECODER0_SIZE_LO, 4, size);
        fz_write(f, S_HDM, dec + A_CXL_HDM_DECODER0_SIZE_HI, 4, size >> 32);
        fz_write(f, S_HDM, dec + A_CXL_HDM_DECODER0_TARGET_LIST_LO, 8, tl);
        fz_write(f, S_HDM, dec + A_CXL_HDM_DECODER0_CTRL, 4, ctrl);
        break;
    }
    /*
     * CXL 2.0 8.2.5.12.7: Committed and Error Not Committed answer a
     * Commit; never both, and neither without it.
     */
    ctrl = fz_read(f, S_HDM, dec + A_CXL_HDM_DECODER0_CTRL, 4);
    g_assert(!(FIELD_EX32(ctrl, CXL_HDM_DECODER0_CTRL, COMMITTED) &&
               FIELD_EX32(ctrl, CXL_HDM_DECODER0_CTRL, ERR_NOT_COMMITTED)));
    g_assert(FIELD_EX32(ctrl, CXL_HDM_DECODER0_CTRL, COMMIT) ||
             !(ctrl & (R_CXL_HDM_DECODER0_CTRL_COMMITTED_MASK |
                       R_CXL_HDM_DECODER0_CTRL_ERR_NOT_COMMITTED_MASK)));
}

/* --- Device registers and the mailbox (CXL 2.0 8.2.8, 8.2.9) ----------- */

static void fuzz_device(Fuzz *f)
{
    Block *b = rnd_block(f, true, false);
    unsigned size = rnd_size(f);
    uint64_t off = rnd_offset(f, b->size, size), len;
    uint8_t buf[4096];

    switch (below(f, 12)) {
    case 0:             /* the whole block, read */
        fz_burst_read(f, S_DEVICE, b->base, buf, b->size);
        break;
    case 1:             /* random bytes anywhere in it */
        len = 1 + below(f, 512);
        off = below(f, b->size - len + 1);
        rnd_bytes(f, buf, len);
        fz_burst_write(f, S_DEVICE, b->base + off, buf, len, 0);
        break;
    case 2:             /* a pattern over the payload */
        len = 1 + below(f, b->payload);
        fz_burst_write(f, S_DEVICE, b->mbox + CXL_MB_PAYLOAD, NULL, len, rnd(f));
        break;
    case 3:
    case 4:
    case 5:
        fz_write(f, S_DEVICE, b->base + off, size, rnd(f));
        break;
    default:
        fz_read(f, S_DEVICE, b->base + off, size);
        break;
    }
}

/* Opcodes, the implemented ones with their input length (-1: variable) */
static const struct {
    uint16_t opcode;
    int in_len;
} mbox_cmds[] = {
    { CXL_MBOX_OP_GET_EVENT_RECORDS, 1 },
    { CXL_MBOX_OP_CLEAR_EVENT_RECORDS, -1 },
    { CXL_MBOX_OP_GET_EVENT_INTERRUPT_POLICY, 0 },
    { CXL_MBOX_OP_SET_EVENT_INTERRUPT_POLICY, 4 },
    { CXL_MBOX_OP_GET_FW_INFO, 0 },                 /* not implemented */
    { CXL_MBOX_OP_GET_TIMESTAMP, 0 },
    { CXL_MBOX_OP_SET_TIMESTAMP, 8 },
    { CXL_MBOX_OP_GET_SUPPORTED_LOGS, 0 },
    { CXL_MBOX_OP_GET_LOG, sizeof(CXLGetLogIn) },
    { CXL_MBOX_OP_IDENTIFY_MEMORY_DEVICE, 0 },
    { CXL_MBOX_OP_GET_PARTITION_INFO, 0 },
    { CXL_MBOX_OP_SET_PARTITION_INFO, 0xa },        /* not implemented */
    { CXL_MBOX_OP_GET_LSA, sizeof(CXLGetLSAIn) },
    { CXL_MBOX_OP_SET_LSA, -1 },
    { CXL_MBOX_OP_GET_HEALTH_INFO, 0 },
    { CXL_MBOX_OP_GET_ALERT_CONFIG, 0 },
    { CXL_MBOX_OP_SET_ALERT_CONFIG, sizeof(CXLSetAlertConfigIn) },
    { CXL_MBOX_OP_GET_SHUTDOWN_STATE, 0 },          /* not implemented */
    { CXL_MBOX_OP_SET_SHUTDOWN_STATE, 1 },          /* not implemented */
    { CXL_MBOX_OP_GET_POISON_LIST, sizeof(CXLGetPoisonListIn) },
};

static const uint8_t cel_uuid[16] = CXL_CEL_UUID;

/* An input for @opcode that is often valid, or nearly */
static size_t mbox_input(Fuzz *f, Block *b, uint16_t opcode, int in_len,
                         uint8_t *in)
{
    uint64_t edge = below(f, 3) - 1;            /* -1, 0 or +1 */
    size_t len = in_len < 0 ? 8 + below(f, 64) : in_len;

    rnd_bytes(f, in, b->payload);
    switch (opcode) {
    case CXL_MBOX_OP_GET_EVENT_RECORDS:
        in[0] = below(f, 5);
        break;
    case CXL_MBOX_OP_CLEAR_EVENT_RECORDS:
        in[0] = below(f, 5);
        in[1] = below(f, 2);
        in[2] = below(f, 4);
        len = sizeof(CXLClearEventRecordsIn) + 2 * in[2] + (chance(f, 80) ? 0 : edge);
        break;
    case CXL_MBOX_OP_SET_EVENT_INTERRUPT_POLICY:
        memset(in, below(f, 4), 4);
        break;
    case CXL_MBOX_OP_GET_LOG:
        if (chance(f, 80)) {
            memcpy(in, cel_uuid, sizeof(cel_uuid));
        }
        stl_le_p(in + 16, below(f, 128));
        stl_le_p(in + 20, chance(f, 80) ? below(f, 128) : rnd(f));
        break;
    case CXL_MBOX_OP_GET_LSA:
    case CXL_MBOX_OP_SET_LSA:
        stl_le_p(in, chance(f, 80) ? below(f, b->lsa_size + 2) : rnd(f));
        stl_le_p(in + 4, chance(f, 80) ? below(f, b->payload + 2) : rnd(f));
        if (opcode == CXL_MBOX_OP_SET_LSA) {
            len = 8 + below(f, b->payload - 8 + 2);
        }
        break;
    case CXL_MBOX_OP_SET_ALERT_CONFIG:
        in[0] &= 0x3f;
        in[1] &= 0x3f;
        break;
    case CXL_MBOX_OP_GET_POISON_LIST:
        stq_le_p(in, chance(f, 80) ? QEMU_ALIGN_DOWN(below(f, b->capacity + 128), 64)
                                   : rnd(f));
        stq_le_p(in + 8, chance(f, 80) ? below(f, b->capacity / 64 + 2) : rnd(f));
        break;
    }
    return len;
}

static void fuzz_mailbox(Fuzz *f)
{
    Block *b = rnd_block(f, true, false);
    uint8_t in[MB_BUF], out[MB_BUF];
    unsigned k = below(f, ARRAY_SIZE(mbox_cmds));
    uint16_t opcode = mbox_cmds[k].opcode;
    uint64_t len, cmd, status;
    uint32_t ctrl;

    len = mbox_input(f, b, opcode, mbox_cmds[k].in_len, in);
    switch (below(f, 8)) {
    case 0:             /* any opcode */
        opcode = rnd(f);
        break;
    case 1:             /* any length, to the payload's end and beyond */
        len = chance(f, 50) ? below(f, b->payload + 2)
                            : below(f, 1 << 21);
        break;
    }
    if (len) {
        fz_burst_write(f, S_MAILBOX, b->mbox + CXL_MB_PAYLOAD, in,
                       MIN(len, b->payload), 0);
    }
    /* CXL 2.0 8.2.8.4.5: opcode, payload length; then ring the doorbell */
    cmd = opcode | len << 16;
    if (chance(f, 10)) {
        cmd |= rnd(f) << 37;
    }
    fz_write(f, S_MAILBOX, b->mbox + A_CXL_MB_CMD, 8, cmd);
    ctrl = chance(f, 80) ? R_CXL_MB_CTRL_DOORBELL_MASK : rnd(f);
    fz_write(f, S_MAILBOX, b->mbox + A_CXL_MB_CTRL, 4, ctrl);

    /* Every command completes before the doorbell write returns (8.2.8.4.4) */
    g_assert(!FIELD_EX32(fz_read(f, S_MAILBOX, b->mbox + A_CXL_MB_CTRL, 4),
                         CXL_MB_CTRL, DOORBELL));
    status = fz_read(f, S_MAILBOX, b->mbox + A_CXL_MB_STATUS, 8);
    g_assert_cmpuint(FIELD_EX32(status >> 32, CXL_MB_STATUS_HI, RETURN_CODE), <=,
                     CXL_MBOX_INVALID_PAYLOAD_LENGTH);
    cmd = fz_read(f, S_MAILBOX, b->mbox + A_CXL_MB_CMD, 8);
    if (!FIELD_EX32(ctrl, CXL_MB_CTRL, DOORBELL)) {
        return;         /* not rung: the command register keeps our input */
    }
    /* The output length replaced the input's: at most the payload */
    len = extract64(cmd, 16, 21);
    g_assert_cmpuint(len, <=, b->payload);
    if (len) {
        fz_burst_read(f, S_MAILBOX, b->mbox + CXL_MB_PAYLOAD, out, len);
    }
}

/* --- The windows (CXL 2.0 9.14.1.3) ------------------------------------- */

static uint64_t rnd_window_addr(Fuzz *f, unsigned w, uint64_t len)
{
    uint64_t off;

    if (chance(f, 80)) {
        /* Where the decoders mostly point: the first 256 MiB units */
        off = below(f, 4) * CXL_HDM_ALIGN + below(f, 16 * MiB);
    } else {
        off = below(f, f->window_size[w]);
    }
    return f->window[w] + MIN(off, f->window_size[w] - len);
}

static void fuzz_window(Fuzz *f)
{
    unsigned w = below(f, NUM_WINDOWS), size = rnd_size(f);
    uint64_t addr, len;
    uint8_t buf[4096];

    switch (below(f, 12)) {
    case 0:             /* a read burst: up to 4 KiB */
        len = 1 + below(f, sizeof(buf));
        addr = rnd_window_addr(f, w, len);
        fz_burst_read(f, S_WINDOW, addr, buf, len);
        break;
    case 1:             /* a burst of random bytes */
        len = 1 + below(f, sizeof(buf));
        addr = rnd_window_addr(f, w, len);
        rnd_bytes(f, buf, len);
        fz_burst_write(f, S_WINDOW, addr, buf, len, 0);
        break;
    case 2:             /* a pattern: up to 16 KiB */
        len = 1 + below(f, 16 * KiB);
        addr = rnd_window_addr(f, w, len);
        fz_burst_write(f, S_WINDOW, addr, NULL, len, rnd(f));
        break;
    case 3:
    case 4:
    case 5:
    case 6:
        addr = rnd_window_addr(f, w, size);
        fz_write(f, S_WINDOW, chance(f, 75) ? QEMU_ALIGN_DOWN(addr, size) : addr,
                 size, rnd(f));
        break;
    default:
        addr = rnd_window_addr(f, w, size);
        fz_read(f, S_WINDOW, chance(f, 75) ? QEMU_ALIGN_DOWN(addr, size) : addr,
                size);
        break;
    }
}

/* --- The storm ---------------------------------------------------------- */

static void fuzz_abort_hook(void *opaque)
{
    Fuzz *f = fuzz_running;
    unsigned i;

    if (f) {
        fuzz_running = NULL;            /* once, whatever the hooks */
        fprintf(stderr, "cxl-fuzz: FAILED at step %" PRIu64 " after %" PRIu64
                " operations; reproduce with CXL_FUZZ_SEED=0x%" PRIx64
                " CXL_FUZZ_OPS=%" PRIu64 " (add CXL_FUZZ_TRACE=1 for every "
                "operation)%s\n", f->steps, f->ops, f->seed, f->target,
                cxl_qtest_mode_args[0] ? " in the reference mode" : "");
        for (i = 0; i < NUM_DEV; i++) {
            char *files[] = { f->vfile[i], f->pfile[i], f->lfile[i] };
            unsigned k;

            for (k = 0; k < ARRAY_SIZE(files); k++) {
                if (files[k]) {
                    unlink(files[k]);
                }
            }
        }
    }
}

static void fuzz_alarm(int sig)
{
    Fuzz *f = fuzz_running;

    fprintf(stderr, "cxl-fuzz: no answer from QEMU for %d s at step %" PRIu64
            ": hung\n", FUZZ_HANG_SECS, f ? f->steps : 0);
    abort();
}

/* QEMU is alive and answers: a read-only register, and now and then QMP */
static void fuzz_check_alive(Fuzz *f, bool qmp)
{
    g_assert_cmphex(qtest_readl(f->qts, CHBCR(0) + CXL_CACHEMEM_OFFSET), ==,
                    f->chbcr_cap_header);
    if (qmp) {
        QDict *rsp = qtest_qmp(f->qts, "{ 'execute': 'query-status' }");
        QDict *ret = qdict_get_qdict(rsp, "return");

        g_assert_nonnull(ret);
        g_assert_cmpstr(qdict_get_try_str(ret, "status"), ==, "running");
        qobject_unref(rsp);
    }
    alarm(FUZZ_HANG_SECS);
}

static void fuzz_reset(Fuzz *f)
{
    qtest_qmp_assert_success(f->qts, "{ 'execute': 'system_reset' }");
    qtest_qmp_eventwait(f->qts, "RESET");
    fuzz_setup(f);
    f->resets++;
}

static uint64_t env_u64(const char *name, uint64_t dflt)
{
    const char *s = getenv(name);

    return s && *s ? g_ascii_strtoull(s, NULL, 0) : dflt;
}

static void fuzz_storm(Fuzz *f)
{
    static const struct {
        unsigned weight;
        Surface s;
        void (*op)(Fuzz *f);
    } ops[] = {
        { 20, S_CONFIG, fuzz_config },
        { 18, S_COMPONENT, fuzz_component },
        { 14, S_HDM, fuzz_hdm },
        { 14, S_DEVICE, fuzz_device },
        { 10, S_MAILBOX, fuzz_mailbox },
        { 24, S_WINDOW, fuzz_window },
    };
    unsigned total = 0, i;

    for (i = 0; i < ARRAY_SIZE(ops); i++) {
        total += ops[i].weight;
    }
    while (f->ops < f->target) {
        unsigned pick = below(f, total);

        for (i = 0; pick >= ops[i].weight; i++) {
            pick -= ops[i].weight;
        }
        ops[i].op(f);
        f->steps_by[ops[i].s]++;
        f->steps++;

        if (!(f->steps % 256)) {
            fuzz_check_alive(f, !(f->steps % 16384));
            if (g_get_monotonic_time() > f->deadline) {
                f->early = true;
                break;
            }
        }
        if (f->dirty ? !(f->steps % 256) : !(f->steps % 4096)) {
            fuzz_setup(f);
        }
        if (!(f->steps % 8192)) {
            g_free(qtest_hmp(f->qts, "info cxl"));
        }
        if (!(f->steps % 16384)) {
            fuzz_reset(f);
        }
    }
}

/* --- After the storm: a clean 2-way region, byte for byte --------------- */

/*
 * Window 0 interleaves hb0 and hb1 at 256 B. Below hb0, port 0 (rp0)
 * leads to mem0 (persistent); below hb1, port 0 (rp2) leads to the
 * switch, whose port 1 (ds1) leads to mem3, volatile then persistent:
 * its decoder skips the 256 MiB of volatile DPA to map the persistent
 * half. Each host bridge and the switch decode 1 way to that port.
 */
static void program_clean_region(Fuzz *f, uint64_t base, uint64_t size)
{
    CXLQTestEnum e = { 0 };
    uint64_t usp;
    unsigned i;

    enable_ecam(f->qts);
    for (i = 0; i < NUM_HB; i++) {
        cxl_qtest_enumerate(f->qts, &e, HB_BUS(i));
    }
    g_assert_cmpuint(e.n_usp, ==, 1);
    usp = e.usp[0].bar;
    program_decoder(f->qts, HDM(CHBCR(0)), 0, base, size, 0, 1, 0x00);
    program_decoder(f->qts, HDM(CHBCR(1)), 0, base, size, 0, 1, 0x00);
    program_decoder(f->qts, HDM(usp), 0, base, size, 0, 0, 0x01);
    program_decoder(f->qts, HDM(cxl_qtest_type3_bar(&e, 0)), 0, base, size,
                    1, 0, 0);
    /* An endpoint's "target list" is its DPA skip (8.2.5.12.10) */
    program_decoder(f->qts, HDM(cxl_qtest_type3_bar(&e, 3)), 0, base, size,
                    1, 0, 256 * MiB);
}

/* HPA offset -> (file, offset) for that region */
static void clean_reference(Fuzz *f, uint64_t off, int *fd, uint64_t *foff)
{
    unsigned way = (off / 256) % 2;

    *fd = way ? f->pfd[3] : f->pfd[0];
    *foff = off / 512 * 256 + off % 256;    /* the skip lands on pfile[3]'s start */
}

static void check_clean_region(Fuzz *f)
{
    uint64_t base = f->window[0], size = 512 * MiB;
    unsigned i, b;

    program_clean_region(f, base, size);
    for (i = 0; i < 2048; i++) {
        unsigned sz = rnd_size(f);
        uint64_t off = below(f, size - 8), val = rnd(f), expect = 0, foff;
        int fd;

        if (i % 2) {
            /* Write through the window, find each byte in its file */
            fz_write(f, S_CONTROL, base + off, sz, val);
            for (b = 0; b < sz; b++) {
                uint8_t byte;

                clean_reference(f, off + b, &fd, &foff);
                g_assert(pread(fd, &byte, 1, foff) == 1);
                g_assert_cmphex(byte, ==, (val >> (8 * b)) & 0xff);
            }
        } else {
            /* Seed the files, read back through the window */
            for (b = 0; b < sz; b++) {
                uint8_t byte = val >> (8 * b);

                clean_reference(f, off + b, &fd, &foff);
                g_assert(pwrite(fd, &byte, 1, foff) == 1);
                expect |= (uint64_t)byte << (8 * b);
            }
            g_assert_cmphex(fz_read(f, S_CONTROL, base + off, sz), ==, expect);
        }
    }
    /* Past the region: all ones */
    g_assert_cmphex(qtest_readq(f->qts, base + size), ==, UINT64_MAX);
}

static void test_storm(const void *opaque)
{
    Fuzz *f = g_new0(Fuzz, 1);
    gint64 t;
    unsigned s;

    f->seed = env_u64("CXL_FUZZ_SEED", FUZZ_DEFAULT_SEED);
    f->target = env_u64("CXL_FUZZ_OPS", FUZZ_DEFAULT_OPS);
    f->trace = env_u64("CXL_FUZZ_TRACE", 0);
    fuzz_seed(f, f->seed);
    printf("# cxl-fuzz: seed 0x%" PRIx64 ", %" PRIu64 " operations (%s)\n",
           f->seed, f->target, cxl_qtest_mode_args[0] ? "reference" : "fast path");
    fflush(stdout);
    fuzz_start(f);
    /* After qtest's own hook, so that ours runs first (they are prepended) */
    qtest_add_abrt_handler(fuzz_abort_hook, NULL);
    signal(SIGALRM, fuzz_alarm);
    fuzz_running = f;
    find_windows(f);
    fuzz_setup(f);
    f->chbcr_cap_header = qtest_readl(f->qts, CHBCR(0) + CXL_CACHEMEM_OFFSET);
    f->start = g_get_monotonic_time();
    f->deadline = f->start + env_u64("CXL_FUZZ_TIME", FUZZ_DEFAULT_TIME) * G_USEC_PER_SEC;
    alarm(FUZZ_HANG_SECS);
    fuzz_storm(f);
    fuzz_check_alive(f, true);
    t = g_get_monotonic_time() - f->start;

    printf("# cxl-fuzz: %s%" PRIu64 " operations in %" PRIu64 " steps, %.1f s "
           "(%.0f per second), %u firmware setups, %u resets, %u devices plugged "
           "back\n",
           f->early ? "STOPPED EARLY at the deadline: " : "", f->ops, f->steps,
           t / 1e6, f->ops / (t / 1e6), f->setups, f->resets, f->replugs);
    for (s = 0; s < S_CONTROL; s++) {
        printf("# cxl-fuzz:   %-22s %10" PRIu64 " operations %9" PRIu64 " steps\n",
               surface_name[s], f->ops_by[s], f->steps_by[s]);
    }
    fflush(stdout);

    /* A reset, then a clean region must route every byte exactly */
    fuzz_reset(f);
    check_clean_region(f);
    alarm(0);
    fuzz_running = NULL;
    fuzz_stop(f);
    g_free(f);
}

/* --- Regressions: what the storm found ---------------------------------- */

/*
 * A switch with one downstream port and a device below it, both passing
 * through, and the device's decoder mapping the window's first 256 MiB:
 * hb0 -> rp0 (bus 13) -> us0 (bus 14) -> ds0 (bus 15) -> mem0.
 */
#define R_DSP_BUS       14
#define R_DEV_BUS       15

static QTestState *regress_start(const char *file, uint64_t *window)
{
    QTestState *qts = cxl_qtest_start("-M q35,cxl=on -m 512M"
        " -device pxb-cxl,bus_nr=12,bus=pcie.0,id=hb0"
        " -device cxl-rp,port=0,bus=hb0,id=rp0,chassis=0,slot=0"
        " -device cxl-upstream,bus=rp0,id=us0"
        " -device cxl-downstream,port=0,bus=us0,id=ds0,chassis=1,slot=0"
        " -object memory-backend-file,id=p0,share=on,mem-path=%s,size=256M"
        " -device cxl-type3,bus=ds0,persistent-memdev=p0,id=mem0"
        " -M cxl-fmw.0.targets.0=hb0,cxl-fmw.0.size=4G", file);

    *window = QEMU_ALIGN_UP(CHBCR_END, 256 * MiB);
    return qts;
}

static void regress_program(QTestState *qts, uint64_t window)
{
    CXLQTestEnum e = { 0 };

    enable_ecam(qts);
    cxl_qtest_enumerate(qts, &e, 12);
    g_assert_cmpuint(e.n_type3, ==, 1);
    program_decoder(qts, HDM(e.type3[0].bar), 0, window, 256 * MiB, 0, 0, 0);
}

/* ds0's PCI Express capability */
static int regress_dsp_exp_cap(QTestState *qts)
{
    int cap = qtest_readb(qts, ecam(R_DSP_BUS, 0, PCI_CAPABILITY_LIST));

    while (qtest_readb(qts, ecam(R_DSP_BUS, 0, cap)) != PCI_CAP_ID_EXP) {
        cap = qtest_readb(qts, ecam(R_DSP_BUS, 0, cap + 1));
    }
    return cap;
}

/*
 * PCIe 5.0 7.5.3.10: power ds0's slot off, which unplugs mem0, with the
 * Slot Control bits @extra set as well
 */
static void regress_power_off_with(QTestState *qts, uint16_t extra)
{
    int cap = regress_dsp_exp_cap(qts);

    g_assert(qtest_readw(qts, ecam(R_DSP_BUS, 0, cap + PCI_EXP_SLTSTA)) &
             PCI_EXP_SLTSTA_PDS);
    qtest_writew(qts, ecam(R_DSP_BUS, 0, cap + PCI_EXP_SLTCTL),
                 PCI_EXP_SLTCTL_PWR_OFF | PCI_EXP_SLTCTL_PWR_IND_OFF | extra);
    g_assert_cmphex(qtest_readw(qts, ecam(R_DEV_BUS, 0, PCI_VENDOR_ID)), ==, 0xffff);
}

static void regress_power_off(QTestState *qts)
{
    regress_power_off_with(qts, 0);
}

/*
 * Finding 1 (seed 0x5eed0c51, step 24552: a 64-bit config write of
 * 0x...8f31 at a downstream port's Slot Control). The unplugged device
 * rebuilt the routes from its exit, while still on its bus: the fast
 * path's table kept routing to the device being freed (and to its
 * destroyed address space), reading its old data where the reference
 * path read all ones.
 */
static void test_regress_unplug_routes(const void *opaque)
{
    int fd;
    g_autofree char *file = cxl_qtest_file("regress-unplug", 0, 256 * MiB, &fd);
    uint64_t window, got;
    QTestState *qts = regress_start(file, &window);

    regress_program(qts, window);
    qtest_writeq(qts, window + 0x1000, 0x1122334455667788ull);
    g_assert_cmphex(qtest_readq(qts, window + 0x1000), ==, 0x1122334455667788ull);
    regress_power_off(qts);
    /* Nothing below the switch any more: all ones, writes dropped */
    g_assert_cmphex(qtest_readq(qts, window + 0x1000), ==, UINT64_MAX);
    qtest_writeq(qts, window + 0x2000, 0x5555555555555555ull);
    g_assert(pread(fd, &got, 8, 0x2000) == 8);
    g_assert_cmphex(got, ==, 0);
    qtest_quit(qts);
    close(fd);
    unlink(file);
}

/*
 * Finding 2 (the same step): the unplugged cxl-type3 was never finalized
 * (its BAR container held references to its own subregions), so its id
 * stayed taken and device_add of the same device failed for ever with
 * "Duplicate ID". Plugged back, it must route again.
 */
static void test_regress_unplug_replug(const void *opaque)
{
    int fd;
    g_autofree char *file = cxl_qtest_file("regress-replug", 0, 256 * MiB, &fd);
    uint64_t window, got;
    QTestState *qts = regress_start(file, &window);
    unsigned tries;
    QDict *rsp;

    regress_program(qts, window);
    regress_power_off(qts);
    /* The old device goes after an RCU grace period: give it 2 seconds */
    for (tries = 0; ; tries++) {
        rsp = qtest_qmp(qts, "{ 'execute': 'device_add', 'arguments': {"
                        " 'driver': 'cxl-type3', 'bus': 'ds0', 'id': 'mem0',"
                        " 'persistent-memdev': 'p0' } }");
        if (!qdict_haskey(rsp, "error")) {
            break;
        }
        g_assert_cmpuint(tries, <, 200);
        qobject_unref(rsp);
        g_usleep(10000);
    }
    qobject_unref(rsp);
    regress_program(qts, window);
    qtest_writeq(qts, window + 0x3000, 0x0123456789abcdefull);
    g_assert(pread(fd, &got, 8, 0x3000) == 8);
    g_assert_cmphex(got, ==, 0x0123456789abcdefull);
    qtest_quit(qts);
    close(fd);
    unlink(file);
}

/*
 * Finding 4 (the storm, which then had to avoid it): a downstream port
 * has no INTx pin, yet signalled a hot-plug event (Command Completed,
 * with Hot-Plug and Command Completed Interrupt Enable and no MSI) with
 * pci_set_irq() on pin -1. That counted an interrupt on the root bus that
 * no reset took back, and the next system reset asserted in
 * pcibus_reset() (base QEMU: xio3130-downstream did the same). QEMU must
 * live on through the reset.
 */
static void test_regress_slot_event_reset(const void *opaque)
{
    int fd;
    g_autofree char *file = cxl_qtest_file("regress-sltctl", 0, 256 * MiB, &fd);
    uint64_t window, got = 0x0123456789abcdefull;
    QTestState *qts = regress_start(file, &window);

    regress_program(qts, window);
    regress_power_off_with(qts, PCI_EXP_SLTCTL_HPIE | PCI_EXP_SLTCTL_CCIE);
    qobject_unref(qtest_qmp(qts, "{ 'execute': 'system_reset' }"));
    qtest_qmp_eventwait(qts, "RESET");
    qobject_unref(qtest_qmp(qts, "{ 'execute': 'query-status' }"));
    /* The slot's device went with the power; the reset uncommitted all */
    g_assert(pwrite(fd, &got, 8, 0x4000) == 8);
    g_assert_cmphex(qtest_readq(qts, window + 0x4000), ==, UINT64_MAX);
    qtest_quit(qts);
    close(fd);
    unlink(file);
}

/*
 * Finding 3 (reading the decoder code while writing the storm, which has
 * no oracle for it): the DPA skip, a 64-bit guest value, was added to the
 * previous decoder's DPA end and could wrap around, so that decoder 1
 * committed onto the DPA decoder 0 maps and two HPA ranges aliased.
 */
static void test_regress_dpa_skip_wrap(const void *opaque)
{
    int fd;
    g_autofree char *file = cxl_qtest_file("regress-skip", 0, 256 * MiB, &fd);
    uint64_t window = QEMU_ALIGN_UP(CHBCR_END, 256 * MiB), hdm = HDM(BAR_BASE);
    uint64_t dec1 = hdm + CXL_HDM_DECODER_STRIDE;
    QTestState *qts;
    uint32_t ctrl;

    qts = cxl_qtest_start("-M q35,cxl=on -m 512M"
        " -device pxb-cxl,bus_nr=12,bus=pcie.0,id=hb0"
        " -device cxl-rp,port=0,bus=hb0,id=rp0,chassis=0,slot=0"
        " -object memory-backend-file,id=p0,share=on,mem-path=%s,size=256M"
        " -device cxl-type3,bus=rp0,persistent-memdev=p0,id=mem0"
        " -M cxl-fmw.0.targets.0=hb0,cxl-fmw.0.size=4G", file);
    enable_ecam(qts);
    setup_bridge(qts, 12, 0, 13, 13, BAR_BASE, MiB);
    setup_type3(qts, 13, BAR_BASE);
    program_decoder(qts, hdm, 0, window, 256 * MiB, 0, 0, 0);

    /* Decoder 1: the next 256 MiB of HPA after a skip of 2^64 - 256 MiB */
    qtest_writel(qts, dec1 + A_CXL_HDM_DECODER0_BASE_LO, (uint32_t)(window + 256 * MiB));
    qtest_writel(qts, dec1 + A_CXL_HDM_DECODER0_BASE_HI, (window + 256 * MiB) >> 32);
    qtest_writel(qts, dec1 + A_CXL_HDM_DECODER0_SIZE_LO, 256 * MiB);
    qtest_writel(qts, dec1 + CXL_HDM_DECODER0_DPA_SKIP_LO, 0xf0000000);
    qtest_writel(qts, dec1 + CXL_HDM_DECODER0_DPA_SKIP_HI, 0xffffffff);
    qtest_writel(qts, dec1 + A_CXL_HDM_DECODER0_CTRL,
                 R_CXL_HDM_DECODER0_CTRL_COMMIT_MASK);
    ctrl = qtest_readl(qts, dec1 + A_CXL_HDM_DECODER0_CTRL);
    g_assert(FIELD_EX32(ctrl, CXL_HDM_DECODER0_CTRL, ERR_NOT_COMMITTED));
    g_assert(!FIELD_EX32(ctrl, CXL_HDM_DECODER0_CTRL, COMMITTED));

    /* So no alias: decoder 0's bytes are not seen through decoder 1's HPA */
    qtest_writeq(qts, window + 0x40, 0xaaaaaaaaaaaaaaaaull);
    g_assert_cmphex(qtest_readq(qts, window + 256 * MiB + 0x40), ==, UINT64_MAX);
    qtest_quit(qts);
    close(fd);
    unlink(file);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    cxl_qtest_add("fuzz/storm", test_storm, NULL);
    cxl_qtest_add("fuzz/regress/unplug-drops-routes", test_regress_unplug_routes, NULL);
    cxl_qtest_add("fuzz/regress/unplug-then-replug", test_regress_unplug_replug, NULL);
    cxl_qtest_add("fuzz/regress/dpa-skip-wrap", test_regress_dpa_skip_wrap, NULL);
    cxl_qtest_add("fuzz/regress/slot-event-reset", test_regress_slot_event_reset, NULL);
    return g_test_run();
}
