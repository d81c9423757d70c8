/*
 * qtests for the CXL 2.0 topology: machines with pxb-cxl host bridges,
 * cxl-rp root ports and cxl-type3 devices start; config space, DVSECs and
 * registers read back the spec's values; the mailbox answers per spec;
 * bad command lines are refused with one message and exit status 1.
 *
 * There is no firmware under qtest, so the test enables q35's ECAM and
 * numbers the buses and BARs itself, as firmware would.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "qemu/osdep.h"
#include "libqos/libqtest.h"
#include "qemu/bswap.h"
#include "qemu/units.h"
#include "qapi/qmp/qdict.h"
#include "qapi/qmp/qlist.h"
#include "hw/pci/pci_regs.h"
#include "hw/cxl/cxl-regs.h"

#define ECAM_BASE           0xb0000000ull
#define Q35_PCIEXBAR        0x60
#define BAR_BASE            0xe0000000ull
#define CXL_HB_BUS          12
#define CXL_EP_BUS          13

/* Our register layout (include/hw/cxl/cxl-device.h) */
#define DEV_REGS            0x10000
#define MBOX                (DEV_REGS + 0x100)
#define MEMDEV_STATUS       (DEV_REGS + 0x90)

static uint64_t ecam(int bus, int devfn, int off)
{
    return ECAM_BASE | bus << 20 | devfn << 12 | off;
}

static char *tmp_file(const char *name, size_t size)
{
    char *path = g_strdup_printf("%s/qemu-cxl-test-%d-%s", g_get_tmp_dir(),
                                 getpid(), name);
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);

    g_assert(fd >= 0);
    g_assert(ftruncate(fd, size) == 0);
    close(fd);
    return path;
}

typedef struct Fixture {
    QTestState *qts;
    char *mem_path;
    char *lsa_path;
} Fixture;

/*
 * One host bridge, one root port, one Type 3 device: pmem 256M + LSA 1M;
 * the command line of upstream QEMU's documentation, which must keep working.
 */
static void setup_one_share(Fixture *f, const char *extra, bool share)
{
    f->mem_path = tmp_file("m0", 256 << 20);
    f->lsa_path = tmp_file("l0", 1 << 20);
    f->qts = qtest_initf(
        "-M q35,cxl=on -m 2G,maxmem=4G,slots=4 "
        "-object memory-backend-file,id=m0,share=%s,mem-path=%s,size=256M "
        "-object memory-backend-file,id=l0,share=%s,mem-path=%s,size=1M "
        "-device pxb-cxl,bus_nr=%d,bus=pcie.0,id=cxl.1 "
        "-device cxl-rp,port=0,bus=cxl.1,id=rp0,chassis=0,slot=2 "
        "-device cxl-type3,bus=rp0,persistent-memdev=m0,lsa=l0,id=mem0,sn=0x1234 "
        "-M cxl-fmw.0.targets.0=cxl.1,cxl-fmw.0.size=4G %s",
        share ? "on" : "off", f->mem_path, share ? "on" : "off", f->lsa_path,
        CXL_HB_BUS, extra ? extra : "");

    /* Firmware's work: ECAM at 0xb0000000, bus numbers, the BAR */
    qtest_outl(f->qts, 0xcf8, 0x80000000 | Q35_PCIEXBAR);
    qtest_outl(f->qts, 0xcfc, ECAM_BASE | 1);
    qtest_outl(f->qts, 0xcf8, 0x80000000 | (Q35_PCIEXBAR + 4));
    qtest_outl(f->qts, 0xcfc, 0);
    qtest_writeb(f->qts, ecam(CXL_HB_BUS, 0, PCI_PRIMARY_BUS), CXL_HB_BUS);
    qtest_writeb(f->qts, ecam(CXL_HB_BUS, 0, PCI_SECONDARY_BUS), CXL_EP_BUS);
    qtest_writeb(f->qts, ecam(CXL_HB_BUS, 0, PCI_SUBORDINATE_BUS), CXL_EP_BUS);
    qtest_writew(f->qts, ecam(CXL_HB_BUS, 0, PCI_MEMORY_BASE), BAR_BASE >> 16);
    qtest_writew(f->qts, ecam(CXL_HB_BUS, 0, PCI_MEMORY_LIMIT),
                 (BAR_BASE + 0xfffff) >> 16);
    qtest_writew(f->qts, ecam(CXL_HB_BUS, 0, PCI_COMMAND), PCI_COMMAND_MEMORY);
    qtest_writel(f->qts, ecam(CXL_EP_BUS, 0, PCI_BASE_ADDRESS_2), BAR_BASE);
    qtest_writel(f->qts, ecam(CXL_EP_BUS, 0, PCI_BASE_ADDRESS_3), 0);
    qtest_writew(f->qts, ecam(CXL_EP_BUS, 0, PCI_COMMAND), PCI_COMMAND_MEMORY);
}

static void setup_one(Fixture *f, const char *extra)
{
    setup_one_share(f, extra, true);
}

static void teardown(Fixture *f)
{
    qtest_quit(f->qts);
    unlink(f->mem_path);
    unlink(f->lsa_path);
    g_free(f->mem_path);
    g_free(f->lsa_path);
}

/* Offset of the DVSEC with @id in extended config space, or 0 */
static int find_dvsec(QTestState *qts, int bus, int devfn, uint16_t id)
{
    int off = 0x100;

    while (off) {
        uint32_t hdr = qtest_readl(qts, ecam(bus, devfn, off));
        if ((hdr & 0xffff) == PCIE_EXT_CAP_ID_DVSEC &&
            (qtest_readl(qts, ecam(bus, devfn, off + DVSEC_HEADER1)) & 0xffff) ==
                CXL_VENDOR_ID &&
            qtest_readw(qts, ecam(bus, devfn, off + DVSEC_HEADER2)) == id) {
            return off;
        }
        off = hdr >> 20;
    }
    return 0;
}

