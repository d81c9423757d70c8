/*
 * What the CXL qtests share: firmware's work that qtest has nobody to do
 * (q35's ECAM, bus numbers, bridge windows and BARs, found by a small
 * depth-first enumerator), programming an HDM decoder through MMIO as a
 * CXL driver does, and a shadow of what every backing file must hold.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef TESTS_QTEST_CXL_QTEST_H
#define TESTS_QTEST_CXL_QTEST_H

#include "qemu/units.h"
#include "qemu/bswap.h"
#include "qemu/cutils.h"
#include "hw/pci/pci_regs.h"
#include "hw/cxl/cxl-regs.h"

/*
 * The tests are written for q35. Under qemu-system-aarch64 the same tests
 * run on virt: cxl_qtest_start() turns "-M q35" into "-M virt" (with a
 * 64-bit CPU), and only these addresses differ.
 */
typedef struct CXLQTestMachine {
    const char *name;
    uint64_t ecam;              /* ECAM, 256 buses */
    uint64_t bar;               /* where the enumerator puts BARs (32-bit) */
    uint64_t chbcr;             /* host bridge registers, then the windows */
    bool pciexbar;              /* ECAM placed through q35's PCIEXBAR */
} CXLQTestMachine;

static inline const CXLQTestMachine *cxl_qtest_machine(void)
{
    /*
     * q35 with -m 512M and no hotplug memory: host bridge registers at
     * 4 GiB. virt: ECAM at 256 GiB + 256 MiB, BARs in the 32-bit PCIe
     * MMIO window, host bridge registers after the high MMIO window, at
     * 1 TiB.
     */
    static const CXLQTestMachine q35 = {
        "q35", 0xb0000000ull, 0xe0000000ull, 0x100000000ull, true,
    };
    static const CXLQTestMachine virt = {
        "virt", 0x4010000000ull, 0x10000000ull, 0x10000000000ull, false,
    };
    static const CXLQTestMachine *m;

    if (!m) {
        m = strcmp(qtest_get_arch(), "aarch64") ? &q35 : &virt;
    }
    return m;
}

#define ECAM_BASE       (cxl_qtest_machine()->ecam)
#define BAR_BASE        (cxl_qtest_machine()->bar)
/* HDM decoder capability in a component register block (our layout) */
#define HDM(base)       ((base) + CXL_CACHEMEM_OFFSET + 0x200)
/*
 * Host bridge registers: 64 KiB each, in realize order, room for 32 of
 * them; then the windows, each aligned to 256 MiB x ways.
 */
#define CHBCR(i)        (cxl_qtest_machine()->chbcr + (i) * 0x10000)
#define CHBCR_END       (cxl_qtest_machine()->chbcr + 32 * 0x10000)

static inline uint64_t ecam(int bus, int devfn, int off)
{
    return ECAM_BASE | bus << 20 | devfn << 12 | off;
}

/* q35's PCIEXBAR: ECAM at ECAM_BASE, 256 buses (virt's ECAM is fixed) */
static inline void enable_ecam(QTestState *qts)
{
    if (cxl_qtest_machine()->pciexbar) {
        qtest_outl(qts, 0xcf8, 0x80000060);
        qtest_outl(qts, 0xcfc, ECAM_BASE | 1);
    }
}

/* A bridge at @bus/@devfn: its bus numbers and a memory window */
static inline void setup_bridge(QTestState *qts, int bus, int devfn, int secondary,
                                int subordinate, uint64_t mem, uint64_t mem_size)
{
    qtest_writeb(qts, ecam(bus, devfn, PCI_PRIMARY_BUS), bus);
    qtest_writeb(qts, ecam(bus, devfn, PCI_SECONDARY_BUS), secondary);
    qtest_writeb(qts, ecam(bus, devfn, PCI_SUBORDINATE_BUS), subordinate);
    qtest_writew(qts, ecam(bus, devfn, PCI_MEMORY_BASE), mem >> 16);
    qtest_writew(qts, ecam(bus, devfn, PCI_MEMORY_LIMIT), (mem + mem_size - 1) >> 16);
    qtest_writew(qts, ecam(bus, devfn, PCI_COMMAND), PCI_COMMAND_MEMORY);
}

