/*
 * Migration with CXL memory (hw/cxl/cxl-vmstate.c): the capacity and the
 * label storage area of every cxl-type3, and what the guest programmed and
 * can read back of every CXL component, move to a destination whose
 * backends start empty (memory-backend-ram on both sides, or new files),
 * while the test keeps writing through an interleaved window and the
 * mailbox during the migration, throttled so that precopy needs several
 * dirty-bitmap passes. Afterwards every word written is read back through
 * the destination's window and found in the destination's files at the
 * device and DPA the interleave gives (every other byte zero), every LSA
 * byte matches, the decoders read as committed, and state held in the
 * devices' lists moves too: an injected poison record (Get Poison List)
 * and the alert configuration (Get Alert Configuration).
 *
 * Topology: one host bridge, two root ports, a Type 3 device on each
 * (256 MiB persistent, 128 KiB LSA); a 2-way region at 256 B (every
 * access trapped) or at 4 KiB (pages mapped to the devices).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "qemu/osdep.h"
#include "qemu/bswap.h"
#include "qemu/host-utils.h"
#include "cxl-qtest.h"

#define DEVS            2
#define DEV_SIZE        (256ull * MiB)
#define REGION_SIZE     (DEV_SIZE * DEVS)
#define LSA_SIZE        (128 * KiB)
#define LSA_CHUNK       1024
#define OP_GET_POISON   0x4300
#define OP_GET_ALERT    0x4201
#define OP_SET_ALERT    0x4202
#define POISON_DPA      (64 * MiB)

typedef struct Case {
    const char *name;
    bool files;                 /* memory-backend-file, else -ram */
    unsigned gran;
} Case;

typedef struct Side {
    QTestState *qts;
    char *file[DEVS], *lsa[DEVS];
    uint64_t hdm_ep[DEVS], mbox[DEVS], hdm_hb;
} Side;

typedef struct Mig {
    const Case *c;
    Side src, dst;
    GHashTable *written;        /* window offset -> last 8-byte value */
    uint8_t lsa[DEVS][LSA_SIZE];
} Mig;

static char *new_file(const char *tag, uint64_t size)
{
    g_autofree char *tmpl = g_strdup_printf("cxl-%s-XXXXXX", tag);
    char *path;
    int fd = g_file_open_tmp(tmpl, &path, NULL);

    g_assert(fd >= 0 && ftruncate(fd, size) == 0);
    close(fd);
    return path;
}

static void side_start(Mig *m, Side *s, const char *tag, const char *extra)
{
    g_autoptr(GString) cmd = g_string_new("-machine q35,cxl=on -m 512M ");
    unsigned d;

    g_string_append_printf(cmd, "-device pxb-cxl,id=cxl.0,bus=pcie.0,"
                           "bus_nr=%d ", HB_BUS);
    for (d = 0; d < DEVS; d++) {
        if (m->c->files) {
            s->file[d] = new_file(tag, DEV_SIZE);
            s->lsa[d] = new_file(tag, LSA_SIZE);
            g_string_append_printf(cmd,
                "-object memory-backend-file,id=m%u,share=on,mem-path=%s,"
                "size=256M -object memory-backend-file,id=l%u,share=on,"
                "mem-path=%s,size=128K ", d, s->file[d], d, s->lsa[d]);
        } else {
            g_string_append_printf(cmd,
                "-object memory-backend-ram,id=m%u,size=256M "
                "-object memory-backend-ram,id=l%u,size=128K ", d, d);
        }
        g_string_append_printf(cmd,
            "-device cxl-rp,id=rp%u,bus=cxl.0,addr=%u.0,chassis=0,slot=%u,"
            "port=%u -device cxl-type3,bus=rp%u,persistent-memdev=m%u,"
            "lsa=l%u,id=t%u ", d, d, d, d, d, d, d, d);
    }
    g_string_append_printf(cmd, "-M cxl-fmw.0.targets.0=cxl.0,"
                           "cxl-fmw.0.size=4G,"
                           "cxl-fmw.0.interleave-granularity=%u %s",
                           m->c->gran, extra);
    s->qts = qtest_init(cmd->str);
}

