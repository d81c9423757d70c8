/*
 * CXL 2.0 wire formats: DVSECs, component registers, device registers,
 * mailbox opcodes and payloads, ACPI CEDT structures.
 *
 * Every layout here comes from the Compute Express Link Specification,
 * Revision 2.0 (October 2020); "CXL 2.0 x.y.z" cites its sections. This
 * header holds no device state, so qtests include it too.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef HW_CXL_CXL_REGS_H
#define HW_CXL_CXL_REGS_H

#include "hw/registerfields.h"

/* CXL 2.0 8.1.1: DVSEC Vendor ID assigned to the CXL consortium */
#define CXL_VENDOR_ID                   0x1e98

/* PCIe extended capability id of a DVSEC (PCIe 5.0 7.9.6) */
#define PCIE_EXT_CAP_ID_DVSEC           0x23
/* Offsets inside a DVSEC: PCIe header, DVSEC header 1, DVSEC header 2 */
#define DVSEC_HEADER1                   0x4
#define DVSEC_HEADER2                   0x8

/* CXL 2.0 8.1.1 Table 124: DVSEC IDs */
enum CXLDVSECId {
    CXL_DVSEC_PCIE_DEVICE = 0,          /* 8.1.3 PCIe DVSEC for CXL Device */
    CXL_DVSEC_FUNCTION_MAP = 2,         /* 8.1.4 Non-CXL Function Map */
    CXL_DVSEC_PORT_EXTENSIONS = 3,      /* 8.1.5 CXL 2.0 Extensions for Ports */
    CXL_DVSEC_PORT_GPF = 4,             /* 8.1.6 GPF DVSEC for CXL Port */
    CXL_DVSEC_DEVICE_GPF = 5,           /* 8.1.7 GPF DVSEC for CXL Device */
    CXL_DVSEC_FLEXBUS_PORT = 7,         /* 8.1.8 PCIe DVSEC for Flex Bus Port */
    CXL_DVSEC_REGISTER_LOCATOR = 8,     /* 8.1.9 Register Locator DVSEC */
    CXL_DVSEC_MLD = 9,                  /* 8.1.10 MLD DVSEC */
};

/* CXL 2.0 8.1.3: PCIe DVSEC for CXL Device (revision 1, 0x38 bytes) */
#define CXL_DVSEC_DEVICE_REVISION       1
#define CXL_DVSEC_DEVICE_LENGTH         0x38
REG16(DVSEC_DEV_CAP, 0xa)
    FIELD(DVSEC_DEV_CAP, CACHE_CAPABLE, 0, 1)
    FIELD(DVSEC_DEV_CAP, IO_CAPABLE, 1, 1)
    FIELD(DVSEC_DEV_CAP, MEM_CAPABLE, 2, 1)
    FIELD(DVSEC_DEV_CAP, MEM_HWINIT_MODE, 3, 1)
    FIELD(DVSEC_DEV_CAP, HDM_COUNT, 4, 2)
    FIELD(DVSEC_DEV_CAP, CACHE_WB_AND_INV, 6, 1)
    FIELD(DVSEC_DEV_CAP, CXL_RESET_CAPABLE, 7, 1)
    FIELD(DVSEC_DEV_CAP, VIRAL_CAPABLE, 14, 1)
REG16(DVSEC_DEV_CTRL, 0xc)
    FIELD(DVSEC_DEV_CTRL, CACHE_ENABLE, 0, 1)
    FIELD(DVSEC_DEV_CTRL, IO_ENABLE, 1, 1)
    FIELD(DVSEC_DEV_CTRL, MEM_ENABLE, 2, 1)
    FIELD(DVSEC_DEV_CTRL, VIRAL_ENABLE, 14, 1)
REG16(DVSEC_DEV_STATUS, 0xe)
    FIELD(DVSEC_DEV_STATUS, VIRAL_STATUS, 14, 1)
REG16(DVSEC_DEV_CTRL2, 0x10)
REG16(DVSEC_DEV_STATUS2, 0x12)
REG16(DVSEC_DEV_LOCK, 0x14)
    FIELD(DVSEC_DEV_LOCK, CONFIG_LOCK, 0, 1)
REG16(DVSEC_DEV_CAP2, 0x16)
/* Range n (n = 0, 1) registers sit at 0x18 + n * 0x10 */
#define CXL_DVSEC_RANGE_STRIDE          0x10
REG32(DVSEC_RANGE1_SIZE_HI, 0x18)
REG32(DVSEC_RANGE1_SIZE_LO, 0x1c)
    FIELD(DVSEC_RANGE1_SIZE_LO, MEM_INFO_VALID, 0, 1)
    FIELD(DVSEC_RANGE1_SIZE_LO, MEM_ACTIVE, 1, 1)
    FIELD(DVSEC_RANGE1_SIZE_LO, MEDIA_TYPE, 2, 3)
    FIELD(DVSEC_RANGE1_SIZE_LO, MEMORY_CLASS, 5, 3)
    FIELD(DVSEC_RANGE1_SIZE_LO, DESIRED_INTERLEAVE, 8, 5)
    FIELD(DVSEC_RANGE1_SIZE_LO, MEM_ACTIVE_TIMEOUT, 13, 3)
    FIELD(DVSEC_RANGE1_SIZE_LO, SIZE_LOW, 28, 4)
