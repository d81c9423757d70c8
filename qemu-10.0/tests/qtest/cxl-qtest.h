/*
 * What the CXL qtests of the 10.0 line share: one machine (q35, a CXL host
 * bridge with two root ports and a Type 3 device with persistent memory and
 * a label storage area, in files the test can read), the firmware's and the
 * driver's work that qtest has nobody to do (q35's ECAM, bus numbers, BARs,
 * the CXL capability arrays walked to the HDM decoders, CXL r3.1 8.2.4, and
 * to the mailbox, 8.2.8), committing a decoder and running a mailbox
 * command.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef TESTS_QTEST_CXL_QTEST_H
#define TESTS_QTEST_CXL_QTEST_H

#include "qemu/units.h"
#include "qemu/bswap.h"
#include "libqtest.h"
#include "qobject/qdict.h"
#include "qobject/qlist.h"
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
#define OP_ADD_DC_RESPONSE 0x4802
#define OP_RELEASE_DC   0x4803
#define RC_SUCCESS      0
#define RC_INVALID_INPUT 2
#define RC_INVALID_PA   0xf
#define RC_INVALID_EXTENT_LIST 0x1e

/*
 * The decode tests run each case twice: routed by the windows' route
 * tables (the default) under /cxl/fast/, and by the reference walk
 * through the decoders on every access (-M cxl-fast-path=off) under
 * /cxl/reference/. cxl_qtest_mode_args() is what the running case adds
 * to its command line.
 */
typedef struct CXLQTestCase {
    const void *data;
    GTestDataFunc fn;           /* fn(data), or */
    GTestFunc plain;            /* plain() */
    bool reference;
} CXLQTestCase;

static const char *cxl_qtest_mode G_GNUC_UNUSED = "";

static inline const char *cxl_qtest_mode_args(void)
{
    return cxl_qtest_mode;
}

typedef struct Machine {
    QTestState *qts;
    char *lsa_path;
    char *mem_path;
    uint64_t hdm_hb;            /* HDM decoder capability of the host bridge */
    uint64_t hdm_ep;            /* ... of the Type 3 device */
    uint64_t mbox;              /* its primary mailbox */
} Machine;

static inline uint64_t ecam(int bus, int devfn, int off)
{
    return ECAM | bus << 20 | devfn << 12 | off;
}

/*
 * A CXL.cachemem capability array (CXL r3.1 8.2.4): the offset of
 * capability @id from @cm, or 0.
 */
static inline uint64_t cachemem_cap(QTestState *qts, uint64_t cm, uint16_t id)
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
static inline uint64_t device_cap(QTestState *qts, uint64_t regs, uint16_t id)
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
static inline uint64_t place_bar(QTestState *qts, int bus, int devfn,
                                 int bar, uint64_t at)
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

/*
 * The firmware's work, at start and after a reset: ECAM, the root port's
 * bus numbers and window, the Type 3 device's BARs; then the registers
 * the tests use, found through the capability arrays.
 */
static inline void machine_setup(Machine *m)
{
    uint64_t comp, dev;

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

/*
 * QEMU for @m with options appended to the host bridge's and the
 * device's, without the firmware's work (a migration destination gets it
 * from the source)
 */
static inline void machine_launch(Machine *m, const char *hb_opts,
                                  const char *t3_opts)
{
    int fd;

    fd = g_file_open_tmp("cxl-qtest-mem-XXXXXX", &m->mem_path, NULL);
    g_assert(fd >= 0 && ftruncate(fd, 256 * MiB) == 0);
    close(fd);
    fd = g_file_open_tmp("cxl-qtest-lsa-XXXXXX", &m->lsa_path, NULL);
    g_assert(fd >= 0 && ftruncate(fd, 256 * KiB) == 0);
    close(fd);

    /* Two root ports, so that the host bridge decodes (no passthrough) */
    m->qts = qtest_initf(
        "-machine q35,cxl=on -m 512M "
        "-object memory-backend-file,id=mem0,mem-path=%s,size=256M,share=on "
        "-object memory-backend-file,id=lsa0,mem-path=%s,size=256K,share=on "
        "-device pxb-cxl,id=cxl.0,bus=pcie.0,bus_nr=%d%s "
        "-device cxl-rp,id=rp0,bus=cxl.0,addr=0.0,chassis=0,slot=0,port=0 "
        "-device cxl-rp,id=rp1,bus=cxl.0,addr=1.0,chassis=0,slot=1,port=1 "
        "-device cxl-type3,bus=rp0,persistent-memdev=mem0,lsa=lsa0,id=t3%s "
        "-M cxl-fmw.0.targets.0=cxl.0,cxl-fmw.0.size=4G%s",
        m->mem_path, m->lsa_path, HB_BUS, hb_opts, t3_opts,
        cxl_qtest_mode_args());
}

/* ... with options appended to the host bridge's and the device's */
static inline void machine_start_opts(Machine *m, const char *hb_opts,
                                      const char *t3_opts)
{
    machine_launch(m, hb_opts, t3_opts);
    machine_setup(m);
}

static inline void machine_start(Machine *m)
{
    machine_start_opts(m, "", "");
}

/*
 * A bad command line (@args after a q35 machine with CXL): QEMU exits
 * with status 1 and a message containing @message
 */
static inline void cxl_qtest_expect_refused(const char *args,
                                            const char *message)
{
    g_autofree char *cmd =
        g_strdup_printf("timeout 30 %s -display none -nodefaults -S "
                        "-monitor none -M q35,cxl=on %s",
                        getenv("QTEST_QEMU_BINARY"), args);
    g_autofree char *out = NULL, *err = NULL;
    int status;

    g_assert(g_spawn_command_line_sync(cmd, &out, &err, &status, NULL));
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 1 ||
        !strstr(err, message)) {
        g_error("%s: status 0x%x, stderr: %s", cmd, status, err);
    }
}