static void side_stop(Side *s)
{
    unsigned d;

    if (s->qts) {
        qtest_quit(s->qts);
        s->qts = NULL;
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

static uint64_t dev_regs(unsigned d)
{
    return BAR_BASE + d * 16 * MiB;
}

/*
 * Where the registers the test uses are, found through the capability
 * arrays; on the destination this reads what the migration brought
 */
static void find_registers(Side *s)
{
    unsigned d;

    s->hdm_hb = cachemem_cap(s->qts, CHBCR + CACHEMEM, 5);
    g_assert(s->hdm_hb);
    for (d = 0; d < DEVS; d++) {
        s->hdm_ep[d] = cachemem_cap(s->qts, dev_regs(d) + CACHEMEM, 5);
        s->mbox[d] = device_cap(s->qts, dev_regs(d) + 64 * KiB, 2);
        g_assert(s->hdm_ep[d] && s->mbox[d]);
    }
}

/* Firmware's and the driver's work: buses, BARs, the 2-way region */
static void program(Mig *m)
{
    QTestState *qts = m->src.qts;
    uint32_t ig = ctz32(m->c->gran) - 8;
    unsigned d;

    qtest_outl(qts, 0xcf8, 0x80000060);
    qtest_outl(qts, 0xcfc, ECAM | 1);
    for (d = 0; d < DEVS; d++) {
        int bus = RP_BUS + d;
        uint64_t comp = dev_regs(d);

        qtest_writeb(qts, ecam(HB_BUS, d << 3, PCI_SECONDARY_BUS), bus);
        qtest_writeb(qts, ecam(HB_BUS, d << 3, PCI_SUBORDINATE_BUS), bus);
        qtest_writew(qts, ecam(HB_BUS, d << 3, PCI_MEMORY_BASE), comp >> 16);
        qtest_writew(qts, ecam(HB_BUS, d << 3, PCI_MEMORY_LIMIT),
                     (comp + 16 * MiB - 1) >> 16);
        qtest_writew(qts, ecam(HB_BUS, d << 3, PCI_COMMAND),
                     PCI_COMMAND_MEMORY);
        g_assert_cmpuint(place_bar(qts, bus, 0, 0, comp), <=, 64 * KiB);
        place_bar(qts, bus, 0, 2, comp + 64 * KiB);
        qtest_writew(qts, ecam(bus, 0, PCI_COMMAND), PCI_COMMAND_MEMORY);
    }
    find_registers(&m->src);
    for (d = 0; d < DEVS; d++) {
        assert_committed(commit(qts, m->src.hdm_ep[d], 0, WINDOW,
                                REGION_SIZE, CTRL_IW(1) | CTRL_IG(ig), 0));
    }
    /* The host bridge: root port d (port number d) is way d */
    assert_committed(commit(qts, m->src.hdm_hb, 0, WINDOW, REGION_SIZE,
                            CTRL_IW(1) | CTRL_IG(ig), 0x0100));
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
    qtest_memwrite(qts, m->src.mbox[d] + MB_PAYLOAD, buf, 8 + len);
    g_assert_cmphex(mbox_run(qts, m->src.mbox[d], OP_SET_LSA, 8 + len, NULL),
                    ==, RC_SUCCESS);
}

/* The whole LSA of device @d of @s, by Get LSA */
static void get_lsa(Side *s, unsigned d, uint8_t *out)
{
    uint32_t off;

    for (off = 0; off < LSA_SIZE; off += LSA_CHUNK) {
        uint32_t in[2] = { cpu_to_le32(off), cpu_to_le32(LSA_CHUNK) };

        qtest_memwrite(s->qts, s->mbox[d] + MB_PAYLOAD, in, sizeof(in));
        g_assert_cmphex(mbox_run(s->qts, s->mbox[d], OP_GET_LSA, sizeof(in),
                                 NULL), ==, RC_SUCCESS);
        qtest_memread(s->qts, s->mbox[d] + MB_PAYLOAD, out + off, LSA_CHUNK);
    }
}

/*
 * Device state beyond registers: a poison record on device 0
 * (cxl-inject-poison) and device 1's alert configuration (Set Alert
 * Configuration, CXL r3.1 8.2.9.9.3.3: enable the life-used warning at
 * 42%)
 */
static void set_device_state(Mig *m)
{
    uint8_t alert[12] = { 0x01, 0x01, 42 };
    QDict *rsp;

    rsp = qtest_qmp(m->src.qts, "{'execute': 'cxl-inject-poison', "
                    "'arguments': {'path': '/machine/peripheral/t0', "
                    "'start': %" PRIu64 ", 'length': 64}}", POISON_DPA);
    g_assert(qdict_haskey(rsp, "return"));
    qobject_unref(rsp);
    qtest_memwrite(m->src.qts, m->src.mbox[1] + MB_PAYLOAD, alert,
                   sizeof(alert));
    g_assert_cmphex(mbox_run(m->src.qts, m->src.mbox[1], OP_SET_ALERT,
                             sizeof(alert), NULL), ==, RC_SUCCESS);
}

static void check_device_state(Side *s)
{
    uint8_t in[16] = { 0 }, out[64];
    uint32_t len;

    /* Get Poison List (CXL r3.1 8.2.9.9.4.1) over the device's capacity */
    stq_le_p(in + 8, DEV_SIZE / 64);
    qtest_memwrite(s->qts, s->mbox[0] + MB_PAYLOAD, in, sizeof(in));
    g_assert_cmphex(mbox_run(s->qts, s->mbox[0], OP_GET_POISON, sizeof(in),
                             &len), ==, RC_SUCCESS);
    g_assert_cmpuint(len, ==, 32 + 16);
    qtest_memread(s->qts, s->mbox[0] + MB_PAYLOAD, out, len);
    g_assert_cmpuint(lduw_le_p(out + 0x0a), ==, 1);         /* records */
    g_assert_cmphex(ldq_le_p(out + 0x20) & ~0x3full, ==, POISON_DPA);
    g_assert_cmpuint(ldl_le_p(out + 0x28), ==, 1);          /* 64 B units */

    /* Get Alert Configuration (8.2.9.9.3.2): enabled, 42% */
    g_assert_cmphex(mbox_run(s->qts, s->mbox[1], OP_GET_ALERT, 0, &len),
                    ==, RC_SUCCESS);
    g_assert_cmpuint(len, ==, 16);
    qtest_memread(s->qts, s->mbox[1] + MB_PAYLOAD, out, 16);
    g_assert_cmphex(out[0], ==, 0x01);
    g_assert_cmpuint(out[3], ==, 42);
}

/* Write 8 bytes through the window, aligned, and remember them */
static void write_word(Mig *m, uint64_t off, uint64_t val)
{
    qtest_writeq(m->src.qts, WINDOW + off, val);
    g_hash_table_insert(m->written, g_memdup2(&off, 8), g_memdup2(&val, 8));
}

/*
 * A round of writes: @n words scattered over the first WRITE_SPAN bytes of
 * the region (1024 pages, over both devices), new values each round
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

/* Which device and DPA hold window offset @off (2 ways, one bridge) */
static void locate(Mig *m, uint64_t off, unsigned *dev, uint64_t *dpa)
{
    uint64_t chunk = off / m->c->gran;

    *dev = chunk % DEVS;
    *dpa = chunk / DEVS * m->c->gran + off % m->c->gran;
}

static void check_files(Mig *m)
{
    g_autofree uint8_t *want = g_malloc0(DEV_SIZE);
    g_autofree uint8_t *got = g_malloc(DEV_SIZE);
    unsigned d;

    for (d = 0; d < DEVS; d++) {
        g_autofree uint8_t *lsa = g_malloc(LSA_SIZE);
        GHashTableIter it;
        gpointer k, v;
        uint64_t i;

        memset(want, 0, DEV_SIZE);
        g_hash_table_iter_init(&it, m->written);
        while (g_hash_table_iter_next(&it, &k, &v)) {
            unsigned dev;
            uint64_t dpa;

            locate(m, *(uint64_t *)k, &dev, &dpa);
            if (dev == d) {
                memcpy(want + dpa, v, 8);
            }
        }
        cxl_qtest_read_file(m->dst.file[d], got, DEV_SIZE);
        if (memcmp(want, got, DEV_SIZE)) {
            i = 0;
            while (want[i] == got[i]) {
                i++;
            }
            g_error("device %u: DPA 0x%" PRIx64 " holds 0x%02x, expected "
                    "0x%02x", d, i, got[i], want[i]);
        }
        cxl_qtest_read_file(m->dst.lsa[d], lsa, LSA_SIZE);
        g_assert(!memcmp(lsa, m->lsa[d], LSA_SIZE));
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
    set_device_state(m);
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
        early = cxl_qtest_migration_completed(m->src.qts, &syncs);
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
    while (!cxl_qtest_migration_completed(m->src.qts, NULL)) {
        g_usleep(20 * 1000);
    }
    qtest_qmp_eventwait(m->dst.qts, "RESUME");
    qtest_quit(m->src.qts);
    m->src.qts = NULL;

    /* The destination: its registers, as the guest left them */
    find_registers(&m->dst);
    for (d = 0; d < DEVS; d++) {
        g_assert_cmphex(qtest_readl(m->dst.qts, m->dst.hdm_ep[d] + 0x20) &
                        CTRL_COMMITTED, ==, CTRL_COMMITTED);
    }
    g_assert_cmphex(qtest_readl(m->dst.qts, m->dst.hdm_hb + 0x20) &
                    CTRL_COMMITTED, ==, CTRL_COMMITTED);
    check_device_state(&m->dst);
    /* Every word through the destination's window, every LSA byte */
    g_hash_table_iter_init(&it, m->written);
    while (g_hash_table_iter_next(&it, &k, &v)) {
        g_assert_cmphex(qtest_readq(m->dst.qts, WINDOW + *(uint64_t *)k),
                        ==, *(uint64_t *)v);
    }
    for (d = 0; d < DEVS; d++) {
        g_autofree uint8_t *lsa = g_malloc(LSA_SIZE);

        get_lsa(&m->dst, d, lsa);
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
    side_stop(&m->src);
    side_stop(&m->dst);
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
        g_autofree char *path = g_strdup_printf("/cxl/migrate/%s",
                                                cases[i].name);

        qtest_add_data_func(path, &cases[i], test_migrate);
    }
    return g_test_run();
}