REG32(DVSEC_RANGE1_BASE_HI, 0x20)
REG32(DVSEC_RANGE1_BASE_LO, 0x24)
    FIELD(DVSEC_RANGE1_BASE_LO, BASE_LOW, 28, 4)
/* Media type / memory class 010b: "memory characteristics in CDAT" */
#define CXL_DVSEC_MEDIA_CDAT            2

/* CXL 2.0 8.1.5: CXL 2.0 Extensions DVSEC for Ports (revision 0) */
#define CXL_DVSEC_PORT_EXT_REVISION     0
#define CXL_DVSEC_PORT_EXT_LENGTH       0x28
REG16(DVSEC_PORT_EXT_STATUS, 0xa)
REG16(DVSEC_PORT_EXT_CTRL, 0xc)
REG8(DVSEC_PORT_EXT_ALT_BUS_BASE, 0xe)
REG8(DVSEC_PORT_EXT_ALT_BUS_LIMIT, 0xf)
REG16(DVSEC_PORT_EXT_ALT_MEM_BASE, 0x10)
REG16(DVSEC_PORT_EXT_ALT_MEM_LIMIT, 0x12)
REG16(DVSEC_PORT_EXT_ALT_PREF_BASE, 0x14)
REG16(DVSEC_PORT_EXT_ALT_PREF_LIMIT, 0x16)
REG32(DVSEC_PORT_EXT_ALT_PREF_BASE_HI, 0x18)
REG32(DVSEC_PORT_EXT_ALT_PREF_LIMIT_HI, 0x1c)
REG32(DVSEC_PORT_EXT_RCRB_BASE, 0x20)
REG32(DVSEC_PORT_EXT_RCRB_BASE_HI, 0x24)

/* CXL 2.0 8.1.6: GPF DVSEC for CXL Port (revision 0) */
#define CXL_DVSEC_PORT_GPF_REVISION     0
#define CXL_DVSEC_PORT_GPF_LENGTH       0x10
REG16(DVSEC_PORT_GPF_PHASE1_CTRL, 0xc)
    FIELD(DVSEC_PORT_GPF_PHASE1_CTRL, TIMEOUT_BASE, 0, 4)
    FIELD(DVSEC_PORT_GPF_PHASE1_CTRL, TIMEOUT_SCALE, 8, 4)
REG16(DVSEC_PORT_GPF_PHASE2_CTRL, 0xe)
    FIELD(DVSEC_PORT_GPF_PHASE2_CTRL, TIMEOUT_BASE, 0, 4)
    FIELD(DVSEC_PORT_GPF_PHASE2_CTRL, TIMEOUT_SCALE, 8, 4)

/* CXL 2.0 8.1.7: GPF DVSEC for CXL Device (revision 0) */
#define CXL_DVSEC_DEVICE_GPF_REVISION   0
#define CXL_DVSEC_DEVICE_GPF_LENGTH     0x10
REG16(DVSEC_DEV_GPF_PHASE2_DURATION, 0xa)
    FIELD(DVSEC_DEV_GPF_PHASE2_DURATION, TIME_BASE, 0, 4)
    FIELD(DVSEC_DEV_GPF_PHASE2_DURATION, TIME_SCALE, 8, 4)
REG32(DVSEC_DEV_GPF_PHASE2_POWER, 0xc)

/* CXL 2.0 8.1.8: PCIe DVSEC for Flex Bus Port (revision 1) */
#define CXL_DVSEC_FLEXBUS_REVISION      1
#define CXL_DVSEC_FLEXBUS_LENGTH        0x20
REG16(DVSEC_FLEXBUS_CAP, 0xa)
    FIELD(DVSEC_FLEXBUS_CAP, CACHE_CAPABLE, 0, 1)
    FIELD(DVSEC_FLEXBUS_CAP, IO_CAPABLE, 1, 1)
    FIELD(DVSEC_FLEXBUS_CAP, MEM_CAPABLE, 2, 1)
    FIELD(DVSEC_FLEXBUS_CAP, CXL2P0_CAPABLE, 5, 1)
    FIELD(DVSEC_FLEXBUS_CAP, MLD_CAPABLE, 6, 1)
REG16(DVSEC_FLEXBUS_CTRL, 0xc)
    FIELD(DVSEC_FLEXBUS_CTRL, CACHE_ENABLE, 0, 1)
    FIELD(DVSEC_FLEXBUS_CTRL, IO_ENABLE, 1, 1)
    FIELD(DVSEC_FLEXBUS_CTRL, MEM_ENABLE, 2, 1)
    FIELD(DVSEC_FLEXBUS_CTRL, CXL2P0_ENABLE, 5, 1)
