/*
 * CXL 2.0 Type 3 memory device: state, device register block (CXL 2.0
 * 8.2.8) and mailbox command interface (8.2.9).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef HW_CXL_CXL_DEVICE_H
#define HW_CXL_CXL_DEVICE_H

#include "hw/cxl/cxl.h"
#include "sysemu/hostmem.h"

/* Our layout of the device register block (offsets in the block) */
#define CXL_DEV_REGS_SIZE               0x1000
#define CXL_DEV_STATUS_OFFSET           0x80
#define CXL_DEV_STATUS_LENGTH           0x8
#define CXL_DEV_MEMDEV_STATUS_OFFSET    0x90
#define CXL_DEV_MEMDEV_STATUS_LENGTH    0x8
#define CXL_DEV_MAILBOX_OFFSET          0x100
#define CXL_MB_PAYLOAD_SHIFT            11          /* 2 KiB payload */
#define CXL_MB_PAYLOAD_SIZE             (1 << CXL_MB_PAYLOAD_SHIFT)
#define CXL_DEV_MAILBOX_LENGTH          (CXL_MB_PAYLOAD + CXL_MB_PAYLOAD_SIZE)
QEMU_BUILD_BUG_ON(CXL_DEV_MAILBOX_OFFSET + CXL_DEV_MAILBOX_LENGTH >
                  CXL_DEV_REGS_SIZE);

/* Our BAR layout: component registers, then device registers */
#define CXL_TYPE3_BAR                   2
#define CXL_TYPE3_COMPONENT_OFFSET      0
#define CXL_TYPE3_DEVICE_REGS_OFFSET    CXL_COMPONENT_REG_SIZE
#define CXL_TYPE3_BAR_SIZE              (2 * CXL_COMPONENT_REG_SIZE)

OBJECT_DECLARE_SIMPLE_TYPE(CXLType3Dev, CXL_TYPE3)

/* Mailbox registers and the state the commands keep */
typedef struct CXLMailbox {
    uint32_t ctrl;
    uint64_t cmd;
    uint64_t status;
    uint8_t payload[CXL_MB_PAYLOAD_SIZE];
    /* Command state */
    int64_t timestamp;              /* set by Set Timestamp, ns */
    int64_t timestamp_set_at;       /* QEMU_CLOCK_VIRTUAL when set, or -1 */
    CXLEventInterruptPolicy event_policy;
    CXLAlertConfigOut alerts;
} CXLMailbox;

struct CXLType3Dev {
    PCIDevice parent_obj;

    /* Properties */
    HostMemoryBackend *hostmem;         /* memdev= (older name) */
    HostMemoryBackend *hostpmem;        /* persistent-memdev= */
    HostMemoryBackend *hostvmem;        /* volatile-memdev= */
    HostMemoryBackend *lsa;
    uint64_t sn;
    uint32_t hdm_count;

    /* Derived at realize */
    uint64_t vmem_size;                 /* DPA [0, vmem_size) volatile */
    uint64_t pmem_size;                 /* then persistent */
    uint64_t lsa_size;

    MemoryRegion bar;
    MemoryRegion device_regs;
    /* Volatile then persistent capacity, for the fast path's page mappings */
    MemoryRegion dpa_mr;
    AddressSpace dpa_as;
    /* The fast path's direct access: each capacity's region and host bytes */
    MemoryRegion *vmem_mr, *pmem_mr;
    uint8_t *vmem_host, *pmem_host;
    CXLComponentState cstate;
    CXLMailbox mbox;
};

/* hw/mem/cxl_type3.c: the serial number the device reports */
uint64_t cxl_type3_serial(CXLType3Dev *ct3d);
bool cxl_type3_mem_enabled(CXLType3Dev *ct3d);
/*
 * The fast path's view of DPA range [@dpa, @dpa + @len): true when it lies
 * within one capacity (volatile or persistent) that has host bytes, with
 * that capacity's region, the range's offset in it and its host bytes.
 */
static inline bool cxl_type3_direct_range(CXLType3Dev *ct3d, uint64_t dpa,
                                          uint64_t len, MemoryRegion **mr,
                                          uint64_t *mr_offset, uint8_t **host)
{
    uint64_t off = dpa, size = ct3d->vmem_size;

    *mr = ct3d->vmem_mr;
    *host = ct3d->vmem_host;
    if (dpa >= ct3d->vmem_size) {
        *mr = ct3d->pmem_mr;
        *host = ct3d->pmem_host;
        off -= ct3d->vmem_size;
        size = ct3d->pmem_size;
    }
    if (!*host || off > size || len > size - off) {
        return false;
    }
    *mr_offset = off;
    *host += off;
    return true;
}

/* An access to host bytes @host, at @mr_offset in region @mr */
static inline void cxl_type3_host_access(MemoryRegion *mr, uint64_t mr_offset,
                                         uint8_t *host, uint64_t *data,
                                         unsigned size, bool is_write)
{
    if (is_write) {
        stn_le_p(host, size, *data);
        memory_region_set_dirty(mr, mr_offset, size);
    } else {
        *data = ldn_le_p(host, size);
    }
}

/*
 * hw/mem/cxl_type3.c: the fast path's access to device physical address
 * @dpa, straight to the backend's bytes (marked dirty as a store to RAM
 * is); the same effect as cxl_type3_access
 */
static inline MemTxResult cxl_type3_access_direct(CXLType3Dev *ct3d, uint64_t dpa,
                                                  uint64_t *data, unsigned size,
                                                  bool is_write)
{
    MemoryRegion *mr;
    uint64_t off;
    uint8_t *host;

    if (!cxl_type3_direct_range(ct3d, dpa, size, &mr, &off, &host)) {
        return MEMTX_DECODE_ERROR;
    }
    cxl_type3_host_access(mr, off, host, data, size, is_write);
    return MEMTX_OK;
}

/* hw/mem/cxl_type3.c: an access to device physical address @dpa */
MemTxResult cxl_type3_access(CXLType3Dev *ct3d, uint64_t dpa, uint64_t *data,
                             unsigned size, bool is_write);

/* hw/cxl/cxl-device.c */
void cxl_device_regs_init(CXLType3Dev *ct3d);
void cxl_device_regs_reset(CXLType3Dev *ct3d);

/* hw/cxl/cxl-mailbox.c */
void cxl_mailbox_reset(CXLMailbox *mb);
/* Runs the command in mb->cmd on mb->payload; returns the return code */
CXLRetCode cxl_mailbox_execute(CXLType3Dev *ct3d, uint16_t opcode,
                               size_t in_len, size_t *out_len);

#endif