/* The PCIe DVSEC for CXL Device (CXL 2.0 8.1.3) of @bus/@devfn, or 0 */
static inline int cxl_qtest_device_dvsec(QTestState *qts, int bus, int devfn)
{
    int off = PCI_CFG_SPACE_SIZE;

    while (off) {
        uint32_t hdr = qtest_readl(qts, ecam(bus, devfn, off));

        if (PCI_EXT_CAP_ID(hdr) == PCIE_EXT_CAP_ID_DVSEC &&
            qtest_readw(qts, ecam(bus, devfn, off + DVSEC_HEADER2)) ==
            CXL_DVSEC_PCIE_DEVICE) {
            return off;
        }
        off = PCI_EXT_CAP_NEXT(hdr);
    }
    return 0;
}

/*
 * Turn CXL.mem on in a Type 3 device at @bus/@devfn whose component
 * registers are at @bar, as Linux does before it builds regions: DVSEC
 * CXL Control's Mem_Enable (CXL 2.0 8.1.3.2) and HDM Decoder Enable
 * (8.2.5.12.2), both reset 0
 */
static inline void cxl_qtest_mem_enable(QTestState *qts, int bus, int devfn,
                                        uint64_t bar)
{
    int dvsec = cxl_qtest_device_dvsec(qts, bus, devfn);

    if (dvsec) {
        qtest_writew(qts, ecam(bus, devfn, dvsec + A_DVSEC_DEV_CTRL),
                     R_DVSEC_DEV_CTRL_MEM_ENABLE_MASK);
        qtest_writel(qts, HDM(bar) + A_CXL_HDM_GLOBAL_CTRL,
                     R_CXL_HDM_GLOBAL_CTRL_HDM_DECODER_ENABLE_MASK);
    }
}

/*
 * A Type 3 device at @bus/0: its register BAR (BAR2, 64-bit) at @bar,
 * memory decoding and CXL.mem on
 */
static inline void setup_type3(QTestState *qts, int bus, uint64_t bar)
{
    qtest_writel(qts, ecam(bus, 0, PCI_BASE_ADDRESS_2), bar);
    qtest_writel(qts, ecam(bus, 0, PCI_BASE_ADDRESS_3), bar >> 32);
    qtest_writew(qts, ecam(bus, 0, PCI_COMMAND), PCI_COMMAND_MEMORY);
    cxl_qtest_mem_enable(qts, bus, 0, bar);
}

/*
 * Program HDM decoder @n of the block at @hdm and set Commit, as a driver
 * does; whether it committed is the caller's to check
 */
static inline void cxl_qtest_write_decoder(QTestState *qts, uint64_t hdm,
                                           int n, uint64_t base,
                                           uint64_t size, uint8_t eiw,
                                           uint8_t eig, uint64_t targets)
{
    uint64_t dec = hdm + n * CXL_HDM_DECODER_STRIDE;
    uint32_t ctrl = 0;

    qtest_writel(qts, hdm + A_CXL_HDM_GLOBAL_CTRL,
                 R_CXL_HDM_GLOBAL_CTRL_HDM_DECODER_ENABLE_MASK);
    qtest_writel(qts, dec + A_CXL_HDM_DECODER0_BASE_LO, (uint32_t)base);
    qtest_writel(qts, dec + A_CXL_HDM_DECODER0_BASE_HI, base >> 32);
    qtest_writel(qts, dec + A_CXL_HDM_DECODER0_SIZE_LO, (uint32_t)size);
    qtest_writel(qts, dec + A_CXL_HDM_DECODER0_SIZE_HI, size >> 32);
    qtest_writel(qts, dec + A_CXL_HDM_DECODER0_TARGET_LIST_LO,
                 (uint32_t)targets);
    qtest_writel(qts, dec + A_CXL_HDM_DECODER0_TARGET_LIST_HI, targets >> 32);
    ctrl = FIELD_DP32(ctrl, CXL_HDM_DECODER0_CTRL, IW, eiw);
    ctrl = FIELD_DP32(ctrl, CXL_HDM_DECODER0_CTRL, IG, eig);
    ctrl = FIELD_DP32(ctrl, CXL_HDM_DECODER0_CTRL, TARGET_TYPE, 1);
    ctrl = FIELD_DP32(ctrl, CXL_HDM_DECODER0_CTRL, COMMIT, 1);
    qtest_writel(qts, dec + A_CXL_HDM_DECODER0_CTRL, ctrl);
}

