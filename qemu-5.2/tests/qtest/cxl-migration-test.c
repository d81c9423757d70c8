/*
 * qtest of migration with CXL memory: the capacity and the label storage
 * area of every cxl-type3 move with the device, to a destination whose
 * backends start empty (memory-backend-ram on both sides, or fresh files),
 * while the test keeps writing through an interleaved window and the
 * mailbox during the migration, throttled so that precopy needs several
 * dirty-bitmap passes. Afterwards every word written is read back through
 * the destination's window, found in the destination's files at the
 * device and DPA the interleave arithmetic gives (every other byte still
 * zero), and every LSA byte matches.
 *
 * Topology: one host bridge, two root ports, a Type 3 device on each
 * (256 MiB persistent, 128 KiB LSA); a 2-way region at 256 B (every
 * access trapped) or at 4 KiB (pages mapped to the devices).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "qemu/osdep.h"
#include "libqos/libqtest.h"
#include "qemu/bswap.h"
#include "qapi/qmp/qdict.h"
#include "qapi/qmp/qlist.h"
#include "hw/cxl/cxl-decode.h"
#include "cxl-qtest.h"

#define HB_BUS          12
#define DEVS            2
#define DEV_SIZE        (256ull * MiB)
#define REGION_SIZE     (DEV_SIZE * DEVS)
#define LSA_SIZE        (128 * KiB)
/* Our BAR2 layout (include/hw/cxl/cxl-device.h): device registers at 64 KiB */
#define MBOX(bar)       ((bar) + 0x10000 + 0x100)
#define LSA_CHUNK       1024

typedef struct Case {
    const char *name;
    bool files;                 /* memory-backend-file, else -ram */
    unsigned gran;
} Case;

typedef struct Side {
    QTestState *qts;
    char *file[DEVS], *lsa[DEVS];
} Side;

typedef struct Mig {
    const Case *c;
    Side src, dst;
    uint64_t window;
    GHashTable *written;        /* window offset -> last 8-byte value */
    uint8_t lsa[DEVS][LSA_SIZE];
} Mig;

static uint64_t dev_bar(unsigned d)
{
    return BAR_BASE + d * MiB;
}

static void side_start(Mig *m, Side *s, const char *tag, const char *extra)
{
    GString *cmd = g_string_new("-M q35,cxl=on -m 256M");
    unsigned d;
    int fd;

    g_string_append_printf(cmd, " -device pxb-cxl,bus_nr=%d,bus=pcie.0,id=hb0",
                           HB_BUS);
    for (d = 0; d < DEVS; d++) {
        if (m->c->files) {
            s->file[d] = cxl_qtest_file(tag, d, DEV_SIZE, &fd);
            close(fd);
            s->lsa[d] = cxl_qtest_file(tag, 10 + d, LSA_SIZE, &fd);
            close(fd);
            g_string_append_printf(cmd,
                " -object memory-backend-file,id=m%u,share=on,mem-path=%s,"
                "size=256M -object memory-backend-file,id=l%u,share=on,"
                "mem-path=%s,size=128K", d, s->file[d], d, s->lsa[d]);
        } else {
            g_string_append_printf(cmd,
                " -object memory-backend-ram,id=m%u,size=256M"
                " -object memory-backend-ram,id=l%u,size=128K", d, d);
        }
        g_string_append_printf(cmd,
            " -device cxl-rp,port=%u,bus=hb0,id=rp%u,chassis=0,slot=%u"
            " -device cxl-type3,bus=rp%u,persistent-memdev=m%u,lsa=l%u,"
            "id=mem%u,sn=%u", d, d, d + 2, d, d, d, d, d + 1);
    }
    g_string_append_printf(cmd, " -M cxl-fmw.0.targets.0=hb0,cxl-fmw.0.size=4G,"
                           "cxl-fmw.0.interleave-granularity=%u %s",
                           m->c->gran, extra);
    s->qts = cxl_qtest_start("%s", cmd->str);
    g_string_free(cmd, true);
}

static void side_stop(Mig *m, Side *s)
{
    unsigned d;

    if (s->qts) {
        qtest_quit(s->qts);
    }
    for (d = 0; d < DEVS; d++) {
        if (s->file[d]) {
            unlink(s->file[d]);
            unlink(s->lsa[d]);
        }
        g_free(s->file[d]);
        g_free(s->lsa[d]);
    }
}

