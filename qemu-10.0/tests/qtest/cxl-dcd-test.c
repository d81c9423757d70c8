/*
 * Dynamic capacity through the window (CXL r3.1 9.13.3): an endpoint
 * decoder over a Type 3 device's DC region reaches only the blocks that
 * an accepted extent backs. The host offers extents with QMP
 * cxl-add-dynamic-capacity and the test, as the guest's driver would,
 * accepts them with Add Dynamic Capacity Response (8.2.9.9.9.3); a word
 * written to an accepted block reads back and is in the DC backend's
 * file, one written elsewhere in the region is dropped and the address
 * reads all ones. After cxl-release-dynamic-capacity and Release
 * Dynamic Capacity (8.2.9.9.9.4) the released block fails the decode at
 * once, while the block still accepted keeps working. DC is never
 * mapped into the guest: cxl-translate says every access traps. The
 * whole DC file is checked at the end.
 *
 * Migration (hw/cxl/cxl-vmstate.c) carries the accepted extents, the
 * extent group still pending and the event logs to a destination with a
 * new, empty DC file: there the accepted block reads back, the pending
 * one is accepted, and Get Event Records returns the same records,
 * byte for byte, as on the source.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "qemu/osdep.h"
#include "cxl-qtest.h"

#define DC_BASE         (256 * MiB)     /* after the persistent capacity */
#define DC_SIZE         (256 * MiB)
#define BLOCK           (2 * MiB)       /* the region's block size */
#define OP_GET_EVENT_RECORDS 0x0100

static uint64_t pattern(uint64_t off)
{
    return 0x5aa5c33c0ff0e11eull ^ (off * 0x9e3779b97f4a7c15ull);
}

/* Offer one extent of region 0 at @off (from the region's base) */
static void offer(QTestState *qts, const char *cmd, const char *policy_key,
                  uint64_t off)
{
    QDict *rsp = qtest_qmp(qts,
        "{'execute': %s, 'arguments': {'path': '/machine/peripheral/t3', "
        "'host-id': 0, %s: 'prescriptive', 'region': 0, "
        "'extents': [{'offset': %" PRIu64 ", 'len': %" PRIu64 "}]}}",
        cmd, policy_key, off, (uint64_t)BLOCK);

    g_assert(qdict_haskey(rsp, "return"));
    qobject_unref(rsp);
}

/* Answer with one extent at DPA @dpa, as the guest's driver does */
static uint16_t answer(Machine *m, uint16_t op, uint64_t dpa)
{
    uint64_t pl = m->mbox + MB_PAYLOAD;

    qtest_writel(m->qts, pl, 1);                /* Updated Extent List Size */
    qtest_writel(m->qts, pl + 4, 0);
    qtest_writeq(m->qts, pl + 8, dpa);
    qtest_writeq(m->qts, pl + 16, BLOCK);
    qtest_writeq(m->qts, pl + 24, 0);
    return mbox_run(m->qts, m->mbox, op, 32, NULL);
}

static char *access_of(QTestState *qts, uint64_t hpa)
{
    QDict *rsp = qtest_qmp(qts, "{'execute': 'cxl-translate', "
                           "'arguments': {'address': %" PRIu64 "}}", hpa);
    QDict *ret = qdict_get_qdict(rsp, "return");
    char *access = g_strdup(qdict_get_try_str(ret, "access"));

    qobject_unref(rsp);
    return access;
}

/* A Type 3 device with 256 MiB of DC in one region, backed by @dc_path */
static void dc_machine(Machine *m, const char *dc_path, const char *extra,
                       bool incoming)
{
    g_autofree char *opts =
        g_strdup_printf(",volatile-dc-memdev=dc0,num-dc-regions=1 "
                        "-object memory-backend-file,id=dc0,mem-path=%s,"
                        "size=256M,share=on%s", dc_path, extra);

    if (incoming) {
        machine_launch(m, "", opts);
    } else {
        machine_start_opts(m, "", opts);
    }
}

static char *dc_file(void)
{
    char *path;
    int fd = g_file_open_tmp("cxl-qtest-dc-XXXXXX", &path, NULL);

    g_assert(fd >= 0 && ftruncate(fd, DC_SIZE) == 0);
    close(fd);
    return path;
}