/* Program HDM decoder @n of the block at @hdm and commit it; it must commit */
static inline void program_decoder(QTestState *qts, uint64_t hdm, int n,
                                   uint64_t base, uint64_t size, uint8_t eiw,
                                   uint8_t eig, uint64_t targets)
{
    uint64_t dec = hdm + n * CXL_HDM_DECODER_STRIDE;
    uint32_t ctrl;

    cxl_qtest_write_decoder(qts, hdm, n, base, size, eiw, eig, targets);
    ctrl = qtest_readl(qts, dec + A_CXL_HDM_DECODER0_CTRL);
    g_assert(FIELD_EX32(ctrl, CXL_HDM_DECODER0_CTRL, COMMITTED));
    g_assert(!FIELD_EX32(ctrl, CXL_HDM_DECODER0_CTRL, ERR_NOT_COMMITTED));
}

/*
 * What a depth-first enumeration found below one or more root buses
 * (Type 3 devices get memory decoding and CXL.mem turned on):
 * every Type 3 device by its serial number (so a test can name devices
 * on its command line) and every switch upstream port with its depth.
 */
#define CXL_QTEST_MAX   64

typedef struct CXLQTestEnum {
    int next_bus;
    uint64_t next_mem;
    unsigned n_type3, n_usp;
    struct { uint64_t sn, bar; int bus; } type3[CXL_QTEST_MAX];
    struct { uint64_t bar; int depth; } usp[CXL_QTEST_MAX];
} CXLQTestEnum;

/* PCI Express capability: device/port type (PCIe 5.0 7.5.3.2) */
static inline int cxl_qtest_port_type(QTestState *qts, int bus, int devfn)
{
    int cap = qtest_readb(qts, ecam(bus, devfn, PCI_CAPABILITY_LIST));

    while (cap) {
        if (qtest_readb(qts, ecam(bus, devfn, cap)) == PCI_CAP_ID_EXP) {
            return (qtest_readw(qts, ecam(bus, devfn, cap + PCI_EXP_FLAGS)) &
                    PCI_EXP_FLAGS_TYPE) >> 4;
        }
        cap = qtest_readb(qts, ecam(bus, devfn, cap + 1));
    }
    return -1;
}

/* The Device Serial Number extended capability's value, or 0 */
static inline uint64_t cxl_qtest_serial(QTestState *qts, int bus, int devfn)
{
    int off = PCI_CFG_SPACE_SIZE;

    while (off) {
        uint32_t hdr = qtest_readl(qts, ecam(bus, devfn, off));

        if (PCI_EXT_CAP_ID(hdr) == PCI_EXT_CAP_ID_DSN) {
            return qtest_readl(qts, ecam(bus, devfn, off + 4)) |
                   (uint64_t)qtest_readl(qts, ecam(bus, devfn, off + 8)) << 32;
        }
        off = PCI_EXT_CAP_NEXT(hdr);
    }
    return 0;
}

/* Size and place the memory BARs of a function; returns the first one's address */
static inline uint64_t cxl_qtest_assign_bars(QTestState *qts, CXLQTestEnum *e,
                                             int bus, int devfn, int nbars)
{
    uint64_t first = 0;
    int i;

    for (i = 0; i < nbars; i++) {
        uint64_t reg = ecam(bus, devfn, PCI_BASE_ADDRESS_0 + 4 * i), size;
        uint32_t lo;
        bool is64;

        qtest_writel(qts, reg, UINT32_MAX);
        lo = qtest_readl(qts, reg);
        if (!lo || (lo & PCI_BASE_ADDRESS_SPACE_IO)) {
            continue;
        }
        is64 = (lo & PCI_BASE_ADDRESS_MEM_TYPE_MASK) == PCI_BASE_ADDRESS_MEM_TYPE_64;
        size = (uint32_t)~(lo & PCI_BASE_ADDRESS_MEM_MASK) + 1ull;
        e->next_mem = QEMU_ALIGN_UP(e->next_mem, size);
        qtest_writel(qts, reg, e->next_mem);
        if (is64) {
            qtest_writel(qts, reg + 4, e->next_mem >> 32);
            i++;
        }
        first = first ? first : e->next_mem;
        e->next_mem += size;
    }
    return first;
}