/* The PCIe DVSEC for CXL Device (CXL 2.0 8.1.3) of the function at @bus */
static int device_dvsec(QTestState *qts, int bus)
{
    int off = PCI_CFG_SPACE_SIZE;

    while (off) {
        uint32_t hdr = qtest_readl(qts, ecam(bus, 0, off));

        if (PCI_EXT_CAP_ID(hdr) == PCIE_EXT_CAP_ID_DVSEC &&
            qtest_readw(qts, ecam(bus, 0, off + DVSEC_HEADER2)) ==
            CXL_DVSEC_PCIE_DEVICE) {
            return off;
        }
        off = PCI_EXT_CAP_NEXT(hdr);
    }
    g_assert_not_reached();
}

/* Firmware's and the driver's work: buses, BARs, the 2-way region */
static void program(Mig *m)
{
    QTestState *qts = m->src.qts;
    uint8_t eig;
    unsigned d;
    QDict *rsp;

    rsp = qtest_qmp(qts, "{'execute': 'query-cxl'}");
    m->window = qdict_get_int(qobject_to(QDict, qlist_peek(qdict_get_qlist(
                    qdict_get_qdict(rsp, "return"), "windows"))), "base");
    qobject_unref(rsp);
    g_assert(cxl_granularity_to_eig(m->c->gran, &eig));
    enable_ecam(qts);
    for (d = 0; d < DEVS; d++) {
        int bus = HB_BUS + 1 + d;
        int dvsec;

        setup_bridge(qts, HB_BUS, d << 3, bus, bus, dev_bar(d), MiB);
        setup_type3(qts, bus, dev_bar(d));
        /* Mem_Enable, as Linux's cxl_pci sets it */
        dvsec = device_dvsec(qts, bus);
        qtest_writew(qts, ecam(bus, 0, dvsec + A_DVSEC_DEV_CTRL),
                     R_DVSEC_DEV_CTRL_MEM_ENABLE_MASK);
        program_decoder(qts, HDM(dev_bar(d)), 0, m->window, REGION_SIZE, 1,
                        eig, 0);
    }
    /* The host bridge: root port d (port number d) is way d */
    program_decoder(qts, HDM(CHBCR(0)), 0, m->window, REGION_SIZE, 1, eig,
                    0x0100);
}

/* Set LSA of @len bytes at @off on device @d, from the test's copy */
static void set_lsa(Mig *m, unsigned d, uint32_t off, uint32_t len)
{
    QTestState *qts = m->src.qts;
    uint8_t buf[8 + LSA_CHUNK];

    g_assert(len <= LSA_CHUNK);
    memset(buf, 0, 8);
    stl_le_p(buf, off);
    memcpy(buf + 8, m->lsa[d] + off, len);
    qtest_memwrite(qts, MBOX(dev_bar(d)) + CXL_MB_PAYLOAD, buf, 8 + len);
    qtest_writeq(qts, MBOX(dev_bar(d)) + A_CXL_MB_CMD,
                 CXL_MBOX_OP_SET_LSA | (uint64_t)(8 + len) << 16);
    qtest_writel(qts, MBOX(dev_bar(d)) + A_CXL_MB_CTRL, 1);
    g_assert_cmphex(qtest_readq(qts, MBOX(dev_bar(d)) + A_CXL_MB_STATUS) >> 32,
                    ==, CXL_MBOX_SUCCESS);
}

/* The whole LSA of device @d on @qts, by Get LSA */
static void get_lsa(QTestState *qts, unsigned d, uint8_t *out)
{
    uint32_t off;

    for (off = 0; off < LSA_SIZE; off += LSA_CHUNK) {
        CXLGetLSAIn in = { cpu_to_le32(off), cpu_to_le32(LSA_CHUNK) };

        qtest_memwrite(qts, MBOX(dev_bar(d)) + CXL_MB_PAYLOAD, &in, sizeof(in));
        qtest_writeq(qts, MBOX(dev_bar(d)) + A_CXL_MB_CMD,
                     CXL_MBOX_OP_GET_LSA | (uint64_t)sizeof(in) << 16);
        qtest_writel(qts, MBOX(dev_bar(d)) + A_CXL_MB_CTRL, 1);
        g_assert_cmphex(qtest_readq(qts, MBOX(dev_bar(d)) + A_CXL_MB_STATUS)
                        >> 32, ==, CXL_MBOX_SUCCESS);
        qtest_memread(qts, MBOX(dev_bar(d)) + CXL_MB_PAYLOAD, out + off,
                      LSA_CHUNK);
    }
}