static void test_config_space(void)
{
    Fixture f;
    int dev, reg, off;
    uint32_t lo;

    setup_one(&f, NULL);
    /* Class code 0x050210: memory controller, CXL, CXL.mem device */
    g_assert_cmphex(qtest_readl(f.qts, ecam(CXL_EP_BUS, 0, PCI_CLASS_REVISION)) >> 8,
                    ==, 0x050210);
    /* Device Serial Number capability carries sn */
    off = 0x100;
    g_assert_cmphex(qtest_readl(f.qts, ecam(CXL_EP_BUS, 0, off)) & 0xffff, ==, 0x0003);
    g_assert_cmphex(qtest_readl(f.qts, ecam(CXL_EP_BUS, 0, off + 4)), ==, 0x1234);

    /* CXL 2.0 8.1.3: mem capable, one range, 256 MiB, valid and active */
    dev = find_dvsec(f.qts, CXL_EP_BUS, 0, CXL_DVSEC_PCIE_DEVICE);
    g_assert(dev);
    g_assert_cmphex(qtest_readw(f.qts, ecam(CXL_EP_BUS, 0, dev + A_DVSEC_DEV_CAP)) &
                    (R_DVSEC_DEV_CAP_MEM_CAPABLE_MASK | R_DVSEC_DEV_CAP_HDM_COUNT_MASK),
                    ==, R_DVSEC_DEV_CAP_MEM_CAPABLE_MASK |
                    1 << R_DVSEC_DEV_CAP_HDM_COUNT_SHIFT);
    lo = qtest_readl(f.qts, ecam(CXL_EP_BUS, 0, dev + A_DVSEC_RANGE1_SIZE_LO));
    g_assert(FIELD_EX32(lo, DVSEC_RANGE1_SIZE_LO, MEM_INFO_VALID));
    g_assert(FIELD_EX32(lo, DVSEC_RANGE1_SIZE_LO, MEM_ACTIVE));
    g_assert_cmphex(lo & 0xf0000000, ==, 0x10000000);
    g_assert_cmphex(qtest_readl(f.qts, ecam(CXL_EP_BUS, 0, dev + A_DVSEC_RANGE1_SIZE_HI)),
                    ==, 0);
    /* Mem_Enable resets to 0 and is writable */
    g_assert_cmphex(qtest_readw(f.qts, ecam(CXL_EP_BUS, 0, dev + A_DVSEC_DEV_CTRL)),
                    ==, 0);
    qtest_writew(f.qts, ecam(CXL_EP_BUS, 0, dev + A_DVSEC_DEV_CTRL), 0xffff);
    g_assert_cmphex(qtest_readw(f.qts, ecam(CXL_EP_BUS, 0, dev + A_DVSEC_DEV_CTRL)),
                    ==, R_DVSEC_DEV_CTRL_MEM_ENABLE_MASK);

    /* CXL 2.0 8.1.9: component block and memdev block in BAR2 */
    reg = find_dvsec(f.qts, CXL_EP_BUS, 0, CXL_DVSEC_REGISTER_LOCATOR);
    g_assert(reg);
    g_assert_cmphex(qtest_readl(f.qts, ecam(CXL_EP_BUS, 0, reg + 0xc)), ==, 0x00000102);
    g_assert_cmphex(qtest_readl(f.qts, ecam(CXL_EP_BUS, 0, reg + 0x14)), ==, 0x00010302);
    g_assert(find_dvsec(f.qts, CXL_EP_BUS, 0, CXL_DVSEC_DEVICE_GPF));
    g_assert(find_dvsec(f.qts, CXL_EP_BUS, 0, CXL_DVSEC_FLEXBUS_PORT));

    /* The root port: port DVSECs and a register locator for BAR0 */
    g_assert(find_dvsec(f.qts, CXL_HB_BUS, 0, CXL_DVSEC_PORT_EXTENSIONS));
    g_assert(find_dvsec(f.qts, CXL_HB_BUS, 0, CXL_DVSEC_PORT_GPF));
    g_assert(find_dvsec(f.qts, CXL_HB_BUS, 0, CXL_DVSEC_FLEXBUS_PORT));
    reg = find_dvsec(f.qts, CXL_HB_BUS, 0, CXL_DVSEC_REGISTER_LOCATOR);
    g_assert(reg);
    g_assert_cmphex(qtest_readl(f.qts, ecam(CXL_HB_BUS, 0, reg + 0xc)), ==, 0x00000100);
    teardown(&f);
}

static void test_registers(void)
{
    Fixture f;
    uint64_t v;
    uint32_t cap;
    int i;

    setup_one(&f, NULL);
    /* CXL 2.0 8.2.8.1: capability array, 3 capabilities */
    v = qtest_readq(f.qts, BAR_BASE + DEV_REGS);
    g_assert_cmphex(v & 0xffff, ==, 0);
    g_assert_cmpuint((v >> 32) & 0xffff, ==, 3);
    for (i = 1; i <= 3; i++) {
        uint16_t id = qtest_readl(f.qts, BAR_BASE + DEV_REGS + 0x10 * i) & 0xffff;
        uint32_t len = qtest_readl(f.qts, BAR_BASE + DEV_REGS + 0x10 * i + 8);
        g_assert(id == CXL_DEV_CAP_ID_DEVICE_STATUS ||
                 id == CXL_DEV_CAP_ID_PRIMARY_MAILBOX ||
                 id == CXL_DEV_CAP_ID_MEMDEV_STATUS);
        g_assert_cmpuint(len, >, 0);
    }
    /* CXL 2.0 8.2.8.5: media ready, mailbox ready */
    v = qtest_readq(f.qts, BAR_BASE + MEMDEV_STATUS);
    g_assert_cmpuint(FIELD_EX64(v, CXL_MEMDEV_STATUS, MEDIA_STATUS), ==, CXL_MEDIA_READY);
    g_assert_cmpuint(FIELD_EX64(v, CXL_MEMDEV_STATUS, MBOX_READY), ==, 1);
    /* Mailbox payload at least 256 B (8.2.8.4.3) */
    cap = qtest_readl(f.qts, BAR_BASE + MBOX + A_CXL_MB_CAP);
    g_assert_cmpuint(FIELD_EX32(cap, CXL_MB_CAP, PAYLOAD_SIZE), >=, 8);

    /* CXL 2.0 8.2.5.1: capability header array at 4 KiB, HDM decoders */
    cap = qtest_readl(f.qts, BAR_BASE + CXL_CACHEMEM_OFFSET);
    g_assert_cmphex(FIELD_EX32(cap, CXL_CAPABILITY_HEADER, ID), ==, CXL_CAP_ID_CXL);
    for (i = 1; i <= FIELD_EX32(cap, CXL_CAPABILITY_HEADER, ARRAY_SIZE); i++) {
        uint32_t h = qtest_readl(f.qts, BAR_BASE + CXL_CACHEMEM_OFFSET + 4 * i);
        if (FIELD_EX32(h, CXL_CAP_HDR, ID) == CXL_CAP_ID_HDM_DECODER) {
            uint64_t hdm = BAR_BASE + CXL_CACHEMEM_OFFSET +
                           FIELD_EX32(h, CXL_CAP_HDR, POINTER);
            uint32_t c = qtest_readl(f.qts, hdm + A_CXL_HDM_DECODER_CAP);
            /* 4 decoders are encoded as 2 (8.2.5.12.1) */
            g_assert_cmpuint(FIELD_EX32(c, CXL_HDM_DECODER_CAP, DECODER_COUNT), ==, 2);
            /* Global control resets to 0; HDM Decoder Enable is writable */
            g_assert_cmphex(qtest_readl(f.qts, hdm + A_CXL_HDM_GLOBAL_CTRL), ==, 0);
            qtest_writel(f.qts, hdm + A_CXL_HDM_GLOBAL_CTRL, 0xffffffff);
            g_assert_cmphex(qtest_readl(f.qts, hdm + A_CXL_HDM_GLOBAL_CTRL), ==,
                            R_CXL_HDM_GLOBAL_CTRL_HDM_DECODER_ENABLE_MASK);
            /* Decoder 1 cannot commit before decoder 0: error bit */
            qtest_writel(f.qts, hdm + A_CXL_HDM_DECODER0_CTRL + 0x20,
                         R_CXL_HDM_DECODER0_CTRL_COMMIT_MASK);
            c = qtest_readl(f.qts, hdm + A_CXL_HDM_DECODER0_CTRL + 0x20);
            g_assert(FIELD_EX32(c, CXL_HDM_DECODER0_CTRL, ERR_NOT_COMMITTED));
            g_assert(!FIELD_EX32(c, CXL_HDM_DECODER0_CTRL, COMMITTED));
            teardown(&f);
            return;
        }
    }
    g_assert_not_reached();
}