/* Number the buses below @bus, place windows and BARs, record what is there */
static inline void cxl_qtest_scan(QTestState *qts, CXLQTestEnum *e, int bus,
                                  int depth)
{
    int slot;

    for (slot = 0; slot < 32; slot++) {
        int devfn = slot << 3, sec, type;
        uint64_t bar, mem;

        if (qtest_readw(qts, ecam(bus, devfn, PCI_VENDOR_ID)) == 0xffff) {
            continue;
        }
        if ((qtest_readb(qts, ecam(bus, devfn, PCI_HEADER_TYPE)) & 0x7f) !=
            PCI_HEADER_TYPE_BRIDGE) {
            bar = cxl_qtest_assign_bars(qts, e, bus, devfn, 6);
            qtest_writew(qts, ecam(bus, devfn, PCI_COMMAND), PCI_COMMAND_MEMORY);
            cxl_qtest_mem_enable(qts, bus, devfn, bar);
            g_assert_cmpuint(e->n_type3, <, CXL_QTEST_MAX);
            e->type3[e->n_type3].sn = cxl_qtest_serial(qts, bus, devfn);
            e->type3[e->n_type3].bar = bar;
            e->type3[e->n_type3++].bus = bus;
            continue;
        }
        type = cxl_qtest_port_type(qts, bus, devfn);
        bar = cxl_qtest_assign_bars(qts, e, bus, devfn, 2);
        if (type == PCI_EXP_TYPE_UPSTREAM) {
            g_assert_cmpuint(e->n_usp, <, CXL_QTEST_MAX);
            e->usp[e->n_usp].bar = bar;
            e->usp[e->n_usp++].depth = depth;
        }
        sec = ++e->next_bus;
        mem = e->next_mem = QEMU_ALIGN_UP(e->next_mem, MiB);
        setup_bridge(qts, bus, devfn, sec, 0xff, mem, MiB);
        cxl_qtest_scan(qts, e, sec, depth + (type == PCI_EXP_TYPE_UPSTREAM));
        e->next_mem = QEMU_ALIGN_UP(MAX(e->next_mem, mem + 1), MiB);
        setup_bridge(qts, bus, devfn, sec, e->next_bus, mem, e->next_mem - mem);
    }
}

/* Enumerate what sits below the root bus @root_bus (a host bridge's) */
static inline void cxl_qtest_enumerate(QTestState *qts, CXLQTestEnum *e,
                                       int root_bus)
{
    if (!e->next_mem) {
        e->next_mem = BAR_BASE;
    }
    e->next_bus = root_bus;
    cxl_qtest_scan(qts, e, root_bus, 0);
}

/* The recorded Type 3 device with serial number @sn */
static inline uint64_t cxl_qtest_type3_bar(CXLQTestEnum *e, uint64_t sn)
{
    unsigned i;

    for (i = 0; i < e->n_type3; i++) {
        if (e->type3[i].sn == sn) {
            return e->type3[i].bar;
        }
    }
    g_assert_not_reached();
}

/*
 * The decode tests run in both modes and must give the same bytes: the
 * fast path (flat routes, pages mapped straight to devices; the default)
 * and the reference (every access trapped and walked: cxl-fast-path=off).
 */
typedef struct CXLQTestCase {
    bool reference;
    GTestDataFunc fn;
    const void *data;
} CXLQTestCase;

/* Machine options of the running test's mode */
static const char *cxl_qtest_mode_args = "";

static inline void cxl_qtest_run(const void *opaque)
{
    const CXLQTestCase *c = opaque;

    cxl_qtest_mode_args = c->reference ? "-M cxl-fast-path=off" : "";
    c->fn(c->data);
}

/* Register @fn(@data) as /cxl/fast/@path and /cxl/reference/@path */
static inline void cxl_qtest_add(const char *path, GTestDataFunc fn,
                                 const void *data)
{
    unsigned m;

    for (m = 0; m < 2; m++) {
        CXLQTestCase *c = g_new(CXLQTestCase, 1);
        g_autofree char *name = g_strdup_printf("/cxl/%s/%s",
                                                m ? "reference" : "fast", path);

        c->reference = m;
        c->fn = fn;
        c->data = data;
        qtest_add_data_func(name, c, cxl_qtest_run);
    }
}