/* Write 8 bytes through the window, aligned, and remember them */
static void write_word(Mig *m, uint64_t off, uint64_t val)
{
    qtest_writeq(m->src.qts, m->window + off, val);
    g_hash_table_insert(m->written, g_memdup(&off, 8), g_memdup(&val, 8));
}

/*
 * A round of writes: @n words scattered over the first WRITE_SPAN bytes of
 * the region (1024 pages, spread over both devices), new values each round
 */
#define WRITE_SPAN      (4 * MiB)

static void write_round(Mig *m, unsigned round, unsigned n)
{
    unsigned i;

    for (i = 0; i < n; i++) {
        uint64_t off = ((uint64_t)(round * 7919 + i) * 2654435761u * 8) %
                       WRITE_SPAN;

        write_word(m, off, 0xc0de000000000000ull | (uint64_t)round << 32 | i);
    }
}

/*
 * The source's migration status (never "failed"), and its dirty-bitmap
 * passes so far in *@syncs
 */
static bool migration_completed(QTestState *qts, unsigned *syncs)
{
    QDict *rsp = qtest_qmp(qts, "{'execute': 'query-migrate'}");
    QDict *ret = qdict_get_qdict(rsp, "return");
    const char *status = qdict_get_try_str(ret, "status");
    bool completed;

    g_assert(status && strcmp(status, "failed"));
    if (syncs && qdict_haskey(ret, "ram")) {
        *syncs = qdict_get_int(qdict_get_qdict(ret, "ram"), "dirty-sync-count");
    }
    completed = !strcmp(status, "completed");
    qobject_unref(rsp);
    return completed;
}

/* Which device and DPA hold window offset @off (2-way, one host bridge) */
static void locate(Mig *m, uint64_t off, unsigned *dev, uint64_t *dpa)
{
    *dev = cxl_interleave_position(off, m->c->gran, DEVS);
    *dpa = cxl_interleave_dpa_offset(off, m->c->gran, DEVS);
}

static void check_files(Mig *m)
{
    const size_t chunk = 4 * MiB;
    g_autofree uint8_t *want = g_malloc(chunk), *got = g_malloc(chunk);
    GPtrArray *by_chunk[DEVS][DEV_SIZE / (4 * MiB)];
    GHashTableIter it;
    gpointer k, v;
    unsigned d, c;

    memset(by_chunk, 0, sizeof(by_chunk));
    g_hash_table_iter_init(&it, m->written);
    while (g_hash_table_iter_next(&it, &k, &v)) {
        uint64_t dpa;

        locate(m, *(uint64_t *)k, &d, &dpa);
        c = dpa / chunk;
        if (!by_chunk[d][c]) {
            by_chunk[d][c] = g_ptr_array_new();
        }
        g_ptr_array_add(by_chunk[d][c], k);
    }
    for (d = 0; d < DEVS; d++) {
        int fd = open(m->dst.file[d], O_RDONLY);
        uint8_t lsa[LSA_SIZE];

        g_assert(fd >= 0);
        for (c = 0; c < DEV_SIZE / chunk; c++) {
            unsigned i;

            memset(want, 0, chunk);
            for (i = 0; by_chunk[d][c] && i < by_chunk[d][c]->len; i++) {
                uint64_t *off = g_ptr_array_index(by_chunk[d][c], i), dpa;
                unsigned dev;

                locate(m, *off, &dev, &dpa);
                memcpy(want + dpa % chunk, g_hash_table_lookup(m->written, off),
                       8);
            }
            g_assert(pread(fd, got, chunk, c * chunk) == chunk);
            if (memcmp(want, got, chunk)) {
                i = 0;
                while (i < chunk && want[i] == got[i]) {
                    i++;
                }
                g_test_message("device %u: DPA 0x%" PRIx64 " holds 0x%02x, "
                               "expected 0x%02x", d, c * chunk + i, got[i],
                               want[i]);
                g_assert_not_reached();
            }
            if (by_chunk[d][c]) {
                g_ptr_array_free(by_chunk[d][c], true);
            }
        }
        close(fd);
        fd = open(m->dst.lsa[d], O_RDONLY);
        g_assert(fd >= 0 && pread(fd, lsa, LSA_SIZE, 0) == LSA_SIZE);
        g_assert(!memcmp(lsa, m->lsa[d], LSA_SIZE));
        close(fd);
    }
}