/* Run one mailbox command; returns the return code, *out_len the length */
static uint16_t mbox(QTestState *qts, uint16_t op, const void *in, size_t in_len,
                     void *out, size_t *out_len)
{
    uint64_t cmd = op | (uint64_t)in_len << 16;

    if (in && in_len) {
        qtest_memwrite(qts, BAR_BASE + MBOX + CXL_MB_PAYLOAD, in, in_len);
    }
    qtest_writeq(qts, BAR_BASE + MBOX + A_CXL_MB_CMD, cmd);
    qtest_writel(qts, BAR_BASE + MBOX + A_CXL_MB_CTRL, 1);
    g_assert_cmphex(qtest_readl(qts, BAR_BASE + MBOX + A_CXL_MB_CTRL) & 1, ==, 0);
    cmd = qtest_readq(qts, BAR_BASE + MBOX + A_CXL_MB_CMD);
    if (out_len) {
        *out_len = (cmd >> 16) & 0x1fffff;
        if (out && *out_len) {
            qtest_memread(qts, BAR_BASE + MBOX + CXL_MB_PAYLOAD, out, *out_len);
        }
    }
    return qtest_readq(qts, BAR_BASE + MBOX + A_CXL_MB_STATUS) >> 32;
}

static void test_mailbox(void)
{
    static const uint8_t cel_uuid[16] = CXL_CEL_UUID;
    static const uint16_t implemented[] = {
        0x0100, 0x0101, 0x0102, 0x0103, 0x0300, 0x0301, 0x0400, 0x0401,
        0x4000, 0x4100, 0x4102, 0x4103, 0x4200, 0x4201, 0x4202, 0x4300,
    };
    Fixture f;
    uint8_t buf[2048], in[64];
    size_t len, i;
    CXLIdentifyOut id;
    CXLGetLogIn gl;
    FILE *lsa;

    setup_one(&f, NULL);
    /* Identify: 0x43 bytes, 256 MiB persistent, 1 MiB LSA */
    g_assert_cmphex(mbox(f.qts, CXL_MBOX_OP_IDENTIFY_MEMORY_DEVICE, NULL, 0,
                         &id, &len), ==, CXL_MBOX_SUCCESS);
    g_assert_cmpuint(len, ==, sizeof(id));
    g_assert_cmpuint(le64_to_cpu(id.total_capacity), ==, 1);
    g_assert_cmpuint(le64_to_cpu(id.persistent_capacity), ==, 1);
    g_assert_cmpuint(le64_to_cpu(id.volatile_capacity), ==, 0);
    g_assert_cmpuint(le32_to_cpu(id.lsa_size), ==, 1 << 20);
    /* Partition info: 0x20 bytes */
    g_assert_cmphex(mbox(f.qts, CXL_MBOX_OP_GET_PARTITION_INFO, NULL, 0, buf, &len),
                    ==, CXL_MBOX_SUCCESS);
    g_assert_cmpuint(len, ==, 0x20);
    g_assert_cmpuint(ldq_le_p(buf + 8), ==, 1);

    /* Supported logs: the CEL; the CEL lists exactly what is implemented */
    g_assert_cmphex(mbox(f.qts, CXL_MBOX_OP_GET_SUPPORTED_LOGS, NULL, 0, buf, &len),
                    ==, CXL_MBOX_SUCCESS);
    g_assert_cmpuint(lduw_le_p(buf), ==, 1);
    g_assert(!memcmp(buf + 8, cel_uuid, 16));
    g_assert_cmpuint(ldl_le_p(buf + 24), ==, 4 * ARRAY_SIZE(implemented));
    memcpy(gl.uuid, cel_uuid, 16);
    gl.offset = 0;
    gl.length = cpu_to_le32(4 * ARRAY_SIZE(implemented));
    g_assert_cmphex(mbox(f.qts, CXL_MBOX_OP_GET_LOG, &gl, sizeof(gl), buf, &len),
                    ==, CXL_MBOX_SUCCESS);
    for (i = 0; i < ARRAY_SIZE(implemented); i++) {
        g_assert_cmphex(lduw_le_p(buf + 4 * i), ==, implemented[i]);
    }
    /* Reading past the log is invalid input; another log is unsupported */
    gl.offset = cpu_to_le32(4);
    g_assert_cmphex(mbox(f.qts, CXL_MBOX_OP_GET_LOG, &gl, sizeof(gl), buf, &len),
                    ==, CXL_MBOX_INVALID_INPUT);
    gl.offset = 0;
    gl.uuid[0] ^= 1;
    g_assert_cmphex(mbox(f.qts, CXL_MBOX_OP_GET_LOG, &gl, sizeof(gl), buf, &len),
                    ==, CXL_MBOX_UNSUPPORTED);

    /* Every implemented command answers; probe the simple ones */
    g_assert_cmphex(mbox(f.qts, CXL_MBOX_OP_GET_HEALTH_INFO, NULL, 0, buf, &len), ==, 0);
    g_assert_cmpuint(len, ==, 0x12);
    g_assert_cmphex(mbox(f.qts, CXL_MBOX_OP_GET_ALERT_CONFIG, NULL, 0, buf, &len), ==, 0);
    g_assert_cmpuint(len, ==, 0x10);
    memset(in, 0, sizeof(in));
    in[0] = 1;                      /* set the life-used warning... */
    in[2] = 101;                    /* ...above the critical 100: invalid */
    g_assert_cmphex(mbox(f.qts, CXL_MBOX_OP_SET_ALERT_CONFIG, in, 0xc, NULL, NULL),
                    ==, CXL_MBOX_INVALID_INPUT);
    in[2] = 50;
    g_assert_cmphex(mbox(f.qts, CXL_MBOX_OP_SET_ALERT_CONFIG, in, 0xc, NULL, NULL),
                    ==, 0);
    g_assert_cmphex(mbox(f.qts, CXL_MBOX_OP_GET_ALERT_CONFIG, NULL, 0, buf, &len), ==, 0);
    g_assert_cmpuint(buf[3], ==, 50);
    in[0] = CXL_EVENT_LOG_WARN;
    g_assert_cmphex(mbox(f.qts, CXL_MBOX_OP_GET_EVENT_RECORDS, in, 1, buf, &len), ==, 0);
    g_assert_cmpuint(len, ==, 0x20);
    g_assert_cmpuint(lduw_le_p(buf + 0x14), ==, 0);
    in[0] = 7;
    g_assert_cmphex(mbox(f.qts, CXL_MBOX_OP_GET_EVENT_RECORDS, in, 1, buf, &len),
                    ==, CXL_MBOX_INVALID_INPUT);
    /* Clear: all is fine on an empty log, a handle names nothing */
    memset(in, 0, 8);
    in[1] = CXL_CLEAR_EVENT_ALL;
    g_assert_cmphex(mbox(f.qts, CXL_MBOX_OP_CLEAR_EVENT_RECORDS, in, 6, NULL, NULL),
                    ==, 0);
    in[1] = 0;
    in[2] = 1;
    g_assert_cmphex(mbox(f.qts, CXL_MBOX_OP_CLEAR_EVENT_RECORDS, in, 8, NULL, NULL),
                    ==, CXL_MBOX_INVALID_HANDLE);
    g_assert_cmphex(mbox(f.qts, CXL_MBOX_OP_CLEAR_EVENT_RECORDS, in, 6, NULL, NULL),
                    ==, CXL_MBOX_INVALID_PAYLOAD_LENGTH);
    /* Interrupt policy: stored and returned; mode 11b is reserved */
    memcpy(in, "\x00\x01\x02\x00", 4);
    g_assert_cmphex(mbox(f.qts, CXL_MBOX_OP_SET_EVENT_INTERRUPT_POLICY, in, 4,
                         NULL, NULL), ==, 0);
    g_assert_cmphex(mbox(f.qts, CXL_MBOX_OP_GET_EVENT_INTERRUPT_POLICY, NULL, 0,
                         buf, &len), ==, 0);
    g_assert_cmpuint(len, ==, 4);
    g_assert(!memcmp(buf, "\x00\x01\x02\x00", 4));
    in[3] = 3;
    g_assert_cmphex(mbox(f.qts, CXL_MBOX_OP_SET_EVENT_INTERRUPT_POLICY, in, 4,
                         NULL, NULL), ==, CXL_MBOX_INVALID_INPUT);
    memset(in, 0, 8);
    stq_le_p(in, 0x123456789ull);
    g_assert_cmphex(mbox(f.qts, CXL_MBOX_OP_SET_TIMESTAMP, in, 8, NULL, NULL), ==, 0);
    g_assert_cmphex(mbox(f.qts, CXL_MBOX_OP_GET_TIMESTAMP, NULL, 0, buf, &len), ==, 0);
    g_assert_cmpuint(ldq_le_p(buf), >=, 0x123456789ull);
    memset(in, 0, 16);
    stq_le_p(in + 8, 1);
    g_assert_cmphex(mbox(f.qts, CXL_MBOX_OP_GET_POISON_LIST, in, 16, buf, &len), ==, 0);
    stq_le_p(in, 0x20);             /* reserved low address bits */
    g_assert_cmphex(mbox(f.qts, CXL_MBOX_OP_GET_POISON_LIST, in, 16, buf, &len),
                    ==, CXL_MBOX_INVALID_PA);

    /* LSA: write at an odd offset, read it back, find it in the file */
    stl_le_p(in, 0x1233);
    stl_le_p(in + 4, 0);
    memcpy(in + 8, "qemu-cxl label", 14);
    g_assert_cmphex(mbox(f.qts, CXL_MBOX_OP_SET_LSA, in, 8 + 14, NULL, NULL), ==, 0);
    stl_le_p(in, 0x1233);
    stl_le_p(in + 4, 14);
    g_assert_cmphex(mbox(f.qts, CXL_MBOX_OP_GET_LSA, in, 8, buf, &len), ==, 0);
    g_assert_cmpuint(len, ==, 14);
    g_assert(!memcmp(buf, "qemu-cxl label", 14));
    stl_le_p(in, (1 << 20) - 4);    /* beyond the end */
    stl_le_p(in + 4, 8);
    g_assert_cmphex(mbox(f.qts, CXL_MBOX_OP_GET_LSA, in, 8, buf, &len),
                    ==, CXL_MBOX_INVALID_INPUT);

    /*
     * Unknown opcode; wrong lengths get Invalid Payload Length (CXL 2.0
     * 8.2.8.4.5.1), not Invalid Input
     */
    g_assert_cmphex(mbox(f.qts, 0x0001, NULL, 0, NULL, NULL), ==, CXL_MBOX_UNSUPPORTED);
    g_assert_cmphex(mbox(f.qts, 0xffff, NULL, 0, NULL, NULL), ==, CXL_MBOX_UNSUPPORTED);
    g_assert_cmphex(mbox(f.qts, CXL_MBOX_OP_IDENTIFY_MEMORY_DEVICE, in, 4, NULL, NULL),
                    ==, CXL_MBOX_INVALID_PAYLOAD_LENGTH);
    g_assert_cmphex(mbox(f.qts, CXL_MBOX_OP_GET_LSA, in, 7, NULL, NULL),
                    ==, CXL_MBOX_INVALID_PAYLOAD_LENGTH);
    g_assert_cmphex(mbox(f.qts, CXL_MBOX_OP_SET_TIMESTAMP, in, 9, NULL, NULL),
                    ==, CXL_MBOX_INVALID_PAYLOAD_LENGTH);
    g_assert_cmphex(mbox(f.qts, CXL_MBOX_OP_SET_LSA, in, 7, NULL, NULL),
                    ==, CXL_MBOX_INVALID_PAYLOAD_LENGTH);
    /* A length beyond the payload registers: no crash */
    g_assert_cmphex(mbox(f.qts, CXL_MBOX_OP_SET_LSA, NULL, 0x100000, NULL, NULL),
                    ==, CXL_MBOX_INVALID_PAYLOAD_LENGTH);

    /* The label reached the backing file */
    lsa = fopen(f.lsa_path, "rb");
    g_assert_nonnull(lsa);
    g_assert(fseek(lsa, 0x1233, SEEK_SET) == 0);
    g_assert_cmpuint(fread(buf, 1, 14, lsa), ==, 14);
    fclose(lsa);
    g_assert(!memcmp(buf, "qemu-cxl label", 14));
    teardown(&f);
}