/* qtest_initf() in the mode the running test was registered for */
static inline G_GNUC_PRINTF(1, 2) QTestState *cxl_qtest_start(const char *fmt, ...)
{
    g_autofree char *args = NULL;
    va_list ap;

    va_start(ap, fmt);
    args = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    if (strcmp(cxl_qtest_machine()->name, "q35")) {
        g_auto(GStrv) parts = g_strsplit(args, "-M q35", -1);
        g_autofree char *machine = g_strdup_printf("-M %s",
                                                   cxl_qtest_machine()->name);

        g_free(args);
        args = g_strjoinv(machine, parts);
        return qtest_initf("-cpu max %s %s", args, cxl_qtest_mode_args);
    }
    return qtest_initf("%s %s", args, cxl_qtest_mode_args);
}

/* A backing file of @size bytes in the temporary directory, open in *fd */
static inline char *cxl_qtest_file(const char *what, unsigned n, size_t size, int *fd)
{
    char *path = g_strdup_printf("%s/qemu-cxl-%s-%d-%u", g_get_tmp_dir(), what,
                                 getpid(), n);

    *fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
    g_assert(*fd >= 0 && ftruncate(*fd, size) == 0);
    return path;
}

/*
 * An access of @size bytes (1 to 8) at @addr, little-endian as the CXL
 * windows are: 1, 2, 4 and 8 bytes as one qtest access, 3, 5, 6 and 7 as a
 * memory write or read that the memory core splits as it would split a
 * CPU's.
 */
static inline void cxl_qtest_write(QTestState *qts, uint64_t addr,
                                   uint64_t val, unsigned size)
{
    uint8_t buf[8];

    switch (size) {
    case 1:
        qtest_writeb(qts, addr, val);
        break;
    case 2:
        qtest_writew(qts, addr, val);
        break;
    case 4:
        qtest_writel(qts, addr, val);
        break;
    case 8:
        qtest_writeq(qts, addr, val);
        break;
    default:
        g_assert(size > 0 && size < 8);
        stq_le_p(buf, val);
        qtest_memwrite(qts, addr, buf, size);
    }
}

static inline uint64_t cxl_qtest_read(QTestState *qts, uint64_t addr,
                                      unsigned size)
{
    uint8_t buf[8] = { 0 };

    switch (size) {
    case 1:
        return qtest_readb(qts, addr);
    case 2:
        return qtest_readw(qts, addr);
    case 4:
        return qtest_readl(qts, addr);
    case 8:
        return qtest_readq(qts, addr);
    default:
        g_assert(size > 0 && size < 8);
        qtest_memread(qts, addr, buf, size);
        return ldq_le_p(buf);
    }
}

/*
 * The shadow: what every backing file of a case must hold, byte for byte.
 *
 * Each file starts sparse; its first CXL_SHADOW_SEEDED bytes are seeded
 * with a hash of (file, offset), so that a read from the wrong device or
 * offset returns a value that names where it came from, and the rest is
 * zero (the holes). The shadow keeps, page by page, every byte the test
 * writes: through a window, where the test's own model of the interleave
 * says it lands, or straight into the file. At the end of a case each
 * whole file is compared with the shadow, so a byte that changed where
 * nothing was written to it (a stray or duplicated write, a write to the
 * wrong DPA) fails the case, not only a byte missing where the test
 * looked. Holes are found with SEEK_DATA and the zero parts of what is
 * read are checked with buffer_is_zero(), so a 256 MiB file that is
 * mostly hole costs a few milliseconds.
 */
#define CXL_SHADOW_MAX_FILES    64
#define CXL_SHADOW_PAGE         4096u
#define CXL_SHADOW_CHUNK        (1 * MiB)
#define CXL_SHADOW_SEEDED       (1 * MiB)

typedef struct CXLShadowFile {
    int fd;
    uint64_t size;
    char *name;
    GHashTable *pages;          /* page index -> its CXL_SHADOW_PAGE bytes */
} CXLShadowFile;

typedef struct CXLShadow {
    unsigned n;
    CXLShadowFile file[CXL_SHADOW_MAX_FILES];
} CXLShadow;