REG16(DVSEC_FLEXBUS_STATUS, 0xe)
    FIELD(DVSEC_FLEXBUS_STATUS, CACHE_ENABLED, 0, 1)
    FIELD(DVSEC_FLEXBUS_STATUS, IO_ENABLED, 1, 1)
    FIELD(DVSEC_FLEXBUS_STATUS, MEM_ENABLED, 2, 1)
    FIELD(DVSEC_FLEXBUS_STATUS, CXL2P0_ENABLED, 5, 1)
REG32(DVSEC_FLEXBUS_RCVD_MOD_TS, 0x10)

/* CXL 2.0 8.1.9: Register Locator DVSEC (revision 0) */
#define CXL_DVSEC_REGLOC_REVISION       0
#define CXL_DVSEC_REGLOC_BLOCK1         0xc     /* 8 bytes per block */
REG32(DVSEC_REGLOC_LO, 0xc)
    FIELD(DVSEC_REGLOC_LO, BIR, 0, 3)
    FIELD(DVSEC_REGLOC_LO, BLOCK_ID, 8, 8)
    FIELD(DVSEC_REGLOC_LO, OFFSET_LOW, 16, 16)
REG32(DVSEC_REGLOC_HI, 0x10)
/* CXL 2.0 8.1.9.1: Register Block Identifier */
enum CXLRegBlockId {
    CXL_REGBLOCK_EMPTY = 0,
    CXL_REGBLOCK_COMPONENT = 1,
    CXL_REGBLOCK_BAR_VIRT_ACL = 2,
    CXL_REGBLOCK_MEMDEV = 3,
};

/*
 * CXL 2.0 8.2.4: component register block, 64 KiB. The CXL.cache and
 * CXL.mem registers start at 4 KiB with the capability header array.
 */
#define CXL_COMPONENT_REG_SIZE          0x10000
#define CXL_CACHEMEM_OFFSET             0x1000
#define CXL_CACHEMEM_SIZE               0x1000

/* CXL 2.0 8.2.5.1: CXL Capability Header (first dword of the array) */
REG32(CXL_CAPABILITY_HEADER, 0x0)
    FIELD(CXL_CAPABILITY_HEADER, ID, 0, 16)
    FIELD(CXL_CAPABILITY_HEADER, VERSION, 16, 4)
    FIELD(CXL_CAPABILITY_HEADER, CACHE_MEM_VERSION, 20, 4)
    FIELD(CXL_CAPABILITY_HEADER, ARRAY_SIZE, 24, 8)
/* CXL 2.0 8.2.5.2 onwards: each capability's header dword */
REG32(CXL_CAP_HDR, 0x0)
    FIELD(CXL_CAP_HDR, ID, 0, 16)
    FIELD(CXL_CAP_HDR, VERSION, 16, 4)
    FIELD(CXL_CAP_HDR, POINTER, 20, 12)

/* CXL 2.0 8.2.5 Table 141: CXL.cache/mem capability IDs */
enum CXLCapId {
    CXL_CAP_ID_CXL = 1,
    CXL_CAP_ID_RAS = 2,
    CXL_CAP_ID_SECURITY = 3,
    CXL_CAP_ID_LINK = 4,
    CXL_CAP_ID_HDM_DECODER = 5,
    CXL_CAP_ID_EXT_SECURITY = 6,
    CXL_CAP_ID_IDE = 7,
    CXL_CAP_ID_SNOOP_FILTER = 8,
};

/* CXL 2.0 8.2.5.9: CXL RAS Capability Structure (0x58 bytes) */
#define CXL_RAS_CAP_VERSION             2
#define CXL_RAS_CAP_LENGTH              0x58
REG32(CXL_RAS_UNC_ERR_STATUS, 0x0)
REG32(CXL_RAS_UNC_ERR_MASK, 0x4)
REG32(CXL_RAS_UNC_ERR_SEVERITY, 0x8)
REG32(CXL_RAS_COR_ERR_STATUS, 0xc)
REG32(CXL_RAS_COR_ERR_MASK, 0x10)
REG32(CXL_RAS_ERR_CAP_CTRL, 0x14)
    FIELD(CXL_RAS_ERR_CAP_CTRL, FIRST_ERROR_POINTER, 0, 6)
REG32(CXL_RAS_HEADER_LOG, 0x18)         /* 16 dwords */
/* Uncorrectable error bits that exist in CXL 2.0 Table 143 (0-11, 14-16) */
#define CXL_RAS_UNC_ERR_DEFINED         0x0001cfffu
/* Correctable error bits of Table 146 (0-6) */
#define CXL_RAS_COR_ERR_DEFINED         0x0000007fu

/* CXL 2.0 8.2.5.10: CXL Security Capability Structure is not emulated. */

/* CXL 2.0 8.2.5.11: CXL Link Capability Structure (0x38 bytes) */
#define CXL_LINK_CAP_VERSION            2
#define CXL_LINK_CAP_LENGTH             0x38