static void test_topologies(void)
{
    /* 1 and 2 host bridges, 1 to 4 root ports each, up to 8 devices */
    static const int shapes[][2] = { {1, 1}, {1, 4}, {2, 1}, {2, 2}, {2, 4} };
    size_t s;

    for (s = 0; s < ARRAY_SIZE(shapes); s++) {
        GString *cmd = g_string_new("-M q35,cxl=on -m 512M");
        GPtrArray *files = g_ptr_array_new_with_free_func(g_free);
        QTestState *qts;
        QDict *resp;
        char *path;
        int hb, rp, n = 0;

        for (hb = 0; hb < shapes[s][0]; hb++) {
            g_string_append_printf(cmd, " -device pxb-cxl,bus_nr=%d,bus=pcie.0,id=hb%d",
                                   12 + 20 * hb, hb);
            for (rp = 0; rp < shapes[s][1]; rp++, n++) {
                g_autofree char *name = g_strdup_printf("t%d", n);
                char *m = tmp_file(name, 256 << 20);

                g_ptr_array_add(files, m);
                g_string_append_printf(cmd,
                    " -device cxl-rp,port=%d,bus=hb%d,id=rp%d,chassis=%d,slot=%d"
                    " -object memory-backend-file,id=m%d,share=on,mem-path=%s,size=256M"
                    " -device cxl-type3,bus=rp%d,persistent-memdev=m%d,id=mem%d",
                    rp, hb, n, hb, rp, n, m, n, n, n);
            }
        }
        g_string_append(cmd, " -M cxl-fmw.0.targets.0=hb0,cxl-fmw.0.size=4G");
        qts = qtest_init(cmd->str);
        resp = qtest_qmp(qts, "{'execute': 'qom-get', 'arguments': "
                         "{'path': '/machine', 'property': 'cxl'}}");
        g_assert(qdict_get_bool(resp, "return"));
        qobject_unref(resp);
        /* Every device realized: the last one is there */
        path = g_strdup_printf("/machine/peripheral/mem%d", n - 1);
        resp = qtest_qmp(qts, "{'execute': 'qom-get', 'arguments': "
                         "{'path': %s, 'property': 'sn'}}", path);
        g_free(path);
        g_assert(qdict_haskey(resp, "return"));
        qobject_unref(resp);
        qtest_quit(qts);
        for (rp = 0; rp < files->len; rp++) {
            unlink(g_ptr_array_index(files, rp));
        }
        g_ptr_array_free(files, true);
        g_string_free(cmd, true);
    }
}