/* The seed's 8-byte word @word of file @f: splitmix64 of both */
static inline uint64_t cxl_shadow_seed_word(unsigned f, uint64_t word)
{
    uint64_t x = ((uint64_t)f + 1) << 48 ^ word;

    x += 0x9e3779b97f4a7c15ull;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
    return x ^ (x >> 31);
}

/* What page @page of file @f was seeded with; false: zero (a hole) */
static inline bool cxl_shadow_seed_page(const CXLShadow *sh, unsigned f,
                                        uint64_t page, uint8_t *buf)
{
    uint64_t off = page * CXL_SHADOW_PAGE, i;

    if (off >= MIN(CXL_SHADOW_SEEDED, sh->file[f].size)) {
        memset(buf, 0, CXL_SHADOW_PAGE);
        return false;
    }
    for (i = 0; i < CXL_SHADOW_PAGE / 8; i++) {
        stq_le_p(buf + 8 * i, cxl_shadow_seed_word(f, off / 8 + i));
    }
    return true;
}

/*
 * Add the fresh (all-hole) file @fd of @size bytes as file number
 * sh->n, seed it, and return its number
 */
static inline unsigned cxl_shadow_add(CXLShadow *sh, int fd, uint64_t size,
                                      const char *name)
{
    unsigned f = sh->n++;
    CXLShadowFile *sf = &sh->file[f];
    g_autofree uint8_t *buf = g_malloc(CXL_SHADOW_PAGE);
    uint64_t page;

    g_assert_cmpuint(f, <, CXL_SHADOW_MAX_FILES);
    g_assert(size % CXL_SHADOW_PAGE == 0);
    sf->fd = fd;
    sf->size = size;
    sf->name = g_strdup(name);
    sf->pages = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free,
                                      g_free);
    for (page = 0; cxl_shadow_seed_page(sh, f, page, buf); page++) {
        g_assert(pwrite(fd, buf, CXL_SHADOW_PAGE, page * CXL_SHADOW_PAGE) ==
                 CXL_SHADOW_PAGE);
    }
    return f;
}

static inline void cxl_shadow_free(CXLShadow *sh)
{
    unsigned f;

    for (f = 0; f < sh->n; f++) {
        g_hash_table_destroy(sh->file[f].pages);
        g_free(sh->file[f].name);
    }
    sh->n = 0;
}

/* The shadow's copy of the page holding @off of file @f, made on demand */
static inline uint8_t *cxl_shadow_page(CXLShadow *sh, unsigned f, uint64_t off)
{
    CXLShadowFile *sf = &sh->file[f];
    uint64_t page = off / CXL_SHADOW_PAGE;
    uint8_t *buf;

    g_assert_cmpuint(f, <, sh->n);
    g_assert_cmpuint(off, <, sf->size);
    buf = g_hash_table_lookup(sf->pages, &page);
    if (!buf) {
        uint64_t *key = g_new(uint64_t, 1);

        *key = page;
        buf = g_malloc(CXL_SHADOW_PAGE);
        cxl_shadow_seed_page(sh, f, page, buf);
        g_hash_table_insert(sf->pages, key, buf);
    }
    return buf;
}

/* File @f's byte at @off must now be @byte */
static inline void cxl_shadow_set(CXLShadow *sh, unsigned f, uint64_t off,
                                  uint8_t byte)
{
    cxl_shadow_page(sh, f, off)[off % CXL_SHADOW_PAGE] = byte;
}

/* What file @f's byte at @off must be */
static inline uint8_t cxl_shadow_get(CXLShadow *sh, unsigned f, uint64_t off)
{
    CXLShadowFile *sf = &sh->file[f];
    uint64_t page = off / CXL_SHADOW_PAGE;
    uint8_t *buf = g_hash_table_lookup(sf->pages, &page);

    if (buf) {
        return buf[off % CXL_SHADOW_PAGE];
    }
    if (off >= MIN(CXL_SHADOW_SEEDED, sf->size)) {
        return 0;
    }
    return cxl_shadow_seed_word(f, off / 8) >> (8 * (off % 8));
}

/* The @size bytes (up to 8) file @f must hold at @off, little-endian */
static inline uint64_t cxl_shadow_get_le(CXLShadow *sh, unsigned f,
                                         uint64_t off, unsigned size)
{
    uint64_t val = 0;
    unsigned b;

    for (b = 0; b < size; b++) {
        val |= (uint64_t)cxl_shadow_get(sh, f, off + b) << (8 * b);
    }
    return val;
}