/* CXL 2.0 8.2.5.12: CXL HDM Decoder Capability Structure */
#define CXL_HDM_CAP_VERSION             1
#define CXL_HDM_DECODER_FIRST           0x10
#define CXL_HDM_DECODER_STRIDE          0x20
#define CXL_HDM_MAX_DECODERS            10
#define CXL_HDM_CAP_LENGTH(n)   (CXL_HDM_DECODER_FIRST + CXL_HDM_DECODER_STRIDE * (n))
REG32(CXL_HDM_DECODER_CAP, 0x0)
    FIELD(CXL_HDM_DECODER_CAP, DECODER_COUNT, 0, 4)
    FIELD(CXL_HDM_DECODER_CAP, TARGET_COUNT, 4, 4)
    FIELD(CXL_HDM_DECODER_CAP, INTERLEAVE_A11_8, 8, 1)
    FIELD(CXL_HDM_DECODER_CAP, INTERLEAVE_A14_12, 9, 1)
    FIELD(CXL_HDM_DECODER_CAP, POISON_ON_DECODE_ERR, 10, 1)
    /*
     * RsvdP in CXL 2.0; CXL 3.0 8.2.4.19.1 defines them, and Linux since
     * 6.11 will not build a 3/6/12 or 16-way region through a decoder
     * without them. Our decoders do both.
     */
    FIELD(CXL_HDM_DECODER_CAP, INTERLEAVE_3_6_12_WAY, 11, 1)
    FIELD(CXL_HDM_DECODER_CAP, INTERLEAVE_16_WAY, 12, 1)
REG32(CXL_HDM_GLOBAL_CTRL, 0x4)
    FIELD(CXL_HDM_GLOBAL_CTRL, POISON_ON_DECODE_ERR_EN, 0, 1)
    FIELD(CXL_HDM_GLOBAL_CTRL, HDM_DECODER_ENABLE, 1, 1)
/* Decoder 0; decoder n is at + n * CXL_HDM_DECODER_STRIDE */
REG32(CXL_HDM_DECODER0_BASE_LO, 0x10)
    FIELD(CXL_HDM_DECODER0_BASE_LO, BASE_LOW, 28, 4)
REG32(CXL_HDM_DECODER0_BASE_HI, 0x14)
REG32(CXL_HDM_DECODER0_SIZE_LO, 0x18)
    FIELD(CXL_HDM_DECODER0_SIZE_LO, SIZE_LOW, 28, 4)
REG32(CXL_HDM_DECODER0_SIZE_HI, 0x1c)
REG32(CXL_HDM_DECODER0_CTRL, 0x20)
    FIELD(CXL_HDM_DECODER0_CTRL, IG, 0, 4)
    FIELD(CXL_HDM_DECODER0_CTRL, IW, 4, 4)
    FIELD(CXL_HDM_DECODER0_CTRL, LOCK_ON_COMMIT, 8, 1)
    FIELD(CXL_HDM_DECODER0_CTRL, COMMIT, 9, 1)
    FIELD(CXL_HDM_DECODER0_CTRL, COMMITTED, 10, 1)
    FIELD(CXL_HDM_DECODER0_CTRL, ERR_NOT_COMMITTED, 11, 1)
    FIELD(CXL_HDM_DECODER0_CTRL, TARGET_TYPE, 12, 1)
/* Switch/host bridge: target list; endpoint: DPA skip */
REG32(CXL_HDM_DECODER0_TARGET_LIST_LO, 0x24)
REG32(CXL_HDM_DECODER0_TARGET_LIST_HI, 0x28)
#define CXL_HDM_DECODER0_DPA_SKIP_LO    A_CXL_HDM_DECODER0_TARGET_LIST_LO
#define CXL_HDM_DECODER0_DPA_SKIP_HI    A_CXL_HDM_DECODER0_TARGET_LIST_HI

/* HDM decoders are programmed in 256 MiB units (CXL 2.0 8.2.5.12.5) */
#define CXL_HDM_ALIGN                   (256 * 1024 * 1024ULL)

/*
 * CXL 2.0 8.2.8: CXL device register block (memory devices). It starts
 * with the device capabilities array; we place each capability at a
 * fixed offset.
 */
REG32(CXL_DEV_CAP_ARRAY, 0x0)
    FIELD(CXL_DEV_CAP_ARRAY, CAP_ID, 0, 16)
    FIELD(CXL_DEV_CAP_ARRAY, CAP_VERSION, 16, 8)
REG32(CXL_DEV_CAP_ARRAY_HI, 0x4)
    FIELD(CXL_DEV_CAP_ARRAY_HI, CAP_COUNT, 0, 16)
/* CXL 2.0 8.2.8.2: capability header n at 0x10 * n (n >= 1) */
#define CXL_DEV_CAP_HDR_STRIDE          0x10
REG32(CXL_DEV_CAP_HDR, 0x0)
    FIELD(CXL_DEV_CAP_HDR, ID, 0, 16)
    FIELD(CXL_DEV_CAP_HDR, VERSION, 16, 8)