/* Are the words test_data_survives() wrote (and the LSA bytes) in the files? */
static bool data_in_files(Fixture *f, unsigned m, const uint8_t *lsa)
{
    uint8_t back[64];
    uint64_t got;
    bool ok = true;
    unsigned i;
    int fd;

    fd = open(f->mem_path, O_RDONLY);
    g_assert(fd >= 0);
    for (i = 0; i < 4096 && ok; i++) {
        g_assert(pread(fd, &got, 8, i * 4104ull) == 8);
        ok = got == 0xd00d0000ull * (m + 1) + i;
    }
    close(fd);
    fd = open(f->lsa_path, O_RDONLY);
    g_assert(fd >= 0 && pread(fd, back, 64, 0x1000) == 64);
    close(fd);
    return ok && !memcmp(back, lsa, 64);
}

/*
 * Nothing is lost: what the guest wrote through a window, and to the
 * label storage area with Set LSA, is in the backing files (share=on) as
 * soon as each access completes, read by this test while QEMU still runs:
 * QEMU keeps no copy of CXL memory, so the bytes are the host's from then
 * on, however QEMU ends (here: QMP quit, or SIGTERM, which is how
 * qtest_quit ends it; SIGKILL leaves the page cache just the same). That
 * holds with pages mapped straight to the device and with every access
 * trapped. With share=off the mapping is private: the file is never
 * written, which is why the docs ask for share=on.
 */
static void test_data_survives(void)
{
    static const char *modes[] = { "", "-M x-cxl-map-pages=off",
                                   "-M cxl-fast-path=off" };
    unsigned m, how, i;

    for (m = 0; m < ARRAY_SIZE(modes) + 1; m++) {
        for (how = 0; how < 2; how++) {
            uint64_t hdm = BAR_BASE + CXL_CACHEMEM_OFFSET + 0x200, window;
            bool private = m == ARRAY_SIZE(modes);
            uint8_t lsa[64 + 8];
            Fixture f;
            QDict *resp;

            if (private && how) {
                continue;
            }
            setup_one_share(&f, private ? "" : modes[m], !private);
            resp = qtest_qmp(f.qts, "{'execute': 'query-cxl'}");
            window = qdict_get_int(qobject_to(QDict, qlist_peek(qdict_get_qlist(
                         qdict_get_qdict(resp, "return"), "windows"))), "base");
            qobject_unref(resp);
            /* One device, one root port: only the endpoint decodes */
            qtest_writew(f.qts, ecam(CXL_EP_BUS, 0, A_DVSEC_DEV_CTRL +
                         find_dvsec(f.qts, CXL_EP_BUS, 0, CXL_DVSEC_PCIE_DEVICE)),
                         R_DVSEC_DEV_CTRL_MEM_ENABLE_MASK);
            qtest_writel(f.qts, hdm + A_CXL_HDM_GLOBAL_CTRL,
                         R_CXL_HDM_GLOBAL_CTRL_HDM_DECODER_ENABLE_MASK);
            qtest_writel(f.qts, hdm + A_CXL_HDM_DECODER0_BASE_LO, (uint32_t)window);
            qtest_writel(f.qts, hdm + A_CXL_HDM_DECODER0_BASE_HI, window >> 32);
            qtest_writel(f.qts, hdm + A_CXL_HDM_DECODER0_SIZE_LO, 256 << 20);
            qtest_writel(f.qts, hdm + A_CXL_HDM_DECODER0_CTRL,
                         R_CXL_HDM_DECODER0_CTRL_COMMIT_MASK |
                         R_CXL_HDM_DECODER0_CTRL_TARGET_TYPE_MASK);
            for (i = 0; i < 4096; i++) {
                qtest_writeq(f.qts, window + i * 4104ull, 0xd00d0000ull * (m + 1) + i);
            }
            /* Set LSA: offset 0x1000, 64 bytes */
            memset(lsa, 0, 8);
            stl_le_p(lsa, 0x1000);
            for (i = 0; i < 64; i++) {
                lsa[8 + i] = 0x40 + i + m * 7 + how;
            }
            g_assert_cmpuint(mbox(f.qts, CXL_MBOX_OP_SET_LSA, lsa, sizeof(lsa),
                                  NULL, NULL), ==, 0);
            if (private) {
                /* Still readable through the window, never in the file */
                g_assert_cmphex(qtest_readq(f.qts, window + 4104), ==,
                                0xd00d0000ull * (m + 1) + 1);
                g_assert(!data_in_files(&f, m, lsa + 8));
                qtest_quit(f.qts);
                g_assert(!data_in_files(&f, m, lsa + 8));
            } else {
                /* In the files while QEMU runs... */
                g_assert(data_in_files(&f, m, lsa + 8));
                if (how) {
                    qobject_unref(qtest_qmp(f.qts, "{'execute': 'quit'}"));
                }
                qtest_quit(f.qts);  /* SIGTERM, unless QMP quit ended it */
                /* ...and after it is gone */
                g_assert(data_in_files(&f, m, lsa + 8));
            }
            unlink(f.mem_path);
            unlink(f.lsa_path);
            g_free(f.mem_path);
            g_free(f.lsa_path);
        }
    }
}

/* A bad command line: exit status 1 and one message naming the culprit */
static void expect_refused(const char *args, const char *message)
{
    const char *qemu = getenv("QTEST_QEMU_BINARY");
    g_autofree char *cmd = g_strdup_printf("timeout 30 %s -display none -nodefaults -S "
                                           "-monitor none %s", qemu, args);
    g_autofree char *err = NULL;
    gint status;
    GError *gerr = NULL;

    g_assert(g_spawn_command_line_sync(cmd, NULL, &err, &status, &gerr));
    if (!strstr(err, message) || !WIFEXITED(status) || WEXITSTATUS(status) != 1) {
        fprintf(stderr, "command: %s\nstatus %d, stderr: %s\n", cmd, status, err);
    }
    g_assert(WIFEXITED(status));
    g_assert_cmpint(WEXITSTATUS(status), ==, 1);
    g_assert_nonnull(strstr(err, message));
}

/* expect_refused() for a command line built with g_strdup_printf() */
static void expect_refused_owned(char *args, const char *message)
{
    expect_refused(args, message);
    g_free(args);
}