/* QEMU gone, the backing files kept for the test to read */
static inline void machine_end_keep(Machine *m)
{
    qtest_quit(m->qts);
    m->qts = NULL;
}

static inline void machine_files_remove(Machine *m)
{
    unlink(m->mem_path);
    unlink(m->lsa_path);
    g_free(m->mem_path);
    g_free(m->lsa_path);
}

static inline void machine_end(Machine *m)
{
    machine_end_keep(m);
    machine_files_remove(m);
}

/* Program decoder @n of the HDM capability at @hdm and commit it */
static inline uint32_t commit(QTestState *qts, uint64_t hdm, int n,
                              uint64_t base, uint64_t size, uint32_t ctrl,
                              uint32_t targets)
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

static inline void assert_refused(uint32_t ctrl)
{
    g_assert_cmphex(ctrl & (CTRL_COMMITTED | CTRL_ERR), ==, CTRL_ERR);
}

static inline void assert_committed(uint32_t ctrl)
{
    g_assert_cmphex(ctrl & (CTRL_COMMITTED | CTRL_ERR), ==, CTRL_COMMITTED);
}

static inline void cxl_qtest_run_case(const void *opaque)
{
    const CXLQTestCase *c = opaque;

    cxl_qtest_mode = c->reference ? " -M cxl-fast-path=off" : "";
    if (c->plain) {
        c->plain();
    } else {
        c->fn(c->data);
    }
    cxl_qtest_mode = "";
}

static inline void cxl_qtest_add_case(const char *path, CXLQTestCase c)
{
    int m;

    for (m = 0; m < 2; m++) {
        CXLQTestCase *p = g_new(CXLQTestCase, 1);  /* lives as long as */
        g_autofree char *name =                   /* the test program */
            g_strdup_printf("/cxl/%s%s", m ? "reference" : "fast", path);

        *p = c;
        p->reference = m;
        qtest_add_data_func(name, p, cxl_qtest_run_case);
    }
}

/* Register @fn(@data) as /cxl/fast/@path and /cxl/reference/@path */
static inline void cxl_qtest_add_both(const char *path, const void *data,
                                      GTestDataFunc fn)
{
    cxl_qtest_add_case(path, (CXLQTestCase) { .data = data, .fn = fn });
}

/* ... and @fn() */
static inline void cxl_qtest_add_func_both(const char *path, GTestFunc fn)
{
    cxl_qtest_add_case(path, (CXLQTestCase) { .plain = fn });
}

/* Read the backing file @path, @size bytes, whole into @buf */
static inline void cxl_qtest_read_file(const char *path, uint8_t *buf,
                                       uint64_t size)
{
    int fd = open(path, O_RDONLY);

    g_assert(fd >= 0);
    g_assert(pread(fd, buf, size, 0) == size);
    close(fd);
}

/* Device @d's file, as read into @buf, once the expected bytes are cleared */
static inline void cxl_qtest_assert_zero(const uint8_t *buf, uint64_t size,
                                         int d)
{
    uint64_t dpa;

    for (dpa = 0; dpa < size; dpa += 8) {
        if (ldq_le_p(buf + dpa)) {
            g_error("device %d: stray bytes at DPA 0x%" PRIx64
                    ": 0x%" PRIx64, d, dpa, ldq_le_p(buf + dpa));
        }
    }
}

/*
 * After a decode test: read the @n backing files in @paths (@size bytes
 * each) whole. The word @pattern(off) for each window offset off in @offs
 * must sit in the file of its owner at its DPA (@owner, the test's model
 * of what it programmed), and every other byte of every file must be 0.
 * The files are removed.
 */
