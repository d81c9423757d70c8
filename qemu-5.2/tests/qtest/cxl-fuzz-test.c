/*
 * qtest: a seeded random storm at every CXL surface, then a clean region.
 *
 * From a seed printed at start (CXL_FUZZ_SEED overrides it), the storm
 * performs CXL_FUZZ_OPS register operations (default 3 million) and at
 * least CXL_FUZZ_WINDOW_BYTES bytes of window traffic (default 8 MiB)
 * on a machine with two host bridges, four root ports, a switch and four
 * Type 3 devices (persistent, volatile, both, label storage areas) and
 * two windows:
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
 * A register operation is one access that a register block's MMIO
 * handler sees: a single qtest read or write is one, or the pieces the
 * memory core splits it into; a burst (qtest memread, memwrite, memset:
 * one round trip) over registers is as many as memory_access_size() in
 * softmmu/physmem.c splits it into. ECAM takes aligned accesses of up to
 * 4 bytes, component registers up to 8 aligned, device registers up to 8
 * at any alignment. Window traffic is memory, not registers: it is
 * counted in bytes, and in single accesses and bursts (a 16 KiB memset
 * is one burst of 16384 bytes), however the fast path carries it.
 *
 * Random config writes move BARs, bus numbers and bridge windows, hold
 * buses in reset and power slots off (which unplugs what is below); the
 * storm re-runs the firmware setup every few thousand steps (and soon
 * after a header write) so that later operations reach the devices again,
 * powers slots back on and plugs back with device_add what went, and
 * resets the machine now and then. QEMU must answer a known register
 * every few hundred steps and QMP query-status now and then; a crash,
 * assertion or hang fails the test with the seed and step to reproduce
 * (CXL_FUZZ_TRACE=1 prints every operation). A storm that reaches its
 * time limit (CXL_FUZZ_TIME seconds, default 120) before its targets
 * fails, saying how far it got: a storm that did less than it claims
 * proves less. It ends with one summary line: the seed, register
 * operations by surface, window bursts and bytes, resets, slot power
 * cycles, hotplugs and the time taken.
 *
 * Afterwards: system_reset, the firmware setup again, a clean 2-way
 * region through every level of decoder (window, host bridges, a switch,
 * endpoints, a DPA skip), and each byte written through the window must
 * be found at the backing file and offset of the CXL 2.0 interleave.
 *
 * The race (aarch64): two vCPUs store to and load
 * from both windows in loops while the host reprograms and uncommits
 * decoders for CXL_FUZZ_RACE_TIME seconds (default 4; with
 * CXL_FUZZ_RACE_RESETS=1 it also resets buses and the machine) and
 * unplugs a device half way. QEMU must live through it; then, once each
 * vCPU has looped after a final routing is committed, the devices that
 * routing leaves (one unrouted, one unplugged) must not change any more,
 * and every word must be where the routing puts it.
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
#define FUZZ_DEFAULT_OPS    3000000ull      /* register operations */
#define FUZZ_DEFAULT_WINDOW (8 * MiB)       /* bytes through the windows */
#define FUZZ_DEFAULT_TIME   120             /* seconds, per mode */
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
    uint64_t target, target_bytes;  /* register operations, window bytes */
    uint64_t ops, steps;            /* register operations, storm steps */
    uint64_t ops_by[S_COUNT], steps_by[S_COUNT];
    uint64_t win_singles, win_bursts, win_bytes;
    gint64 start, deadline;
    bool trace, dirty, early;
    unsigned resets, setups, replugs, power_cycles;
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

/*
 * Count what one qtest command did: register operations as the register
 * block's handler sees them; window traffic in bytes, as one single
 * access or one burst.
 */
static void count(Fuzz *f, Surface s, uint64_t addr, uint64_t len, bool burst)
{
    uint64_t n;

    switch (s) {
    case S_CONTROL:
        return;
    case S_WINDOW:
        f->win_bytes += len;
        if (burst) {
            f->win_bursts++;
        } else {
            f->win_singles++;
        }
        return;
    default:
        n = accesses(s, addr, len);
        f->ops += n;
        f->ops_by[s] += n;
        return;
    }
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
    count(f, s, addr, size, false);
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
    count(f, s, addr, size, false);
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
    count(f, s, addr, len, true);
}