static void test_bad_command_lines(void)
{
    char *m = tmp_file("bad", 256 << 20);
    char *small = tmp_file("small", 128 << 20);
    char *m1 = tmp_file("bad1", 256 << 20);
    g_autofree char *mem = g_strdup_printf(
        "-object memory-backend-file,id=m0,share=on,mem-path=%s,size=256M "
        "-object memory-backend-file,id=s0,share=on,mem-path=%s,size=128M "
        "-object memory-backend-file,id=m1,share=on,mem-path=%s,size=256M ",
        m, small, m1);
    g_autofree char *args = NULL;

    expect_refused("-M q35 -device pxb-cxl,bus_nr=12,bus=pcie.0,id=cxl.1",
                   "need a machine with cxl=on");
    expect_refused("-M q35 -M cxl-fmw.0.targets.0=x,cxl-fmw.0.size=4G",
                   "need the machine option cxl=on");
    expect_refused("-M q35,cxl=on -device pxb-pcie,bus_nr=12,bus=pcie.0,id=p1 "
                   "-M cxl-fmw.0.targets.0=p1,cxl-fmw.0.size=4G",
                   "no pxb-cxl host bridge with that id");
    expect_refused("-M q35,cxl=on -device pxb-cxl,bus_nr=12,bus=pcie.0,id=c1 "
                   "-M cxl-fmw.0.targets.0=c1,cxl-fmw.0.size=300M",
                   "multiple of 256 MiB");
    expect_refused("-M q35,cxl=on -M cxl-fmw.0.targets.0=c1,cxl-fmw.0.size=4G,"
                   "cxl-fmw.0.interleave-granularity=128",
                   "power of two from 256 to 16k");
    expect_refused("-M q35,cxl=on -M cxl-fmw.0.targets.0=c1,cxl-fmw.0.size=4G,"
                   "cxl-fmw.0.interleave-granularity=32k",
                   "power of two from 256 to 16k");
    expect_refused("-M q35,cxl=on -M cxl-fmw.0.targets.0=c1,cxl-fmw.0.size=4G,"
                   "cxl-fmw.0.interleave-granularity=768",
                   "power of two from 256 to 16k");
    expect_refused("-M q35,cxl=on -M cxl-fmw.0.targets.0=a,cxl-fmw.0.targets.1=b,"
                   "cxl-fmw.0.targets.2=c,cxl-fmw.0.targets.3=d,cxl-fmw.0.targets.4=e,"
                   "cxl-fmw.0.size=20G", "1, 2, 3, 4, 6, 8, 12 or 16");
    expect_refused("-M q35,cxl=on -M cxl-fmw.0.targets.1=a,cxl-fmw.0.size=4G",
                   "cxl-fmw.0.targets.0 is missing");
    expect_refused("-M q35,cxl=on -M cxl-fmw.0.size=4G", "no targets");
    expect_refused("-M q35,cxl=on -M cxl-fmw.0.targets.0=a", "size is missing");
    expect_refused("-M q35,cxl=on -M cxl-fmw.0.colour=blue", "unknown window option");
    args = g_strdup_printf("-M q35,cxl=on %s -device pxb-cxl,bus_nr=12,bus=pcie.0,id=c1 "
                           "-device cxl-rp,port=0,bus=c1,id=rp0,chassis=0,slot=2 ", mem);
    expect_refused_owned(g_strdup_printf("%s -device cxl-type3,bus=rp0", args),
                   "no capacity");
    expect_refused_owned(g_strdup_printf("%s -device cxl-type3,bus=rp0,memdev=m0,"
                                   "persistent-memdev=m0", args), "not both");
    expect_refused_owned(g_strdup_printf("%s -device cxl-type3,bus=rp0,"
                                   "persistent-memdev=s0", args),
                   "multiples of 256 MiB");
    expect_refused_owned(g_strdup_printf("%s -device cxl-type3,bus=rp0,"
                                   "persistent-memdev=m0 "
                                   "-device cxl-rp,port=1,bus=c1,id=rp1,chassis=0,slot=3 "
                                   "-device cxl-type3,bus=rp1,persistent-memdev=m0",
                                   args), "already in use");
    expect_refused_owned(g_strdup_printf("%s -device cxl-type3,bus=rp0,"
                                   "persistent-memdev=m0,sn=7 "
                                   "-device cxl-rp,port=1,bus=c1,id=rp1,chassis=0,slot=3 "
                                   "-device cxl-type3,bus=rp1,persistent-memdev=m1,sn=7",
                                   args), "sn=0x7 is already used");
    expect_refused_owned(g_strdup_printf("%s -device cxl-rp,port=0,bus=c1,id=rp1,"
                                   "chassis=0,slot=3", args),
                   "port=0 is already used by rp0");
    expect_refused_owned(g_strdup_printf("-M q35,cxl=on %s -device pcie-root-port,id=prp,"
                                   "chassis=9,slot=9 -device cxl-type3,bus=prp,"
                                   "persistent-memdev=m0", mem), "CXL root port");
    expect_refused_owned(g_strdup_printf("-M q35,cxl=on -device cxl-rp,port=0,bus=pcie.0,"
                                   "id=rp0,chassis=0,slot=2"), "pxb-cxl host bridge");
    /* Wrong types */
    expect_refused("-M q35,cxl=maybe", "Parameter 'cxl' expects 'on' or 'off'");
    expect_refused_owned(g_strdup_printf("%s -device cxl-type3,bus=rp0,"
                                   "persistent-memdev=m0,sn=abc", args),
                   "Parameter 'sn' expects uint64");
    expect_refused_owned(g_strdup_printf("%s -device cxl-type3,bus=rp0,"
                                   "persistent-memdev=m0,hdm-decoders=many", args),
                   "Parameter 'hdm-decoders' expects");
    expect_refused("-M q35,cxl=on -device pxb-cxl,bus_nr=12,bus=pcie.0,id=c1 "
                   "-device cxl-rp,port=300,bus=c1,id=rp0,chassis=0,slot=2",
                   "Parameter 'port' expects uint8_t");
    expect_refused("-M q35,cxl=on -M cxl-fmw.0.targets.0=a,cxl-fmw.0.size=abc",
                   "cxl-fmw.0.size=abc: not a size");
    expect_refused("-M q35,cxl=on -M cxl-fmw.0.targets.0=a,cxl-fmw.0.size=0",
                   "cxl-fmw.0.size=0: not a size");
    /* Out of range: windows the CPUs cannot address; one bridge twice */
    expect_refused("-M q35,cxl=on -device pxb-cxl,bus_nr=12,bus=pcie.0,id=c1 "
                   "-M cxl-fmw.0.targets.0=c1,cxl-fmw.0.size=1T",
                   "beyond the CPUs' 40-bit physical address space");
    expect_refused("-M q35,cxl=on -device pxb-cxl,bus_nr=12,bus=pcie.0,id=c1 "
                   "-M cxl-fmw.0.targets.0=c1,cxl-fmw.0.targets.1=c1,"
                   "cxl-fmw.0.size=8G", "already target 0 of the window");
    expect_refused("-M q35,cxl=on -cxl-fixed-memory-window targets.0=a,colour=blue",
                   "expected targets.N=<id>, size=<size> or interleave-granularity");
    expect_refused("-M q35 -cxl-fixed-memory-window targets.0=a,size=4G",
                   "need the machine option cxl=on");
    /* Missing backends */
    expect_refused_owned(g_strdup_printf("%s -device cxl-type3,bus=rp0,"
                                   "persistent-memdev=nope", args),
                   "Device 'nope' not found");
    expect_refused_owned(g_strdup_printf("%s -device cxl-type3,bus=rp0,"
                                   "volatile-memdev=nope", args),
                   "Device 'nope' not found");
    expect_refused_owned(g_strdup_printf("%s -device cxl-type3,bus=rp0,"
                                   "persistent-memdev=m0,lsa=nope", args),
                   "Device 'nope' not found");
    /* HDM decoder counts: 1, 2, 4, 6, 8 or 10 (CXL 2.0 8.2.5.12.1) */
    expect_refused_owned(g_strdup_printf("%s -device cxl-type3,bus=rp0,"
                                   "persistent-memdev=m0,hdm-decoders=3", args),
                   "cxl-type3: hdm-decoders=3: must be 1, 2, 4, 6, 8 or 10");
    expect_refused("-M q35,cxl=on -device pxb-cxl,bus_nr=12,bus=pcie.0,id=c1,"
                   "hdm-decoders=12",
                   "pxb-cxl: hdm-decoders=12: must be 1, 2, 4, 6, 8 or 10");
    expect_refused_owned(g_strdup_printf("%s -device cxl-upstream,bus=rp0,"
                                   "hdm-decoders=0", args),
                   "cxl-upstream: hdm-decoders=0: must be 1, 2, 4, 6, 8 or 10");
    /*
     * Windows that reach the fast path's trapping regions at 2^52: two
     * that wrap around 64 bits were accepted, overlapping everything.
     */
    expect_refused("-M q35,cxl=on -device pxb-cxl,bus_nr=12,bus=pcie.0,id=c1 "
                   "-M cxl-fmw.0.targets.0=c1,cxl-fmw.0.size=8E,"
                   "cxl-fmw.1.targets.0=c1,cxl-fmw.1.size=8E",
                   "cxl-fmw.0.size=0x8000000000000000: the window would reach "
                   "beyond 0x10000000000000");
    expect_refused("-M q35,cxl=on -device pxb-cxl,bus_nr=12,bus=pcie.0,id=c1 "
                   "-M cxl-fmw.0.targets.0=c1,cxl-fmw.0.size=4G,"
                   "cxl-fmw.1.targets.0=c1,cxl-fmw.1.size=4P",
                   "cxl-fmw.1.size=0x10000000000000: the window would reach");
    /* bus_nr=0 is pcie.0's own number: it started, with a bus clash */
    expect_refused("-M q35,cxl=on -device pxb-cxl,bus_nr=0,bus=pcie.0,id=c1",
                   "pxb-cxl: bus_nr=0 is the number of the root bus pcie.0");
    /* A port decodes to function 0: Linux saw a memdev reading all ones */
    expect_refused_owned(g_strdup_printf("%s -device cxl-type3,bus=rp0,addr=0.1,"
                                   "persistent-memdev=m0", args),
                   "cxl-type3: addr=0.1: below a port a CXL Type 3 device must "
                   "be function 0");
    /* Switches below the routing's depth: the ninth level is refused */
    {
        GString *deep = g_string_new("-M q35,cxl=on -device pxb-cxl,bus_nr=12,"
                                     "bus=pcie.0,id=c1 -device cxl-rp,port=0,"
                                     "bus=c1,id=p0,chassis=0,slot=1");
        unsigned lvl;

        for (lvl = 1; lvl <= 9; lvl++) {
            g_string_append_printf(deep, " -device cxl-upstream,bus=p%u,id=u%u"
                                   " -device cxl-downstream,port=0,bus=u%u,"
                                   "id=p%u,chassis=%u,slot=1", lvl - 1, lvl,
                                   lvl, lvl, lvl);
        }
        expect_refused(deep->str, "cxl-upstream: switches nest at most 8 deep "
                       "below a root port; this one would be level 9");
        g_string_free(deep, true);
    }
    /* The two window spellings, mixed, merged silently: refused both ways */
    expect_refused("-M q35,cxl=on -M cxl-fmw.0.targets.0=a,cxl-fmw.0.size=4G "
                   "-cxl-fixed-memory-window targets.0=b,size=4G",
                   "windows are given with -M cxl-fmw.N.* already; use one "
                   "spelling");
    expect_refused("-M q35,cxl=on -cxl-fixed-memory-window targets.0=b,size=4G "
                   "-M cxl-fmw.0.size=8G",
                   "-cxl-fixed-memory-window and -M cxl-fmw.N.* both give windows");
    /* Machines without CXL: no cxl property, and no windows */
    expect_refused("-M pc,cxl=on", "Property 'pc-i440fx-5.2-machine.cxl' not found");
    expect_refused("-M pc -M cxl-fmw.0.targets.0=a,cxl-fmw.0.size=4G",
                   "cxl-fmw.0.targets.0: the machine type 'pc-i440fx-5.2' has no "
                   "CXL");
    unlink(m);
    unlink(small);
    unlink(m1);
    g_free(m);
    g_free(small);
    g_free(m1);
}