/* File @f's @size bytes (up to 8) at @off must now be @val, little-endian */
static inline void cxl_shadow_set_le(CXLShadow *sh, unsigned f, uint64_t off,
                                     uint64_t val, unsigned size)
{
    unsigned b;

    for (b = 0; b < size; b++) {
        cxl_shadow_set(sh, f, off + b, val >> (8 * b));
    }
}

/* Write @len bytes straight into file @f at @off, and into the shadow */
static inline void cxl_shadow_pwrite(CXLShadow *sh, unsigned f,
                                     const void *buf, size_t len, uint64_t off)
{
    size_t i;

    g_assert(pwrite(sh->file[f].fd, buf, len, off) == len);
    for (i = 0; i < len; i++) {
        cxl_shadow_set(sh, f, off + i, ((const uint8_t *)buf)[i]);
    }
}

/*
 * Compare file @f with the shadow; returns how many bytes differ and
 * prints the first four of them. With @digest, also feeds it every page that
 * is not all zeros, with its index, so that two files hash the same
 * exactly when their contents are equal.
 */
static inline uint64_t cxl_shadow_check_file(CXLShadow *sh, unsigned f,
                                             GChecksum *digest)
{
    CXLShadowFile *sf = &sh->file[f];
    g_autofree uint8_t *buf = g_malloc(CXL_SHADOW_CHUNK);
    g_autofree uint8_t *seed = g_malloc(CXL_SHADOW_PAGE);
    uint64_t off, bad = 0;

    for (off = 0; off < sf->size; off += CXL_SHADOW_CHUNK) {
        uint64_t len = MIN(CXL_SHADOW_CHUNK, sf->size - off), p, i;
        bool want_data = off < CXL_SHADOW_SEEDED;
        off_t data;

        for (p = off / CXL_SHADOW_PAGE; !want_data &&
             p < (off + len) / CXL_SHADOW_PAGE; p++) {
            want_data = g_hash_table_contains(sf->pages, &p);
        }
        data = lseek(sf->fd, off, SEEK_DATA);
        if (!want_data && (data < 0 || data >= off + len)) {
            continue;           /* all hole, all zero: as it should be */
        }
        g_assert(pread(sf->fd, buf, len, off) == len);
        for (i = 0; i < len; i += CXL_SHADOW_PAGE) {
            uint8_t *got = buf + i, *want;
            unsigned b;

            p = (off + i) / CXL_SHADOW_PAGE;
            want = g_hash_table_lookup(sf->pages, &p);
            if (!want && !cxl_shadow_seed_page(sh, f, p, seed) &&
                buffer_is_zero(got, CXL_SHADOW_PAGE)) {
                continue;
            }
            want = want ? want : seed;
            if (digest && !buffer_is_zero(got, CXL_SHADOW_PAGE)) {
                g_checksum_update(digest, (const guchar *)&p, sizeof(p));
                g_checksum_update(digest, got, CXL_SHADOW_PAGE);
            }
            if (!memcmp(got, want, CXL_SHADOW_PAGE)) {
                continue;
            }
            for (b = 0; b < CXL_SHADOW_PAGE; b++) {
                if (got[b] != want[b] && bad++ < 4) {
                    fprintf(stderr, "# %s: byte 0x%" PRIx64 " of the file is "
                            "0x%02x, where the shadow says 0x%02x\n",
                            sf->name, off + i + b, got[b], want[b]);
                }
            }
        }
    }
    if (bad) {
        fprintf(stderr, "# %s: %" PRIu64 " byte(s) differ from the shadow\n",
                sf->name, bad);
    }
    return bad;
}

/* Every file against the shadow; how many bytes differ in all */
static inline uint64_t cxl_shadow_check(CXLShadow *sh)
{
    uint64_t bad = 0;
    unsigned f;

    for (f = 0; f < sh->n; f++) {
        bad += cxl_shadow_check_file(sh, f, NULL);
    }
    return bad;
}

/*
 * Every byte of every file is what the test wrote there or what the file
 * was seeded with: nothing was written anywhere else.
 */
static inline void cxl_shadow_assert(CXLShadow *sh)
{
    g_assert_cmpuint(cxl_shadow_check(sh), ==, 0);
}

#endif