REG32(CXL_DEV_CAP_HDR_OFFSET, 0x4)
REG32(CXL_DEV_CAP_HDR_LENGTH, 0x8)

/* CXL 2.0 8.2.8.2.1 Table 163: device capability IDs */
enum CXLDevCapId {
    CXL_DEV_CAP_ID_ARRAY = 0x0000,
    CXL_DEV_CAP_ID_DEVICE_STATUS = 0x0001,
    CXL_DEV_CAP_ID_PRIMARY_MAILBOX = 0x0002,
    CXL_DEV_CAP_ID_SECONDARY_MAILBOX = 0x0003,
    CXL_DEV_CAP_ID_MEMDEV_STATUS = 0x4000,
};

/* CXL 2.0 8.2.8.3: Device Status registers */
REG32(CXL_DEV_EVENT_STATUS, 0x0)
    FIELD(CXL_DEV_EVENT_STATUS, INFO, 0, 1)
    FIELD(CXL_DEV_EVENT_STATUS, WARN, 1, 1)
    FIELD(CXL_DEV_EVENT_STATUS, FAIL, 2, 1)
    FIELD(CXL_DEV_EVENT_STATUS, FATAL, 3, 1)
REG32(CXL_DEV_EVENT_STATUS_HI, 0x4)

/* CXL 2.0 8.2.8.4: Mailbox registers */
REG32(CXL_MB_CAP, 0x0)
    FIELD(CXL_MB_CAP, PAYLOAD_SIZE, 0, 5)
    FIELD(CXL_MB_CAP, DOORBELL_INT_CAPABLE, 5, 1)
    FIELD(CXL_MB_CAP, BG_INT_CAPABLE, 6, 1)
    FIELD(CXL_MB_CAP, INT_MSG_NUMBER, 7, 4)
REG32(CXL_MB_CTRL, 0x4)
    FIELD(CXL_MB_CTRL, DOORBELL, 0, 1)
    FIELD(CXL_MB_CTRL, DOORBELL_INT, 1, 1)
    FIELD(CXL_MB_CTRL, BG_INT, 2, 1)
REG32(CXL_MB_CMD, 0x8)
    FIELD(CXL_MB_CMD, OPCODE, 0, 16)
    FIELD(CXL_MB_CMD, LENGTH_LO, 16, 16)
REG32(CXL_MB_CMD_HI, 0xc)
    FIELD(CXL_MB_CMD_HI, LENGTH_HI, 0, 5)
REG32(CXL_MB_STATUS, 0x10)
    FIELD(CXL_MB_STATUS, BG_OPERATION, 0, 1)
REG32(CXL_MB_STATUS_HI, 0x14)
    FIELD(CXL_MB_STATUS_HI, RETURN_CODE, 0, 16)
    FIELD(CXL_MB_STATUS_HI, VENDOR_EXT_STATUS, 16, 16)
REG32(CXL_MB_BG_STATUS, 0x18)
    FIELD(CXL_MB_BG_STATUS, OPCODE, 0, 16)
    FIELD(CXL_MB_BG_STATUS, PERCENT, 16, 7)
REG32(CXL_MB_BG_STATUS_HI, 0x1c)
    FIELD(CXL_MB_BG_STATUS_HI, RETURN_CODE, 0, 16)
    FIELD(CXL_MB_BG_STATUS_HI, VENDOR_EXT_STATUS, 16, 16)
#define CXL_MB_PAYLOAD                  0x20
/* Payload size is 2^n bytes, n = 8 (256 B) .. 20 (1 MiB) */
#define CXL_MB_PAYLOAD_SHIFT_MIN        8
#define CXL_MB_PAYLOAD_SHIFT_MAX        20

/* CXL 2.0 8.2.8.5: Memory Device Status register */
REG32(CXL_MEMDEV_STATUS, 0x0)
    FIELD(CXL_MEMDEV_STATUS, FATAL, 0, 1)
    FIELD(CXL_MEMDEV_STATUS, FW_HALT, 1, 1)
    FIELD(CXL_MEMDEV_STATUS, MEDIA_STATUS, 2, 2)
    FIELD(CXL_MEMDEV_STATUS, MBOX_READY, 4, 1)
    FIELD(CXL_MEMDEV_STATUS, RESET_NEEDED, 5, 3)
REG32(CXL_MEMDEV_STATUS_HI, 0x4)
enum CXLMediaStatus {
    CXL_MEDIA_NOT_READY = 0,
    CXL_MEDIA_READY = 1,
    CXL_MEDIA_ERROR = 2,
    CXL_MEDIA_DISABLED = 3,
};