static void test_migrate(const void *opaque)
{
    g_autofree char *uri = g_strdup_printf("unix:%s/qemu-cxl-mig-%d.sock",
                                           g_get_tmp_dir(), getpid());
    g_autofree char *incoming = g_strdup_printf("-incoming %s", uri);
    Mig *m = g_new0(Mig, 1);
    unsigned d, i, round = 0, syncs = 0, lsa_writes = 0;
    bool early = false;
    GHashTableIter it;
    gpointer k, v;
    QDict *rsp;

    m->c = opaque;
    m->written = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free,
                                       g_free);
    side_start(m, &m->src, "mig-src", "");
    program(m);
    /* Before migration: the whole LSA and a first round of words */
    for (d = 0; d < DEVS; d++) {
        for (i = 0; i < LSA_SIZE; i++) {
            m->lsa[d][i] = g_test_rand_int();
        }
        for (i = 0; i < LSA_SIZE; i += LSA_CHUNK) {
            set_lsa(m, d, i, LSA_CHUNK);
        }
    }
    write_round(m, round++, 4096);

    side_start(m, &m->dst, "mig-dst", incoming);
    /* Slow enough that the writes below keep dirtying pages for a while */
    rsp = qtest_qmp(m->src.qts, "{'execute': 'migrate-set-parameters',"
                    "'arguments': {'max-bandwidth': 8388608,"
                    "'downtime-limit': 1}}");
    g_assert(qdict_haskey(rsp, "return"));
    qobject_unref(rsp);
    rsp = qtest_qmp(m->src.qts, "{'execute': 'migrate', 'arguments':"
                    "{'uri': %s}}", uri);
    g_assert(qdict_haskey(rsp, "return"));
    qobject_unref(rsp);

    /* Write while precopy makes at least four passes over the dirty pages */
    for (;;) {
        early = migration_completed(m->src.qts, &syncs);
        if (syncs >= 4 || early) {
            break;
        }
        write_round(m, round++, 256);
        g_usleep(10 * 1000);
        d = round % DEVS;
        i = (round * 3 % (LSA_SIZE / LSA_CHUNK)) * LSA_CHUNK;
        memset(m->lsa[d] + i, round, LSA_CHUNK / 2);
        set_lsa(m, d, i, LSA_CHUNK / 2);
        lsa_writes++;
    }
    g_test_message("%u rounds of writes and %u Set LSA during %u passes%s",
                   round, lsa_writes, syncs,
                   early ? " (completed early: the data checks come first)"
                         : "");

    /* Now let it finish */
    rsp = qtest_qmp(m->src.qts, "{'execute': 'migrate-set-parameters',"
                    "'arguments': {'max-bandwidth': 4294967296,"
                    "'downtime-limit': 300}}");
    qobject_unref(rsp);
    while (!migration_completed(m->src.qts, NULL)) {
        g_usleep(20 * 1000);
    }
    qtest_qmp_eventwait(m->dst.qts, "RESUME");
    qtest_quit(m->src.qts);
    m->src.qts = NULL;

    /* Every word through the destination's window, every LSA byte */
    g_hash_table_iter_init(&it, m->written);
    while (g_hash_table_iter_next(&it, &k, &v)) {
        g_assert_cmphex(qtest_readq(m->dst.qts, m->window + *(uint64_t *)k),
                        ==, *(uint64_t *)v);
    }
    for (d = 0; d < DEVS; d++) {
        g_autofree uint8_t *lsa = g_malloc(LSA_SIZE);

        get_lsa(m->dst.qts, d, lsa);
        g_assert(!memcmp(lsa, m->lsa[d], LSA_SIZE));
    }
    /* With files: the destination's own files, whole, after it is gone */
    if (m->c->files) {
        qtest_quit(m->dst.qts);
        m->dst.qts = NULL;
        check_files(m);
    }
    /* Only a migration that went on while the writes did proves anything */
    g_assert(!early);
    g_assert_cmpuint(round, >, 4);
    side_stop(m, &m->src);
    side_stop(m, &m->dst);
    g_hash_table_destroy(m->written);
    g_free(m);
}

int main(int argc, char **argv)
{
    static const Case cases[] = {
        { "ram/256", false, 256 },
        { "ram/4k", false, 4096 },
        { "file/256", true, 256 },
        { "file/4k", true, 4096 },
    };
    unsigned i;

    g_test_init(&argc, &argv, NULL);
    for (i = 0; i < ARRAY_SIZE(cases); i++) {
        g_autofree char *path = g_strdup_printf("migrate/%s", cases[i].name);

        cxl_qtest_add(path, test_migrate, &cases[i]);
    }
    return g_test_run();
}