static inline void cxl_qtest_check_files(char **paths, int n, uint64_t size,
                                         GArray *offs,
                                         int (*owner)(const void *layout,
                                                      uint64_t off,
                                                      uint64_t *dpa),
                                         const void *layout,
                                         uint64_t (*pattern)(uint64_t off))
{
    g_autofree uint8_t *buf = g_malloc(size);
    uint64_t off, dpa;
    guint i;
    int d;

    for (d = 0; d < n; d++) {
        cxl_qtest_read_file(paths[d], buf, size);
        for (i = 0; i < offs->len; i++) {
            off = g_array_index(offs, uint64_t, i);
            if (owner(layout, off, &dpa) == d) {
                g_assert_cmphex(ldq_le_p(buf + dpa), ==, pattern(off));
                memset(buf + dpa, 0, 8);
            }
        }
        cxl_qtest_assert_zero(buf, size, d);
        unlink(paths[d]);
        g_free(paths[d]);
    }
}

/*
 * cxl-translate of @hpa: the id of the device it reaches, with its DPA in
 * @dpa, or NULL when the decode stops
 */
static inline char *cxl_translate(QTestState *qts, uint64_t hpa, uint64_t *dpa)
{
    QDict *rsp = qtest_qmp(qts, "{'execute': 'cxl-translate', "
                           "'arguments': {'address': %" PRIu64 "}}", hpa);
    QDict *ret = qdict_get_qdict(rsp, "return");
    char *dev = NULL;

    g_assert(ret);
    g_assert_cmphex(qdict_get_int(ret, "address"), ==, hpa);
    if (qdict_get_bool(ret, "reached")) {
        dev = g_strdup(qdict_get_str(ret, "device"));
        *dpa = qdict_get_int(ret, "dpa");
    }
    qobject_unref(rsp);
    return dev;
}

/*
 * cxl-translate agrees with the test's model (@owner) for the window
 * offsets in @offs: device "t<owner>", at the DPA the model gives
 */
static inline void cxl_qtest_check_translate(QTestState *qts, GArray *offs,
                                             int (*owner)(const void *layout,
                                                          uint64_t off,
                                                          uint64_t *dpa),
                                             const void *layout)
{
    guint i;

    for (i = 0; i < offs->len; i++) {
        uint64_t off = g_array_index(offs, uint64_t, i), dpa, want_dpa;
        g_autofree char *want = g_strdup_printf("t%d",
                                                owner(layout, off, &want_dpa));
        g_autofree char *dev = cxl_translate(qts, WINDOW + off, &dpa);

        g_assert_cmpstr(dev, ==, want);
        g_assert_cmphex(dpa, ==, want_dpa);
    }
}

/*
 * query-cxl: is window 0 routed by its route table now? It must be on
 * the fast path once an access has built the table, and never with
 * cxl-fast-path=off.
 */
static inline bool cxl_window_routed(QTestState *qts)
{
    QDict *rsp = qtest_qmp(qts, "{'execute': 'query-cxl'}");
    QDict *ret = qdict_get_qdict(rsp, "return");
    QList *windows = qdict_get_qlist(ret, "windows");
    QDict *w = qobject_to(QDict, qlist_peek(windows));
    bool routed;

    g_assert(w);
    g_assert_cmpint(qdict_get_bool(ret, "fast-path"), ==,
                    !*cxl_qtest_mode);
    routed = qdict_get_bool(w, "routes");
    qobject_unref(rsp);
    return routed;
}

/*
 * Whether the migration from @qts has completed (never "failed": that
 * fails the test with its reason); its dirty-bitmap passes so far in
 * *@syncs when given
 */
static inline bool cxl_qtest_migration_completed(QTestState *qts,
                                                 unsigned *syncs)
{
    QDict *rsp = qtest_qmp(qts, "{'execute': 'query-migrate'}");
    QDict *ret = qdict_get_qdict(rsp, "return");
    const char *status = qdict_get_try_str(ret, "status");
    bool completed;

    g_assert(status);
    if (!strcmp(status, "failed")) {
        g_error("migration failed: %s",
                qdict_get_try_str(ret, "error-desc") ?: "?");
    }
    if (syncs && qdict_haskey(ret, "ram")) {
        *syncs = qdict_get_int(qdict_get_qdict(ret, "ram"), "dirty-sync-count");
    }
    completed = !strcmp(status, "completed");
    qobject_unref(rsp);
    return completed;
}

/*
 * Migrate @src to @dst (started with -incoming @uri) and wait until the
 * destination runs
 */
static inline void cxl_qtest_migrate(QTestState *src, QTestState *dst,
                                     const char *uri)
{
    QDict *rsp = qtest_qmp(src, "{'execute': 'migrate', 'arguments':"
                           "{'uri': %s}}", uri);

    g_assert(qdict_haskey(rsp, "return"));
    qobject_unref(rsp);
    while (!cxl_qtest_migration_completed(src, NULL)) {
        g_usleep(20 * 1000);
    }
    qtest_qmp_eventwait(dst, "RESUME");
}

/* Run mailbox command @op with @len payload bytes already written */
static inline uint16_t mbox_run(QTestState *qts, uint64_t mb, uint16_t op,
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

#endif