static void fz_burst_read(Fuzz *f, Surface s, uint64_t addr, uint8_t *buf,
                          size_t len)
{
    if (f->trace) {
        fprintf(stderr, "%" PRIu64 ": memread 0x%" PRIx64 " len %zu\n",
                f->steps, addr, len);
    }
    qtest_bufread(f->qts, addr, buf, len);
    count(f, s, addr, len, true);
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
        /* Power Controller Control set: the storm powered this slot off */
        if (qtest_readw(f->qts, ctl) & PCI_EXP_SLTCTL_PCC) {
            f->power_cycles++;
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
                " register operations and %" PRIu64 " window bytes; "
                "reproduce with CXL_FUZZ_SEED=0x%" PRIx64 " CXL_FUZZ_OPS=%"
                PRIu64 " CXL_FUZZ_WINDOW_BYTES=%" PRIu64 " (add "
                "CXL_FUZZ_TRACE=1 for every operation)%s\n", f->steps,
                f->ops, f->win_bytes, f->seed, f->target, f->target_bytes,
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

static void fuzz_catch_alarm(void)
{
    struct sigaction sa = { .sa_handler = fuzz_alarm };

    sigemptyset(&sa.sa_mask);
    sigaction(SIGALRM, &sa, NULL);
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
    while (f->ops < f->target || f->win_bytes < f->target_bytes) {
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

/*
 * The storm's figures: one line for the README and the logs, then the
 * register operations and qtest commands surface by surface.
 */
static void fuzz_report(Fuzz *f, double secs)
{
    unsigned s;

    printf("# cxl-fuzz: seed 0x%" PRIx64 " (%s): %" PRIu64 " register "
           "operations (config space %" PRIu64 ", component registers %"
           PRIu64 ", device registers %" PRIu64 "); windows %" PRIu64
           " bursts + %" PRIu64 " single accesses, %" PRIu64 " bytes; %u "
           "resets, %u slot power cycles, %u hotplugs; %.1f s\n",
           f->seed, cxl_qtest_mode_args[0] ? "reference" : "fast path",
           f->ops, f->ops_by[S_CONFIG],
           f->ops_by[S_COMPONENT] + f->ops_by[S_HDM],
           f->ops_by[S_DEVICE] + f->ops_by[S_MAILBOX], f->win_bursts,
           f->win_singles, f->win_bytes, f->resets, f->power_cycles,
           f->replugs, secs);
    printf("# cxl-fuzz:   %" PRIu64 " steps, %.0f register operations and "
           "%.1f MiB of window traffic per second, %u firmware setups\n",
           f->steps, f->ops / secs, f->win_bytes / secs / MiB, f->setups);
    for (s = 0; s < S_CONTROL; s++) {
        printf("# cxl-fuzz:   %-22s %10" PRIu64 " %s %9" PRIu64 " steps\n",
               surface_name[s], s == S_WINDOW ? f->win_bytes : f->ops_by[s],
               s == S_WINDOW ? "bytes     " : "operations", f->steps_by[s]);
    }
    fflush(stdout);
}

static void test_storm(const void *opaque)
{
    Fuzz *f = g_new0(Fuzz, 1);
    double secs;

    f->seed = env_u64("CXL_FUZZ_SEED", FUZZ_DEFAULT_SEED);
    f->target = env_u64("CXL_FUZZ_OPS", FUZZ_DEFAULT_OPS);
    f->target_bytes = env_u64("CXL_FUZZ_WINDOW_BYTES", FUZZ_DEFAULT_WINDOW);
    f->trace = env_u64("CXL_FUZZ_TRACE", 0);
    fuzz_seed(f, f->seed);
    printf("# cxl-fuzz: seed 0x%" PRIx64 ", %" PRIu64 " register operations "
           "and %" PRIu64 " window bytes at least, in %" PRIu64 " s at most "
           "(%s)\n", f->seed, f->target, f->target_bytes,
           env_u64("CXL_FUZZ_TIME", FUZZ_DEFAULT_TIME),
           cxl_qtest_mode_args[0] ? "reference" : "fast path");
    fflush(stdout);
    fuzz_start(f);
    /* After qtest's own hook, so that ours runs first (they are prepended) */
    qtest_add_abrt_handler(fuzz_abort_hook, NULL);
    fuzz_catch_alarm();
    fuzz_running = f;
    find_windows(f);
    fuzz_setup(f);
    f->chbcr_cap_header = qtest_readl(f->qts, CHBCR(0) + CXL_CACHEMEM_OFFSET);
    f->start = g_get_monotonic_time();
    f->deadline = f->start + env_u64("CXL_FUZZ_TIME", FUZZ_DEFAULT_TIME) *
                  G_USEC_PER_SEC;
    alarm(FUZZ_HANG_SECS);
    fuzz_storm(f);
    fuzz_check_alive(f, true);
    secs = (g_get_monotonic_time() - f->start) / 1e6;
    fuzz_report(f, secs);

    /* A reset, then a clean region must route every byte exactly */
    fuzz_reset(f);
    check_clean_region(f);
    alarm(0);
    fuzz_running = NULL;
    fuzz_stop(f);

    /*
     * The storm must do what it claims: one that ran out of time proves
     * less than its targets say, so it fails (after the clean region,
     * which still tells whether QEMU routes right).
     */
    if (f->early) {
        g_autofree char *msg = g_strdup_printf(
            "cxl-fuzz: FAILED: time limit of %" PRIu64 " s reached after %"
            PRIu64 " of %" PRIu64 " register operations (%.0f%%) and %"
            PRIu64 " of %" PRIu64 " window bytes (%.0f%%), %.1f s; seed 0x%"
            PRIx64 " (raise CXL_FUZZ_TIME, or lower CXL_FUZZ_OPS and "
            "CXL_FUZZ_WINDOW_BYTES)",
            env_u64("CXL_FUZZ_TIME", FUZZ_DEFAULT_TIME), f->ops, f->target,
            100.0 * f->ops / MAX(f->target, 1), f->win_bytes,
            f->target_bytes, 100.0 * f->win_bytes / MAX(f->target_bytes, 1),
            secs, f->seed);

        fprintf(stderr, "%s\n", msg);
        g_test_message("%s", msg);
        g_test_fail();
    }
    g_free(f);
}

/* --- Two vCPUs in the windows while the host reprograms them ----------- */

/*
 * Guest code (aarch64, MMU off: the windows at their HPA) run by two
 * vCPUs under TCG, which runs them on two threads at once. vCPU 0 starts
 * at the loader's address, waits until the host says go, and powers
 * vCPU 1 on with PSCI CPU_ON (virt's QEMU PSCI over HVC: secondary CPUs
 * start powered off), which enters the same code. Each vCPU then loops
 * for ever over its two ranges (one per window, from the data area),
 * storing to each 8-byte word its own address tagged with the loop
 * number in the top 16 bits, loading it back and counting a load that
 * differs; and counts its loops. A system reset starts vCPU 0 again at
 * the loader's address, and it powers vCPU 1 on again.
 */
#define RACE_CODE       0x48000000ull   /* in virt's RAM, clear of the DTB */
#define RACE_DATA       (RACE_CODE + 0x10000)
#define RACE_GO         RACE_DATA                       /* nonzero: start */
/* vCPU k's block: the range in each window, its loops and mismatches */
#define RACE_VCPU(k)    (RACE_DATA + 0x40 + 0x40 * (k))
#define RACE_RANGE(k, w) (RACE_VCPU(k) + 0x10 * (w))    /* start, end */
#define RACE_LOOPS(k)   (RACE_VCPU(k) + 0x20)
#define RACE_MISMATCH(k) (RACE_VCPU(k) + 0x28)
#define RACE_TAG(v)     ((v) >> 48)
#define RACE_ADDR(v)    ((v) & MAKE_64BIT_MASK(0, 48))

static const uint32_t race_code[] = {
    0xd53800a9,     /* entry: mrs x9, mpidr_el1 */
    0x92401d29,     /*     and x9, x9, #0xff        (k: the vCPU) */
    0x58000453,     /*     ldr x19, data */
    0xf9400261,     /* 1:  ldr x1, [x19]            (go) */
    0xb4ffffe1,     /*     cbz x1, 1b */
    0xb50000e9,     /*     cbnz x9, main */
    0xd2800060,     /*     mov x0, #3 */
    0xf2b88000,     /*     movk x0, #0xc400, lsl #16 (PSCI CPU_ON, 64) */
    0xd2800021,     /*     mov x1, #1               (vCPU 1's MPIDR) */
    0x10fffee2,     /*     adr x2, entry */
    0xd2800003,     /*     mov x3, #0 */
    0xd4000002,     /*     hvc #0 */
    0x8b091a77,     /* main: add x23, x19, x9, lsl #6 */
    0xf94032f6,     /* outer: ldr x22, [x23, #0x60] (loops) */
    0xd3503ed6,     /*     lsl x22, x22, #48        (this loop's tag) */
    0xa9446af9,     /*     ldp x25, x26, [x23, #0x40] (window 0 range) */
    0x94000007,     /*     bl pass */
    0xa9456af9,     /*     ldp x25, x26, [x23, #0x50] (window 1 range) */
    0x94000005,     /*     bl pass */
    0xf94032e1,     /*     ldr x1, [x23, #0x60] */
    0x91000421,     /*     add x1, x1, #1 */
    0xf90032e1,     /*     str x1, [x23, #0x60]     (loops) */
    0x17fffff7,     /*     b outer */
    0xaa160321,     /* pass: orr x1, x25, x22       (address | tag) */
    0xf9000321,     /*     str x1, [x25] */
    0xf9400322,     /*     ldr x2, [x25] */
    0xeb02003f,     /*     cmp x1, x2 */
    0x54000080,     /*     b.eq 3f */
    0xf94036e3,     /*     ldr x3, [x23, #0x68] */
    0x91000463,     /*     add x3, x3, #1 */
    0xf90036e3,     /*     str x3, [x23, #0x68]     (mismatches) */
    0x91002339,     /* 3:  add x25, x25, #8 */
    0xeb1a033f,     /*     cmp x25, x26 */
    0x54fffec3,     /*     b.lo pass */
    0xd65f03c0,     /*     ret */
    0xd503201f,     /*     nop */
    (uint32_t)RACE_DATA, RACE_DATA >> 32,       /* data: */
};

/*
 * Two host bridges with two root ports each and a 512 MiB device on each
 * port (mem0, mem1 on hb0; mem2, mem3 on hb1), window 0 over both host
 * bridges at 256 B, window 1 over both at 4 KiB. Decoder 0 of every
 * component serves window 0 and decoder 1 window 1.
 */
#define RACE_DEVS       4
#define RACE_DEV_MIB    512
#define RACE_GONE       3           /* the device the test unplugs */
#define RACE_OLD        1           /* the device the final routing leaves */
#define RACE_HANG_SECS  30          /* a vCPU this long without a loop: hung */

typedef struct Race {
    Fuzz f;                         /* the qtest state, randomness, windows */
    char *file[RACE_DEVS];
    int fd[RACE_DEVS];
    bool present[RACE_DEVS];
    CXLQTestEnum e;
    bool resets_on;                 /* bus and system resets too */
    unsigned steps, resets, bus_resets, commits, uncommits;
} Race;

/* The race running now, for the abort handler */
static Race *race_running;

static void race_abort_hook(void *opaque)
{
    Race *r = race_running;
    unsigned d;

    if (r) {
        race_running = NULL;
        fprintf(stderr, "cxl-fuzz: race FAILED after %u host steps; seed 0x%"
                PRIx64 " (CXL_FUZZ_SEED)\n", r->steps, r->f.seed);
        for (d = 0; d < RACE_DEVS; d++) {
            unlink(r->file[d]);
        }
    }
}

static void race_start(Race *r)
{
    g_autofree char *image = g_strdup_printf("%s/qemu-cxl-race-%d",
                                             g_get_tmp_dir(), getpid());
    GString *cmd = g_string_new("-M q35,cxl=on -m 512M -smp 2 -accel tcg");
    unsigned d, h;

    g_assert(g_file_set_contents(image, (const char *)race_code,
                                 sizeof(race_code), NULL));
    g_string_append_printf(cmd, " -device loader,file=%s,addr=0x%llx,"
                           "cpu-num=0", image, RACE_CODE);
    for (h = 0; h < NUM_HB; h++) {
        g_string_append_printf(cmd, " -device pxb-cxl,bus_nr=%d,bus=pcie.0,"
                               "id=hb%u", HB_BUS(h), h);
    }
    for (d = 0; d < RACE_DEVS; d++) {
        r->file[d] = cxl_qtest_file("race", d, RACE_DEV_MIB * MiB, &r->fd[d]);
        g_string_append_printf(cmd,
            " -device cxl-rp,port=%u,bus=hb%u,id=rp%u,chassis=%u,slot=%u"
            " -object memory-backend-file,id=p%u,share=on,mem-path=%s,"
            "size=%uM -device cxl-type3,bus=rp%u,persistent-memdev=p%u,"
            "id=mem%u,sn=%u", d % 2, d / 2, d, d / 2, d % 2, d, r->file[d],
            RACE_DEV_MIB, d, d, d, d);
        r->present[d] = true;
    }
    g_string_append(cmd, " -M cxl-fmw.0.targets.0=hb0,cxl-fmw.0.targets.1=hb1,"
                    "cxl-fmw.0.size=8G,cxl-fmw.0.interleave-granularity=256"
                    " -M cxl-fmw.1.targets.0=hb0,cxl-fmw.1.targets.1=hb1,"
                    "cxl-fmw.1.size=8G,cxl-fmw.1.interleave-granularity=4096");
    r->f.qts = cxl_qtest_start("%s", cmd->str);
    g_string_free(cmd, true);
    unlink(image);
    find_windows(&r->f);
}

static void race_stop(Race *r)
{
    unsigned d;

    qtest_quit(r->f.qts);
    for (d = 0; d < RACE_DEVS; d++) {
        close(r->fd[d]);
        unlink(r->file[d]);
        g_free(r->file[d]);
    }
}

/* Firmware's work again: bus numbers, bridge windows, BARs */
static void race_enumerate(Race *r)
{
    unsigned h, d, n = 0;

    memset(&r->e, 0, sizeof(r->e));
    for (h = 0; h < NUM_HB; h++) {
        cxl_qtest_enumerate(r->f.qts, &r->e, HB_BUS(h));
    }
    for (d = 0; d < RACE_DEVS; d++) {
        n += r->present[d];
    }
    g_assert_cmpuint(r->e.n_type3, ==, n);
}

static uint64_t race_dev_hdm(Race *r, unsigned d)
{
    return HDM(cxl_qtest_type3_bar(&r->e, d));
}

/* Uncommit decoder @n of the block at @hdm (and so those above it) */
static void race_uncommit(Race *r, uint64_t hdm, unsigned n)
{
    qtest_writel(r->f.qts, hdm + n * CXL_HDM_DECODER_STRIDE +
                 A_CXL_HDM_DECODER0_CTRL, 0);
    r->uncommits++;
}

/* Clear every decoder of the block at @hdm, top down */
static void race_clear(Race *r, uint64_t hdm)
{
    int n;

    for (n = 3; n >= 0; n--) {
        race_uncommit(r, hdm, n);
    }
}

/*
 * Program decoder @n of the block at @hdm and commit it, as the storm
 * does (it may not commit): the test's own checks come afterwards.
 */
static void race_program(Race *r, uint64_t hdm, unsigned n, uint64_t base,
                         uint64_t size, unsigned eiw, unsigned eig,
                         uint64_t targets)
{
    qtest_writel(r->f.qts, hdm + n * CXL_HDM_DECODER_STRIDE +
                 A_CXL_HDM_DECODER0_CTRL, 0);
    cxl_qtest_write_decoder(r->f.qts, hdm, n, base, size, eiw, eig, targets);
    r->commits++;
}

/*
 * A random region in window @w (decoder @w everywhere): each host bridge
 * 1 way to either port or 2 ways in either order, each present device 2
 * or 4 ways at a random granularity. Some of it will not commit (a 2-way
 * endpoint maps all 512 MiB in decoder 0, leaving none for decoder 1).
 */
static void race_region(Race *r, unsigned w)
{
    Fuzz *f = &r->f;
    uint64_t base = f->window[w], size = GiB;
    unsigned h, d;

    for (h = 0; h < NUM_HB; h++) {
        bool two = chance(f, 50), swap = chance(f, 50);

        race_program(r, HDM(CHBCR(h)), w, base, size, two, below(f, 5),
                     two ? (swap ? 0x0001 : 0x0100) : swap);
    }
    for (d = 0; d < RACE_DEVS; d++) {
        if (r->present[d]) {
            race_program(r, race_dev_hdm(r, d), w, base, size,
                         1 + below(f, 2), below(f, 5), 0);
        }
    }
}

/* The vCPUs' loop counts */
static void race_loops(Race *r, uint64_t *loops)
{
    unsigned k;

    for (k = 0; k < 2; k++) {
        loops[k] = qtest_readq(r->f.qts, RACE_LOOPS(k));
    }
}

/*
 * Wait until each vCPU has started and finished a whole loop after this
 * call: its count grows by two. Any store it makes from then on was
 * decided after everything the host did before the call.
 */
static void race_wait_loop(Race *r, const char *why)
{
    gint64 deadline = g_get_monotonic_time() + RACE_HANG_SECS * G_USEC_PER_SEC;
    uint64_t start[2], now[2];

    race_loops(r, start);
    for (;;) {
        race_loops(r, now);
        if (now[0] >= start[0] + 2 && now[1] >= start[1] + 2) {
            alarm(FUZZ_HANG_SECS);
            return;
        }
        if (g_get_monotonic_time() > deadline) {
            fprintf(stderr, "cxl-fuzz: race: %s: vCPU loops %" PRIu64 " -> %"
                    PRIu64 " and %" PRIu64 " -> %" PRIu64 " in %d s: a vCPU "
                    "is stuck\n", why, start[0], now[0], start[1], now[1],
                    RACE_HANG_SECS);
            g_assert_not_reached();
        }
        g_usleep(1000);
    }
}

static void race_system_reset(Race *r)
{
    qtest_qmp_assert_success(r->f.qts, "{ 'execute': 'system_reset' }");
    qtest_qmp_eventwait(r->f.qts, "RESET");
    race_enumerate(r);
    r->resets++;
}

/*
 * Secondary Bus Reset of root port @d's bus (PCI-to-PCI Bridge 1.2
 * 3.2.5.17): the device below resets, its decoders with it.
 */
static void race_bus_reset(Race *r, unsigned d)
{
    uint64_t bctl = ecam(HB_BUS(d / 2), (d % 2) << 3, PCI_BRIDGE_CONTROL);

    qtest_writew(r->f.qts, bctl, PCI_BRIDGE_CTL_BUS_RESET);
    qtest_writew(r->f.qts, bctl, 0);
    race_enumerate(r);
    r->bus_resets++;
}

/* One step of the host's side */
static void race_step(Race *r)
{
    Fuzz *f = &r->f;
    unsigned d = below(f, RACE_DEVS), what = below(f, 16);

    if (f->trace) {
        static const char *const names[] = {
            "uncommit a host bridge decoder", "uncommit a device decoder",
            "bus reset", "system reset (1 in 10)",
        };

        fprintf(stderr, "race step %u: %s (mem%u)\n", r->steps,
                what < ARRAY_SIZE(names) ? names[what] : "program a region",
                d);
    }
    switch (what) {
    case 0:             /* uncommit a host bridge's decoder */
        race_uncommit(r, HDM(CHBCR(below(f, NUM_HB))), below(f, 2));
        break;
    case 1:             /* uncommit a device's decoder */
        if (r->present[d]) {
            race_uncommit(r, race_dev_hdm(r, d), below(f, 2));
        }
        break;
    case 2:             /* reset a device with its bus */
        if (r->present[d] && r->resets_on) {
            race_bus_reset(r, d);
        }
        break;
    case 3:             /* now and then, the whole machine */
        if (chance(f, 10) && r->resets_on) {
            race_system_reset(r);
        }
        break;
    default:            /* reprogram a whole region */
        race_region(r, below(f, NUM_WINDOWS));
        break;
    }
    r->steps++;
}

/* Reprogram, uncommit and reset for @secs seconds; QEMU must answer */
static void race_storm(Race *r, double secs)
{
    gint64 end = g_get_monotonic_time() + secs * G_USEC_PER_SEC;

    while (g_get_monotonic_time() < end) {
        race_step(r);
        if (!(r->steps % 64)) {
            QDict *rsp = qtest_qmp(r->f.qts, "{ 'execute': 'query-status' }");

            g_assert_cmpstr(qdict_get_str(qdict_get_qdict(rsp, "return"),
                                          "status"), ==, "running");
            qobject_unref(rsp);
            alarm(FUZZ_HANG_SECS);
        }
    }
    race_wait_loop(r, "after the storm");
}

/*
 * Hot-unplug: device_del asks (PCIe 5.0 6.7.1: the Attention Button),
 * and powering the slot off (7.5.3.10, Power Indicator off), as an OS
 * does, unplugs; QEMU says DEVICE_DELETED once the device is gone.
 */
static void race_unplug(Race *r, unsigned d)
{
    uint64_t rp = ecam(HB_BUS(d / 2), (d % 2) << 3, 0);
    int cap = qtest_readb(r->f.qts, rp + PCI_CAPABILITY_LIST);
    g_autofree char *id = g_strdup_printf("mem%u", d);
    QDict *rsp;
    unsigned i;

    while (qtest_readb(r->f.qts, rp + cap) != PCI_CAP_ID_EXP) {
        cap = qtest_readb(r->f.qts, rp + cap + 1);
    }
    rsp = qtest_qmp(r->f.qts, "{ 'execute': 'device_del', 'arguments': {"
                    " 'id': %s } }", id);
    g_assert(qdict_haskey(rsp, "return"));
    qobject_unref(rsp);
    qtest_writew(r->f.qts, rp + cap + PCI_EXP_SLTCTL,
                 PCI_EXP_SLTCTL_PWR_OFF | PCI_EXP_SLTCTL_PWR_IND_OFF |
                 PCI_EXP_SLTCTL_ATTN_IND_OFF);
    /*
     * QEMU says DEVICE_DELETED when the device is finalized, after an RCU
     * grace period. The vCPUs run loops that take no interrupt, so they
     * never leave cpu_exec()'s RCU read section by themselves: change the
     * memory map (the root port's own BAR off and on) until the event
     * comes, each change sending them out of cpu_exec() once.
     */
    for (i = 0; !(rsp = qtest_qmp_event_ref(r->f.qts, "DEVICE_DELETED")); i++) {
        uint16_t cmd = qtest_readw(r->f.qts, rp + PCI_COMMAND);

        g_assert_cmpuint(i, <, 10000);
        qtest_writew(r->f.qts, rp + PCI_COMMAND, cmd & ~PCI_COMMAND_MEMORY);
        qtest_writew(r->f.qts, rp + PCI_COMMAND, cmd);
        qobject_unref(qtest_qmp(r->f.qts, "{ 'execute': 'query-status' }"));
        g_usleep(1000);
    }
    qobject_unref(rsp);
    r->present[d] = false;
    race_enumerate(r);
}

/* A hash of a whole backing file, read as the test runs */
static uint64_t race_hash(Race *r, unsigned d)
{
    static uint64_t buf[MiB / 8];
    uint64_t h = 0xcbf29ce484222325ull, off;
    size_t i;

    for (off = 0; off < RACE_DEV_MIB * MiB; off += sizeof(buf)) {
        g_assert(pread(r->fd[d], buf, sizeof(buf), off) == sizeof(buf));
        for (i = 0; i < ARRAY_SIZE(buf); i++) {
            h = (h ^ buf[i]) * 0x100000001b3ull;
        }
    }
    return h;
}

/*
 * The routing the handshake ends with, in both windows: hb0 to port
 * @hb0_port (rp0: mem0, or rp1: mem1), hb1 to port 0 (rp2: mem2), each
 * device 2 ways at the window's granularity; decoder 0 maps window 0 on
 * DPA 0-256 MiB, decoder 1 window 1 on DPA 256-512 MiB.
 */
#define RACE_REGION     (512 * MiB)

static void race_route_hb0(Race *r, unsigned hb0_port)
{
    unsigned w;

    race_clear(r, HDM(CHBCR(0)));
    for (w = 0; w < NUM_WINDOWS; w++) {
        program_decoder(r->f.qts, HDM(CHBCR(0)), w, r->f.window[w],
                        RACE_REGION, 0, 0, hb0_port);
    }
}

static void race_clean_routing(Race *r)
{
    static const unsigned devs_routed[] = { 0, RACE_OLD, 2 };
    unsigned w, i;

    race_clear(r, HDM(CHBCR(1)));
    for (i = 0; i < ARRAY_SIZE(devs_routed); i++) {
        race_clear(r, race_dev_hdm(r, devs_routed[i]));
    }
    for (w = 0; w < NUM_WINDOWS; w++) {
        program_decoder(r->f.qts, HDM(CHBCR(1)), w, r->f.window[w],
                        RACE_REGION, 0, 0, 0);
        for (i = 0; i < ARRAY_SIZE(devs_routed); i++) {
            program_decoder(r->f.qts, race_dev_hdm(r, devs_routed[i]), w,
                            r->f.window[w], RACE_REGION, 1, w ? 4 : 0, 0);
        }
    }
}

/*
 * Where the final routing puts the word at @off of window @w: stripes
 * alternate between hb0 (mem0) and hb1 (mem2), each device taking every
 * other stripe of its decoder's DPA.
 */
static void race_expect(unsigned w, uint64_t off, unsigned *dev, uint64_t *dpa)
{
    uint64_t gran = w ? 4096 : 256;

    *dev = (off / gran) % 2 ? 2 : 0;
    *dpa = w * (RACE_REGION / 2) + off / (2 * gran) * gran + off % gran;
}

/*
 * Every word of the vCPUs' ranges is where the final routing puts it,
 * written by a loop that started after the routing was committed: the
 * low bits its address, the tag a loop number from @first on.
 */
static void race_check_exact(Race *r, const uint64_t *first)
{
    static uint64_t got[2][NUM_WINDOWS][4096];
    uint64_t now[2], range[2][NUM_WINDOWS][2], a, dpa;
    unsigned k, w, dev, i;

    for (k = 0; k < 2; k++) {
        for (w = 0; w < NUM_WINDOWS; w++) {
            range[k][w][0] = qtest_readq(r->f.qts, RACE_RANGE(k, w));
            range[k][w][1] = qtest_readq(r->f.qts, RACE_RANGE(k, w) + 8);
            g_assert_cmpuint(range[k][w][1] - range[k][w][0], <=,
                             sizeof(got[k][w]));
            for (a = range[k][w][0], i = 0; a < range[k][w][1]; a += 8, i++) {
                race_expect(w, a - r->f.window[w], &dev, &dpa);
                g_assert(pread(r->fd[dev], &got[k][w][i], 8, dpa) == 8);
            }
        }
    }
    race_loops(r, now);         /* no word read holds a later loop */
    for (k = 0; k < 2; k++) {
        for (w = 0; w < NUM_WINDOWS; w++) {
            for (a = range[k][w][0], i = 0; a < range[k][w][1]; a += 8, i++) {
                uint64_t v = got[k][w][i];

                if (RACE_ADDR(v) == a &&
                    ((RACE_TAG(v) - first[k]) & 0xffff) <= now[k] - first[k]) {
                    continue;
                }
                race_expect(w, a - r->f.window[w], &dev, &dpa);
                fprintf(stderr, "cxl-fuzz: race: window %u HPA 0x%" PRIx64
                        " (vCPU %u): mem%u DPA 0x%" PRIx64 " holds 0x%016"
                        PRIx64 ", not the address tagged with a loop from %"
                        PRIu64 " to %" PRIu64 "\n", w, a, k, dev, dpa, v,
                        first[k], now[k]);
                g_assert_not_reached();
            }
        }
    }
}

static void test_race(const void *opaque)
{
    Race *r;
    double secs = env_u64("CXL_FUZZ_RACE_TIME", 4);
    uint64_t before[2], after[2], loops[2], mismatch[2];
    uint64_t gone0, old0, old1, old2;
    gint64 start = g_get_monotonic_time();
    unsigned k;

    /*
     * This used to kill QEMU with SIGSEGV in io_readx() within seconds,
     * on both paths: tcg_commit() replaced a vCPU's memory dispatch under
     * TLB entries that named sections of the old one (base patch 0039).
     */
    r = g_new0(Race, 1);
    r->f.seed = env_u64("CXL_FUZZ_SEED", FUZZ_DEFAULT_SEED);
    r->f.trace = env_u64("CXL_FUZZ_TRACE", 0);
    r->resets_on = env_u64("CXL_FUZZ_RACE_RESETS", 0);
    fuzz_seed(&r->f, r->f.seed);
    race_start(r);
    qtest_add_abrt_handler(race_abort_hook, NULL);
    fuzz_catch_alarm();
    race_running = r;
    alarm(FUZZ_HANG_SECS);
    race_enumerate(r);

    /*
     * vCPU 0 runs over 64 stripes of window 0 and 8 of window 1; vCPU 1
     * over 8 other stripes of window 1, but in window 0 over a single
     * 256-byte stripe: its accesses there only ever need a new route
     * when the routes change, so a stale per-thread route would show.
     */
    qtest_writeq(r->f.qts, RACE_RANGE(0, 0), r->f.window[0]);
    qtest_writeq(r->f.qts, RACE_RANGE(0, 0) + 8, r->f.window[0] + 16 * KiB);
    qtest_writeq(r->f.qts, RACE_RANGE(0, 1), r->f.window[1]);
    qtest_writeq(r->f.qts, RACE_RANGE(0, 1) + 8, r->f.window[1] + 32 * KiB);
    qtest_writeq(r->f.qts, RACE_RANGE(1, 0), r->f.window[0] + 32 * KiB);
    qtest_writeq(r->f.qts, RACE_RANGE(1, 0) + 8,
                 r->f.window[0] + 32 * KiB + 256);
    qtest_writeq(r->f.qts, RACE_RANGE(1, 1), r->f.window[1] + 32 * KiB);
    qtest_writeq(r->f.qts, RACE_RANGE(1, 1) + 8, r->f.window[1] + 64 * KiB);
    qtest_writeq(r->f.qts, RACE_GO, 1);
    race_wait_loop(r, "starting");

    /* The storm, with every device; then without the one unplugged */
    race_storm(r, secs / 2);
    race_unplug(r, RACE_GONE);
    race_storm(r, secs / 2);

    /*
     * The handshake. First a routing through mem1, which the vCPUs must
     * reach (its file changes over a loop), so that what they cached
     * (routes, stretches, TLB entries of page-mapped stripes) is mem1's.
     */
    race_clean_routing(r);
    race_route_hb0(r, RACE_OLD);
    race_wait_loop(r, "routed through mem1");
    old0 = race_hash(r, RACE_OLD);
    race_wait_loop(r, "routed through mem1");
    g_assert_cmphex(race_hash(r, RACE_OLD), !=, old0);

    /*
     * Then hb0 reprogrammed to mem0: once each vCPU has looped after the
     * commit, mem1 and the unplugged mem3 must never change again (with
     * the vCPUs still storing), every load must see its store, and every
     * word must be where the new routing puts it.
     */
    race_route_hb0(r, 0);
    race_loops(r, before);
    race_wait_loop(r, "routed through mem0");
    for (k = 0; k < 2; k++) {
        mismatch[k] = qtest_readq(r->f.qts, RACE_MISMATCH(k));
    }
    old1 = race_hash(r, RACE_OLD);
    gone0 = race_hash(r, RACE_GONE);
    race_wait_loop(r, "routed through mem0");
    old2 = race_hash(r, RACE_OLD);
    if (old2 != old1 || race_hash(r, RACE_GONE) != gone0) {
        fprintf(stderr, "cxl-fuzz: race: the %s's backing file still "
                "changes after the routing left it and every vCPU looped "
                "twice: a vCPU still reaches it through an old route\n",
                old2 != old1 ? "unrouted mem1" : "unplugged mem3");
        g_assert_not_reached();
    }
    race_loops(r, after);
    for (k = 0; k < 2; k++) {
        g_assert_cmpuint(qtest_readq(r->f.qts, RACE_MISMATCH(k)), ==,
                         mismatch[k]);
        loops[k] = before[k] + 1;
        g_assert_cmpuint(after[k], >=, loops[k] + 2);
    }
    race_check_exact(r, loops);

    qobject_unref(qtest_qmp(r->f.qts, "{ 'execute': 'query-status' }"));
    race_loops(r, after);
    printf("# cxl-fuzz: race (%s): seed 0x%" PRIx64 ", %u host steps "
           "(%u commits, %u uncommits, %u bus resets, %u system resets, 1 "
           "hot-unplug), vCPU loops %" PRIu64 " and %" PRIu64 ", %.1f s\n",
           cxl_qtest_mode_args[0] ? "reference" : "fast path", r->f.seed,
           r->steps, r->commits, r->uncommits, r->bus_resets, r->resets,
           after[0], after[1], (g_get_monotonic_time() - start) / 1e6);
    fflush(stdout);
    alarm(0);
    race_running = NULL;
    race_stop(r);
    g_free(r);
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
    if (!strcmp(qtest_get_arch(), "aarch64")) {
        /* The guest code is aarch64's */
        cxl_qtest_add("fuzz/race", test_race, NULL);
    }
    return g_test_run();
}