/* CXL 2.0 8.2.8.4.5.1 Table 150: mailbox return codes */
typedef enum CXLRetCode {
    CXL_MBOX_SUCCESS = 0x0,
    CXL_MBOX_BG_STARTED = 0x1,
    CXL_MBOX_INVALID_INPUT = 0x2,
    CXL_MBOX_UNSUPPORTED = 0x3,
    CXL_MBOX_INTERNAL_ERROR = 0x4,
    CXL_MBOX_RETRY_REQUIRED = 0x5,
    CXL_MBOX_BUSY = 0x6,
    CXL_MBOX_MEDIA_DISABLED = 0x7,
    CXL_MBOX_FW_XFER_IN_PROGRESS = 0x8,
    CXL_MBOX_FW_XFER_OUT_OF_ORDER = 0x9,
    CXL_MBOX_FW_AUTH_FAILED = 0xa,
    CXL_MBOX_FW_INVALID_SLOT = 0xb,
    CXL_MBOX_FW_ROLLED_BACK = 0xc,
    CXL_MBOX_FW_REST_REQD = 0xd,
    CXL_MBOX_INVALID_HANDLE = 0xe,
    CXL_MBOX_INVALID_PA = 0xf,
    CXL_MBOX_INJECT_POISON_LIMIT = 0x10,
    CXL_MBOX_PERMANENT_MEDIA_FAILURE = 0x11,
    CXL_MBOX_ABORTED = 0x12,
    CXL_MBOX_INVALID_SECURITY_STATE = 0x13,
    CXL_MBOX_INCORRECT_PASSPHRASE = 0x14,
    CXL_MBOX_UNSUPPORTED_MAILBOX = 0x15,
    CXL_MBOX_INVALID_PAYLOAD_LENGTH = 0x16,
} CXLRetCode;

/* CXL 2.0 8.2.9 Table 151 and 8.2.9.5 Table 170: command opcodes */
typedef enum CXLMboxOpcode {
    CXL_MBOX_OP_GET_EVENT_RECORDS = 0x0100,
    CXL_MBOX_OP_CLEAR_EVENT_RECORDS = 0x0101,
    CXL_MBOX_OP_GET_EVENT_INTERRUPT_POLICY = 0x0102,
    CXL_MBOX_OP_SET_EVENT_INTERRUPT_POLICY = 0x0103,
    CXL_MBOX_OP_GET_FW_INFO = 0x0200,
    CXL_MBOX_OP_GET_TIMESTAMP = 0x0300,
    CXL_MBOX_OP_SET_TIMESTAMP = 0x0301,
    CXL_MBOX_OP_GET_SUPPORTED_LOGS = 0x0400,
    CXL_MBOX_OP_GET_LOG = 0x0401,
    CXL_MBOX_OP_IDENTIFY_MEMORY_DEVICE = 0x4000,
    CXL_MBOX_OP_GET_PARTITION_INFO = 0x4100,
    CXL_MBOX_OP_SET_PARTITION_INFO = 0x4101,
    CXL_MBOX_OP_GET_LSA = 0x4102,
    CXL_MBOX_OP_SET_LSA = 0x4103,
    CXL_MBOX_OP_GET_HEALTH_INFO = 0x4200,
    CXL_MBOX_OP_GET_ALERT_CONFIG = 0x4201,
    CXL_MBOX_OP_SET_ALERT_CONFIG = 0x4202,
    CXL_MBOX_OP_GET_SHUTDOWN_STATE = 0x4203,
    CXL_MBOX_OP_SET_SHUTDOWN_STATE = 0x4204,
    CXL_MBOX_OP_GET_POISON_LIST = 0x4300,
} CXLMboxOpcode;

/* CXL 2.0 8.2.9.4.1 Table 162: Command Effects Log entry effects */
#define CXL_CEL_EFFECT_CONFIG_CHANGE_COLD_RESET  (1 << 0)
#define CXL_CEL_EFFECT_CONFIG_CHANGE_IMMEDIATE   (1 << 1)
#define CXL_CEL_EFFECT_DATA_CHANGE_IMMEDIATE     (1 << 2)
#define CXL_CEL_EFFECT_POLICY_CHANGE_IMMEDIATE   (1 << 3)
#define CXL_CEL_EFFECT_LOG_CHANGE_IMMEDIATE      (1 << 4)
#define CXL_CEL_EFFECT_SECURITY_CHANGE_IMMEDIATE (1 << 5)
#define CXL_CEL_EFFECT_BACKGROUND_OPERATION      (1 << 6)

/* CXL 2.0 8.2.9.4.1.1: Command Effects Log UUID */
#define CXL_CEL_UUID { 0x0d, 0xa9, 0xc0, 0xb5, 0xbf, 0x41, 0x4b, 0x78, \
                       0x8f, 0x79, 0x96, 0xb1, 0x62, 0x3b, 0x3f, 0x17 }

/* Payloads: all fields little-endian, packed as the tables list them. */