/* Get Event Records (CXL r3.1 8.2.9.2.2) of event log @log: the output */
static GByteArray *event_records(Machine *m, uint8_t log)
{
    GByteArray *out = g_byte_array_new();
    uint32_t len = 0;

    qtest_writeb(m->qts, m->mbox + MB_PAYLOAD, log);
    g_assert_cmphex(mbox_run(m->qts, m->mbox, OP_GET_EVENT_RECORDS, 1, &len),
                    ==, RC_SUCCESS);
    g_assert_cmpuint(len, >=, 0x20);
    g_byte_array_set_size(out, len);
    qtest_memread(m->qts, m->mbox + MB_PAYLOAD, out->data, len);
    return out;
}

static void test_dc(void)
{
    /* blocks 0 and 2 offered and accepted; block 1 never */
    static const uint64_t at[] = { 0x100, BLOCK + 0x100, 2 * BLOCK + 0x100 };
    g_autofree char *dc_path = dc_file();
    g_autofree uint8_t *buf = g_malloc(DC_SIZE);
    Machine m = { 0 };
    uint64_t off;
    int i;

    dc_machine(&m, dc_path, "", false);

    /* the host bridge to root port 0; the endpoint past its pmem to DC */
    assert_committed(commit(m.qts, m.hdm_hb, 0, WINDOW, 256 * MiB, 0, 0));
    assert_committed(commit(m.qts, m.hdm_ep, 0, WINDOW, 256 * MiB, 0,
                            DC_BASE));

    /* Nothing accepted yet: every block fails the decode */
    qtest_writeq(m.qts, WINDOW + at[0], pattern(at[0]));
    g_assert_cmphex(qtest_readq(m.qts, WINDOW + at[0]), ==, ~0ULL);

    offer(m.qts, "cxl-add-dynamic-capacity", "selection-policy", 0);
    g_assert_cmphex(answer(&m, OP_ADD_DC_RESPONSE, DC_BASE), ==, RC_SUCCESS);
    offer(m.qts, "cxl-add-dynamic-capacity", "selection-policy", 2 * BLOCK);
    g_assert_cmphex(answer(&m, OP_ADD_DC_RESPONSE, DC_BASE + 2 * BLOCK), ==,
                    RC_SUCCESS);

    for (i = 0; i < ARRAY_SIZE(at); i++) {
        g_autofree char *access = access_of(m.qts, WINDOW + at[i]);

        g_assert_cmpstr(access, ==, "trap");
        qtest_writeq(m.qts, WINDOW + at[i], pattern(at[i]));
    }
    g_assert_cmphex(qtest_readq(m.qts, WINDOW + at[0]), ==, pattern(at[0]));
    g_assert_cmphex(qtest_readq(m.qts, WINDOW + at[1]), ==, ~0ULL);
    g_assert_cmphex(qtest_readq(m.qts, WINDOW + at[2]), ==, pattern(at[2]));

    /* Block 0 released: it fails the decode at once; block 2 still works */
    offer(m.qts, "cxl-release-dynamic-capacity", "removal-policy", 0);
    g_assert_cmphex(answer(&m, OP_RELEASE_DC, DC_BASE), ==, RC_SUCCESS);
    g_assert_cmphex(qtest_readq(m.qts, WINDOW + at[0]), ==, ~0ULL);
    qtest_writeq(m.qts, WINDOW + at[0] + 8, pattern(at[0] + 8));
    g_assert_cmphex(qtest_readq(m.qts, WINDOW + at[2]), ==, pattern(at[2]));
    machine_end(&m);

    /* The DC file: the two words written while their blocks were backed */
    cxl_qtest_read_file(dc_path, buf, DC_SIZE);
    for (off = 0; off < DC_SIZE; off += 8) {
        uint64_t want = (off == at[0] || off == at[2]) ? pattern(off) : 0;

        if (ldq_le_p(buf + off) != want) {
            g_error("DC file offset 0x%" PRIx64 ": 0x%" PRIx64
                    ", expected 0x%" PRIx64, off, ldq_le_p(buf + off), want);
        }
    }
    unlink(dc_path);
}