/*
 * The machine's CXL options shape what is built at start-up; qom-set at
 * run time would change nothing, so it is refused (it used to succeed).
 */
static void test_options_frozen(void)
{
    static const char *props[] = { "cxl", "cxl-fast-path", "x-cxl-map-pages" };
    Fixture f;
    unsigned i;

    setup_one(&f, NULL);
    for (i = 0; i < ARRAY_SIZE(props); i++) {
        QDict *resp = qtest_qmp(f.qts, "{'execute': 'qom-set', 'arguments': "
                                "{'path': '/machine', 'property': %s, "
                                "'value': false}}", props[i]);

        g_assert(qdict_haskey(resp, "error"));
        g_assert_nonnull(strstr(qdict_get_str(qdict_get_qdict(resp, "error"),
                                              "desc"),
                                "can only be set on the command line"));
        qobject_unref(resp);
        resp = qtest_qmp(f.qts, "{'execute': 'qom-get', 'arguments': "
                         "{'path': '/machine', 'property': %s}}", props[i]);
        g_assert(qdict_get_bool(resp, "return"));
        qobject_unref(resp);
    }
    teardown(&f);
}

/*
 * Register semantics the spec fixes and a driver relies on (CXL 2.0
 * 8.1.3.2, 8.2.5.12): a qword over a decoder's Control and Target List
 * stores the targets before Commit acts; uncommitting a decoder below a
 * locked one is ignored; the endpoint decodes only with DVSEC Mem_Enable
 * and HDM Decoder Enable set; root ports have no HDM decoders. Each on
 * the fast path and on the reference path.
 */