/* CXL 2.0 8.2.9.4.1 Table 158: Get Supported Logs output */
typedef struct QEMU_PACKED CXLSupportedLogEntry {
    uint8_t uuid[16];
    uint32_t size;
} CXLSupportedLogEntry;
typedef struct QEMU_PACKED CXLGetSupportedLogsOut {
    uint16_t entries;
    uint8_t rsvd[6];
    CXLSupportedLogEntry log[];
} CXLGetSupportedLogsOut;
QEMU_BUILD_BUG_ON(sizeof(CXLSupportedLogEntry) != 0x14);
QEMU_BUILD_BUG_ON(sizeof(CXLGetSupportedLogsOut) != 8);

/* CXL 2.0 8.2.9.4.2 Table 160: Get Log input */
typedef struct QEMU_PACKED CXLGetLogIn {
    uint8_t uuid[16];
    uint32_t offset;
    uint32_t length;
} CXLGetLogIn;
QEMU_BUILD_BUG_ON(sizeof(CXLGetLogIn) != 0x18);

/* CXL 2.0 8.2.9.4.2.1 Table 161: Command Effects Log entry */
typedef struct QEMU_PACKED CXLCELEntry {
    uint16_t opcode;
    uint16_t effect;
} CXLCELEntry;
QEMU_BUILD_BUG_ON(sizeof(CXLCELEntry) != 4);

/* CXL 2.0 8.2.9.5.1.1 Table 175: Identify Memory Device output */
typedef struct QEMU_PACKED CXLIdentifyOut {
    char fw_revision[16];
    uint64_t total_capacity;            /* all capacities in 256 MiB units */
    uint64_t volatile_capacity;
    uint64_t persistent_capacity;
    uint64_t partition_align;
    uint16_t info_event_log_size;
    uint16_t warning_event_log_size;
    uint16_t failure_event_log_size;
    uint16_t fatal_event_log_size;
    uint32_t lsa_size;
    uint8_t poison_list_max_mer[3];
    uint16_t inject_poison_limit;
    uint8_t poison_caps;
    uint8_t qos_telemetry_caps;
} CXLIdentifyOut;
QEMU_BUILD_BUG_ON(sizeof(CXLIdentifyOut) != 0x43);

/* CXL 2.0 8.2.9.5.2.1 Table 176: Get Partition Info output */
typedef struct QEMU_PACKED CXLPartitionInfoOut {
    uint64_t active_volatile;
    uint64_t active_persistent;
    uint64_t next_volatile;
    uint64_t next_persistent;
} CXLPartitionInfoOut;
QEMU_BUILD_BUG_ON(sizeof(CXLPartitionInfoOut) != 0x20);

/* CXL 2.0 8.2.9.5.2.3 Table 178: Get LSA input */
typedef struct QEMU_PACKED CXLGetLSAIn {
    uint32_t offset;
    uint32_t length;
} CXLGetLSAIn;
QEMU_BUILD_BUG_ON(sizeof(CXLGetLSAIn) != 8);

/* CXL 2.0 8.2.9.5.2.4 Table 179: Set LSA input (data follows) */
typedef struct QEMU_PACKED CXLSetLSAIn {
    uint32_t offset;
    uint32_t rsvd;
    uint8_t data[];
} CXLSetLSAIn;
QEMU_BUILD_BUG_ON(sizeof(CXLSetLSAIn) != 8);

/* CXL 2.0 8.2.9.5.3.1 Table 181: Get Health Info output */
typedef struct QEMU_PACKED CXLHealthInfoOut {
    uint8_t health_status;
    uint8_t media_status;
    uint8_t additional_status;
    uint8_t life_used;
    uint16_t temperature;
    uint32_t dirty_shutdown_count;
    uint32_t corrected_volatile_errors;
    uint32_t corrected_persistent_errors;
} CXLHealthInfoOut;
QEMU_BUILD_BUG_ON(sizeof(CXLHealthInfoOut) != 0x12);

/* CXL 2.0 8.2.9.5.3.2 Table 182: Get Alert Configuration output */
typedef struct QEMU_PACKED CXLAlertConfigOut {
    uint8_t valid_alerts;
    uint8_t programmable_alerts;
    uint8_t life_used_critical;
    uint8_t life_used_warning;
    uint16_t over_temp_critical;
    uint16_t under_temp_critical;
    uint16_t over_temp_warning;
    uint16_t under_temp_warning;
    uint16_t corrected_volatile_warning;
    uint16_t corrected_persistent_warning;
} CXLAlertConfigOut;
QEMU_BUILD_BUG_ON(sizeof(CXLAlertConfigOut) != 0x10);

/* CXL 2.0 8.2.9.5.3.3 Table 183: Set Alert Configuration input */
typedef struct QEMU_PACKED CXLSetAlertConfigIn {
    uint8_t valid_alert_actions;
    uint8_t enable_alert_actions;
    uint8_t life_used_warning;
    uint8_t rsvd;
    uint16_t over_temp_warning;
    uint16_t under_temp_warning;
    uint16_t corrected_volatile_warning;
    uint16_t corrected_persistent_warning;
} CXLSetAlertConfigIn;
QEMU_BUILD_BUG_ON(sizeof(CXLSetAlertConfigIn) != 0xc);