static void test_migrate(void)
{
    g_autofree char *uri = g_strdup_printf("unix:%s/qemu-cxl-dcmig-%d.sock",
                                           g_get_tmp_dir(), getpid());
    g_autofree char *incoming = g_strdup_printf(" -incoming %s", uri);
    g_autofree char *src_dc = dc_file(), *dst_dc = dc_file();
    g_autoptr(GByteArray) src_info = NULL, src_dcd = NULL;
    g_autoptr(GByteArray) dst_info = NULL, dst_dcd = NULL;
    Machine src = { 0 }, dst = { 0 };
    QDict *rsp;

    dc_machine(&src, src_dc, "", false);
    assert_committed(commit(src.qts, src.hdm_hb, 0, WINDOW, 256 * MiB, 0, 0));
    assert_committed(commit(src.qts, src.hdm_ep, 0, WINDOW, 256 * MiB, 0,
                            DC_BASE));
    /* Block 0 accepted and written; block 2 offered, still pending */
    offer(src.qts, "cxl-add-dynamic-capacity", "selection-policy", 0);
    g_assert_cmphex(answer(&src, OP_ADD_DC_RESPONSE, DC_BASE), ==,
                    RC_SUCCESS);
    qtest_writeq(src.qts, WINDOW + 0x100, pattern(0x100));
    offer(src.qts, "cxl-add-dynamic-capacity", "selection-policy",
          2 * BLOCK);
    /* A General Media event in the Informational log */
    rsp = qtest_qmp(src.qts, "{'execute': 'cxl-inject-general-media-event', "
                    "'arguments': {'path': '/machine/peripheral/t3', "
                    "'log': 'informational', 'flags': 0, 'dpa': %" PRIu64 ", "
                    "'descriptor': 1, 'type': 0, 'transaction-type': 1}}",
                    (uint64_t)DC_BASE + 0x100);
    g_assert(qdict_haskey(rsp, "return"));
    qobject_unref(rsp);
    src_info = event_records(&src, 0);
    src_dcd = event_records(&src, 4);
    g_assert_cmpuint(lduw_le_p(src_info->data + 0x14), ==, 1);
    g_assert_cmpuint(lduw_le_p(src_dcd->data + 0x14), ==, 2);

    dc_machine(&dst, dst_dc, incoming, true);
    cxl_qtest_migrate(src.qts, dst.qts, uri);
    /* The destination's registers are where the source's firmware put them */
    dst.hdm_hb = src.hdm_hb;
    dst.hdm_ep = src.hdm_ep;
    dst.mbox = src.mbox;
    machine_end(&src);
    unlink(src_dc);

    g_assert_cmphex(qtest_readq(dst.qts, WINDOW + 0x100), ==, pattern(0x100));
    g_assert_cmphex(qtest_readq(dst.qts, WINDOW + BLOCK + 0x100), ==, ~0ULL);
    g_assert_cmphex(qtest_readq(dst.qts, WINDOW + 2 * BLOCK + 0x100), ==,
                    ~0ULL);
    dst_info = event_records(&dst, 0);
    dst_dcd = event_records(&dst, 4);
    g_assert_cmpuint(dst_info->len, ==, src_info->len);
    g_assert(!memcmp(dst_info->data, src_info->data, src_info->len));
    g_assert_cmpuint(dst_dcd->len, ==, src_dcd->len);
    g_assert(!memcmp(dst_dcd->data, src_dcd->data, src_dcd->len));
    /* The pending group came too: the guest can accept it now */
    g_assert_cmphex(answer(&dst, OP_ADD_DC_RESPONSE, DC_BASE + 2 * BLOCK), ==,
                    RC_SUCCESS);
    qtest_writeq(dst.qts, WINDOW + 2 * BLOCK + 0x100,
                 pattern(2 * BLOCK + 0x100));
    g_assert_cmphex(qtest_readq(dst.qts, WINDOW + 2 * BLOCK + 0x100), ==,
                    pattern(2 * BLOCK + 0x100));
    machine_end(&dst);
    unlink(dst_dc);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    cxl_qtest_add_func_both("/dcd/window", test_dc);
    qtest_add_func("/cxl/dcd/migrate", test_migrate);
    return g_test_run();
}