static void test_decoder_semantics(void)
{
    static const char *modes[] = { "", "-M cxl-fast-path=off" };
    const uint64_t rp_bar = BAR_BASE + 0x200000;
    unsigned m;

    for (m = 0; m < ARRAY_SIZE(modes); m++) {
        uint64_t hdm = BAR_BASE + CXL_CACHEMEM_OFFSET + 0x200, window, chbcr;
        uint64_t ctrl_dev = 0, v;
        uint32_t ctrl, hdr;
        Fixture f;
        QDict *resp, *win;
        int dvsec, i;

        setup_one(&f, modes[m]);
        resp = qtest_qmp(f.qts, "{'execute': 'query-cxl'}");
        win = qobject_to(QDict, qlist_peek(qdict_get_qlist(
                  qdict_get_qdict(resp, "return"), "windows")));
        window = qdict_get_int(win, "base");
        qobject_unref(resp);

        /* Root port: its component registers list no HDM decoders */
        qtest_writel(f.qts, ecam(CXL_HB_BUS, 0, PCI_BASE_ADDRESS_0), rp_bar);
        qtest_writew(f.qts, ecam(CXL_HB_BUS, 0, PCI_COMMAND),
                     PCI_COMMAND_MEMORY);
        hdr = qtest_readl(f.qts, rp_bar + CXL_CACHEMEM_OFFSET);
        g_assert_cmphex(FIELD_EX32(hdr, CXL_CAPABILITY_HEADER, ID), ==,
                        CXL_CAP_ID_CXL);
        for (i = 1; i <= FIELD_EX32(hdr, CXL_CAPABILITY_HEADER, ARRAY_SIZE); i++) {
            uint32_t h = qtest_readl(f.qts, rp_bar + CXL_CACHEMEM_OFFSET + 4 * i);

            g_assert_cmphex(FIELD_EX32(h, CXL_CAP_HDR, ID), !=,
                            CXL_CAP_ID_HDM_DECODER);
        }

        /* Host bridge decoder 0 by one qword over Control and Target List */
        resp = qtest_qmp(f.qts, "{'execute': 'query-cxl'}");
        chbcr = qdict_get_int(qobject_to(QDict, qlist_peek(qdict_get_qlist(
                    qdict_get_qdict(resp, "return"), "host-bridges"))),
                    "registers");
        qobject_unref(resp);
        chbcr += CXL_CACHEMEM_OFFSET + 0x200;
        qtest_writel(f.qts, chbcr + A_CXL_HDM_DECODER0_BASE_LO, (uint32_t)window);
        qtest_writel(f.qts, chbcr + A_CXL_HDM_DECODER0_BASE_HI, window >> 32);
        qtest_writel(f.qts, chbcr + A_CXL_HDM_DECODER0_SIZE_LO, 256 << 20);
        ctrl = R_CXL_HDM_DECODER0_CTRL_COMMIT_MASK |
               R_CXL_HDM_DECODER0_CTRL_TARGET_TYPE_MASK;
        qtest_writeq(f.qts, chbcr + A_CXL_HDM_DECODER0_CTRL,
                     ctrl | 0x42ull << 32);
        ctrl = qtest_readl(f.qts, chbcr + A_CXL_HDM_DECODER0_CTRL);
        g_assert(FIELD_EX32(ctrl, CXL_HDM_DECODER0_CTRL, COMMITTED));
        g_assert_cmphex(qtest_readl(f.qts, chbcr +
                                    A_CXL_HDM_DECODER0_TARGET_LIST_LO), ==, 0x42);
        /* Its target is root port 0x42, which does not exist: no route */
        resp = qtest_qmp(f.qts, "{'execute': 'cxl-translate', 'arguments': "
                         "{'address': %" PRIu64 "}}", window);
        g_assert_nonnull(strstr(qdict_get_str(qdict_get_qdict(resp, "return"),
                                              "level"), "host bridge"));
        qobject_unref(resp);
        qtest_writel(f.qts, chbcr + A_CXL_HDM_DECODER0_CTRL, 0);

        /*
         * Endpoint: decoder 0 maps the device at the window's base; decoder
         * 1 (size 0, above it) is locked on commit
         */
        qtest_writel(f.qts, hdm + A_CXL_HDM_GLOBAL_CTRL,
                     R_CXL_HDM_GLOBAL_CTRL_HDM_DECODER_ENABLE_MASK);
        for (i = 0; i < 2; i++) {
            uint64_t d = hdm + i * CXL_HDM_DECODER_STRIDE;
            uint64_t base = window + i * 256 * MiB;

            qtest_writel(f.qts, d + A_CXL_HDM_DECODER0_BASE_LO, (uint32_t)base);
            qtest_writel(f.qts, d + A_CXL_HDM_DECODER0_BASE_HI, base >> 32);
            qtest_writel(f.qts, d + A_CXL_HDM_DECODER0_SIZE_LO,
                         i ? 0 : 256 * MiB);
            ctrl = R_CXL_HDM_DECODER0_CTRL_COMMIT_MASK |
                   R_CXL_HDM_DECODER0_CTRL_TARGET_TYPE_MASK |
                   (i ? R_CXL_HDM_DECODER0_CTRL_LOCK_ON_COMMIT_MASK : 0);
            qtest_writel(f.qts, d + A_CXL_HDM_DECODER0_CTRL, ctrl);
            g_assert(FIELD_EX32(qtest_readl(f.qts, d + A_CXL_HDM_DECODER0_CTRL),
                                CXL_HDM_DECODER0_CTRL, COMMITTED));
        }
        /* Uncommitting decoder 0 would take locked decoder 1 down: ignored */
        qtest_writel(f.qts, hdm + A_CXL_HDM_DECODER0_CTRL,
                     R_CXL_HDM_DECODER0_CTRL_TARGET_TYPE_MASK);
        g_assert(FIELD_EX32(qtest_readl(f.qts, hdm + A_CXL_HDM_DECODER0_CTRL),
                            CXL_HDM_DECODER0_CTRL, COMMITTED));
        g_assert(FIELD_EX32(qtest_readl(f.qts, hdm + CXL_HDM_DECODER_STRIDE +
                                        A_CXL_HDM_DECODER0_CTRL),
                            CXL_HDM_DECODER0_CTRL, COMMITTED));

        /* Mem_Enable off (its reset value): the window reads all ones */
        dvsec = find_dvsec(f.qts, CXL_EP_BUS, 0, CXL_DVSEC_PCIE_DEVICE);
        ctrl_dev = ecam(CXL_EP_BUS, 0, dvsec + A_DVSEC_DEV_CTRL);
        g_assert_cmphex(qtest_readw(f.qts, ctrl_dev) &
                        R_DVSEC_DEV_CTRL_MEM_ENABLE_MASK, ==, 0);
        qtest_writeq(f.qts, window + 0x1000, 0x0123456789abcdefull);
        g_assert_cmphex(qtest_readq(f.qts, window + 0x1000), ==, UINT64_MAX);
        /* On: it decodes, and the write above was dropped */
        qtest_writew(f.qts, ctrl_dev, R_DVSEC_DEV_CTRL_MEM_ENABLE_MASK);
        g_assert_cmphex(qtest_readq(f.qts, window + 0x1000), ==, 0);
        qtest_writeq(f.qts, window + 0x1000, 0x0123456789abcdefull);
        g_assert_cmphex(qtest_readq(f.qts, window + 0x1000), ==,
                        0x0123456789abcdefull);
        /* HDM Decoder Enable off: no decode; on again: the data is there */
        qtest_writel(f.qts, hdm + A_CXL_HDM_GLOBAL_CTRL, 0);
        g_assert_cmphex(qtest_readq(f.qts, window + 0x1000), ==, UINT64_MAX);
        qtest_writel(f.qts, hdm + A_CXL_HDM_GLOBAL_CTRL,
                     R_CXL_HDM_GLOBAL_CTRL_HDM_DECODER_ENABLE_MASK);
        v = qtest_readq(f.qts, window + 0x1000);
        g_assert_cmphex(v, ==, 0x0123456789abcdefull);
        teardown(&f);
    }
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    qtest_add_func("/cxl/options-frozen", test_options_frozen);
    qtest_add_func("/cxl/decoder-semantics", test_decoder_semantics);
    qtest_add_func("/cxl/topologies", test_topologies);
    qtest_add_func("/cxl/config-space", test_config_space);
    qtest_add_func("/cxl/registers", test_registers);
    qtest_add_func("/cxl/mailbox", test_mailbox);
    qtest_add_func("/cxl/bad-command-lines", test_bad_command_lines);
    qtest_add_func("/cxl/data-survives", test_data_survives);
    return g_test_run();
}