/* CXL 2.0 8.2.9.1.2 Table 154: Get Event Records output header */
typedef struct QEMU_PACKED CXLGetEventRecordsOut {
    uint8_t flags;
    uint8_t rsvd;
    uint16_t overflow_count;
    uint64_t first_overflow_ts;
    uint64_t last_overflow_ts;
    uint16_t record_count;
    uint8_t rsvd2[0xa];
} CXLGetEventRecordsOut;
QEMU_BUILD_BUG_ON(sizeof(CXLGetEventRecordsOut) != 0x20);
/* CXL 2.0 8.2.9.1.2 Table 153: event log selectors */
#define CXL_EVENT_LOG_INFO      0
#define CXL_EVENT_LOG_WARN      1
#define CXL_EVENT_LOG_FAIL      2
#define CXL_EVENT_LOG_FATAL     3

/* CXL 2.0 8.2.9.1.3 Table 155: Clear Event Records input header */
typedef struct QEMU_PACKED CXLClearEventRecordsIn {
    uint8_t event_log;
    uint8_t flags;
    uint8_t handle_count;
    uint8_t rsvd[3];
    uint16_t handle[];
} CXLClearEventRecordsIn;
QEMU_BUILD_BUG_ON(sizeof(CXLClearEventRecordsIn) != 6);
#define CXL_CLEAR_EVENT_ALL     (1 << 0)

/* CXL 2.0 8.2.9.1.4/5 Tables 156/157: event interrupt policy */
typedef struct QEMU_PACKED CXLEventInterruptPolicy {
    uint8_t info;
    uint8_t warning;
    uint8_t failure;
    uint8_t fatal;
} CXLEventInterruptPolicy;
QEMU_BUILD_BUG_ON(sizeof(CXLEventInterruptPolicy) != 4);

/* CXL 2.0 8.2.9.5.4.1 Tables 188/189: Get Poison List */
typedef struct QEMU_PACKED CXLGetPoisonListIn {
    uint64_t address;
    uint64_t length;            /* in 64-byte units */
} CXLGetPoisonListIn;
QEMU_BUILD_BUG_ON(sizeof(CXLGetPoisonListIn) != 0x10);
typedef struct QEMU_PACKED CXLGetPoisonListOut {
    uint8_t flags;
    uint8_t rsvd;
    uint64_t overflow_ts;
    uint16_t more_err_count;
    uint8_t rsvd2[0x14];
} CXLGetPoisonListOut;
QEMU_BUILD_BUG_ON(sizeof(CXLGetPoisonListOut) != 0x20);

/* CXL 2.0 9.14.1: ACPI CXL Early Discovery Table (CEDT) */
#define CEDT_REVISION           1
#define CEDT_TYPE_CHBS          0
#define CEDT_TYPE_CFMWS         1

/* CXL 2.0 9.14.1.2 Table 202: CXL Host Bridge Structure */
typedef struct QEMU_PACKED CEDTCHBS {
    uint8_t type;
    uint8_t rsvd;
    uint16_t length;
    uint32_t uid;
    uint32_t cxl_version;       /* 1: CXL 2.0 (CHBCR) */
    uint32_t rsvd2;
    uint64_t base;
    uint64_t base_length;
} CEDTCHBS;
QEMU_BUILD_BUG_ON(sizeof(CEDTCHBS) != 0x20);
#define CHBS_CXL_VERSION_2_0    1

/* CXL 2.0 9.14.1.3 Table 203: CXL Fixed Memory Window Structure */
typedef struct QEMU_PACKED CEDTCFMWS {
    uint8_t type;
    uint8_t rsvd;
    uint16_t length;
    uint32_t rsvd2;
    uint64_t base_hpa;
    uint64_t window_size;
    uint8_t eniw;               /* encoded number of interleave ways */
    uint8_t interleave_arithmetic;
    uint16_t rsvd3;
    uint32_t hbig;              /* encoded host bridge interleave granularity */
    uint16_t restrictions;
    uint16_t qtg_id;
    uint32_t target[];          /* host bridge _UIDs */
} CEDTCFMWS;
QEMU_BUILD_BUG_ON(sizeof(CEDTCFMWS) != 0x24);
#define CFMWS_ARITH_MODULO      0
#define CFMWS_RESTRICT_TYPE2    (1 << 0)
#define CFMWS_RESTRICT_TYPE3    (1 << 1)
#define CFMWS_RESTRICT_VOLATILE (1 << 2)
#define CFMWS_RESTRICT_PMEM     (1 << 3)
#define CFMWS_RESTRICT_FIXED    (1 << 4)

/* CXL 2.0 9.14.2: _OSC for CXL host bridges */
#define CXL_OSC_UUID            "68F2D50B-C469-4D8A-BD3D-941A103FD3FC"

#endif
