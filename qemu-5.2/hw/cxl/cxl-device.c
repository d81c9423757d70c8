/*
 * CXL 2.0 device register block (CXL 2.0 8.2.8) of a Type 3 device: the
 * device capabilities array, device status, the primary mailbox and the
 * memory device status register.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "qemu/osdep.h"
#include "qemu/log.h"
#include "hw/cxl/cxl-device.h"
#include "trace.h"

/* CXL 2.0 8.2.8.1/8.2.8.2: capability array, one header per capability */
static const struct {
    uint16_t id;
    uint8_t version;
    uint32_t offset;
    uint32_t length;
} cxl_dev_caps[] = {
    { CXL_DEV_CAP_ID_DEVICE_STATUS, 1, CXL_DEV_STATUS_OFFSET,
      CXL_DEV_STATUS_LENGTH },
    { CXL_DEV_CAP_ID_PRIMARY_MAILBOX, 1, CXL_DEV_MAILBOX_OFFSET,
      CXL_DEV_MAILBOX_LENGTH },
    { CXL_DEV_CAP_ID_MEMDEV_STATUS, 1, CXL_DEV_MEMDEV_STATUS_OFFSET,
      CXL_DEV_MEMDEV_STATUS_LENGTH },
};

static uint32_t cxl_dev_cap_array_read(hwaddr off)
{
    unsigned i;

    if (off == A_CXL_DEV_CAP_ARRAY) {
        uint32_t v = 0;
        v = FIELD_DP32(v, CXL_DEV_CAP_ARRAY, CAP_ID, CXL_DEV_CAP_ID_ARRAY);
        v = FIELD_DP32(v, CXL_DEV_CAP_ARRAY, CAP_VERSION, 1);
        return v;
    }
    if (off == A_CXL_DEV_CAP_ARRAY_HI) {
        return FIELD_DP32(0, CXL_DEV_CAP_ARRAY_HI, CAP_COUNT,
                          ARRAY_SIZE(cxl_dev_caps));
    }
    i = off / CXL_DEV_CAP_HDR_STRIDE;
    if (i < 1 || i > ARRAY_SIZE(cxl_dev_caps)) {
        return 0;
    }
    switch (off % CXL_DEV_CAP_HDR_STRIDE) {
    case A_CXL_DEV_CAP_HDR: {
        uint32_t v = 0;
        v = FIELD_DP32(v, CXL_DEV_CAP_HDR, ID, cxl_dev_caps[i - 1].id);
        v = FIELD_DP32(v, CXL_DEV_CAP_HDR, VERSION, cxl_dev_caps[i - 1].version);
        return v;
    }
    case A_CXL_DEV_CAP_HDR_OFFSET:
        return cxl_dev_caps[i - 1].offset;
    case A_CXL_DEV_CAP_HDR_LENGTH:
        return cxl_dev_caps[i - 1].length;
    default:
        return 0;
    }
}

/* CXL 2.0 8.2.8.5: media ready and mailbox ready: the device is usable */
static uint32_t cxl_memdev_status(void)
{
    uint32_t v = 0;

    v = FIELD_DP32(v, CXL_MEMDEV_STATUS, MEDIA_STATUS, CXL_MEDIA_READY);
    v = FIELD_DP32(v, CXL_MEMDEV_STATUS, MBOX_READY, 1);
    return v;
}

static uint32_t cxl_mailbox_reg_read(CXLMailbox *mb, hwaddr off)
{
    switch (off) {
    case A_CXL_MB_CAP: {
        uint32_t v = 0;
        /* No interrupts: doorbell and background-done are polled */
        v = FIELD_DP32(v, CXL_MB_CAP, PAYLOAD_SIZE, CXL_MB_PAYLOAD_SHIFT);
        return v;
    }
    case A_CXL_MB_CTRL:
        return mb->ctrl;
    case A_CXL_MB_CMD:
        return mb->cmd;
    case A_CXL_MB_CMD_HI:
        return mb->cmd >> 32;
    case A_CXL_MB_STATUS:
        return mb->status;
    case A_CXL_MB_STATUS_HI:
        return mb->status >> 32;
    default:                    /* background command status: none ever */
        return 0;
    }
}

/*
 * CXL 2.0 8.2.8.4.4: setting the doorbell hands the command to the
 * device; the device clears it when the command is done. Every command
 * here completes before the write returns, so the guest sees the doorbell
 * clear on its first poll and never a background operation.
 */
static void cxl_mailbox_doorbell(CXLType3Dev *ct3d)
{
    CXLMailbox *mb = &ct3d->mbox;
    uint16_t opcode = FIELD_EX64(mb->cmd, CXL_MB_CMD, OPCODE);
    size_t in_len = extract64(mb->cmd, 16, 21);
    size_t out_len = 0;
    CXLRetCode rc;

    if (in_len > CXL_MB_PAYLOAD_SIZE) {
        qemu_log_mask(LOG_GUEST_ERROR, "cxl-type3: mailbox command 0x%04x "
                      "payload length %zu exceeds the %d byte payload\n",
                      opcode, in_len, CXL_MB_PAYLOAD_SIZE);
        rc = CXL_MBOX_INVALID_PAYLOAD_LENGTH;
    } else {
        rc = cxl_mailbox_execute(ct3d, opcode, in_len, &out_len);
    }
    trace_cxl_mailbox_command(opcode, in_len, rc, out_len);
    /* Output length goes back in the command register (8.2.8.4.5) */
    mb->cmd = deposit64(mb->cmd, 16, 21, rc == CXL_MBOX_SUCCESS ? out_len : 0);
    mb->status = deposit64(0, 32, 16, rc);
    mb->ctrl = FIELD_DP32(mb->ctrl, CXL_MB_CTRL, DOORBELL, 0);
}

static void cxl_mailbox_reg_write(CXLType3Dev *ct3d, hwaddr off, uint64_t val,
                                  unsigned size)
{
    CXLMailbox *mb = &ct3d->mbox;
    bool busy = FIELD_EX32(mb->ctrl, CXL_MB_CTRL, DOORBELL);

    if (off >= CXL_MB_PAYLOAD) {
        if (busy) {
            goto busy;
        }
        stn_le_p(mb->payload + (off - CXL_MB_PAYLOAD), size, val);
        return;
    }
    switch (off) {
    case A_CXL_MB_CTRL:
        /* Interrupt enables are RsvdP without interrupt capability */
        if (FIELD_EX32(val, CXL_MB_CTRL, DOORBELL) && !busy) {
            mb->ctrl = FIELD_DP32(mb->ctrl, CXL_MB_CTRL, DOORBELL, 1);
            cxl_mailbox_doorbell(ct3d);
        }
        return;
    case A_CXL_MB_CMD:
        if (busy) {
            goto busy;
        }
        if (size == 8) {
            mb->cmd = val;
        } else {
            mb->cmd = deposit64(mb->cmd, 0, 32, val);
        }
        return;
    case A_CXL_MB_CMD_HI:
        if (busy) {
            goto busy;
        }
        mb->cmd = deposit64(mb->cmd, 32, 32, val);
        return;
    default:                    /* capabilities and status are read-only */
        qemu_log_mask(LOG_GUEST_ERROR, "cxl-type3: write to read-only mailbox "
                      "register 0x%" HWADDR_PRIx " ignored\n", off);
        return;
    }
busy:
    /* 8.2.8.4.4: the caller owns these only while the doorbell is clear */
    qemu_log_mask(LOG_GUEST_ERROR, "cxl-type3: mailbox register 0x%" HWADDR_PRIx
                  " written while the doorbell is set: ignored\n", off);
}

static uint64_t cxl_device_regs_read(void *opaque, hwaddr addr, unsigned size)
{
    CXLType3Dev *ct3d = opaque;
    CXLMailbox *mb = &ct3d->mbox;
    uint64_t v = 0;
    unsigned i;

    if (addr >= CXL_DEV_MAILBOX_OFFSET + CXL_MB_PAYLOAD &&
        addr + size <= CXL_DEV_MAILBOX_OFFSET + CXL_DEV_MAILBOX_LENGTH) {
        return ldn_le_p(mb->payload + (addr - CXL_DEV_MAILBOX_OFFSET -
                                       CXL_MB_PAYLOAD), size);
    }
    /* Registers: assemble from dwords (accesses are 4 or 8, aligned) */
    for (i = 0; i < size / 4; i++) {
        hwaddr off = addr + 4 * i;
        uint32_t d = 0;

        if (off < CXL_DEV_STATUS_OFFSET) {
            d = cxl_dev_cap_array_read(off);
        } else if (off == CXL_DEV_MEMDEV_STATUS_OFFSET) {
            d = cxl_memdev_status();
        } else if (off >= CXL_DEV_MAILBOX_OFFSET &&
                   off < CXL_DEV_MAILBOX_OFFSET + CXL_MB_PAYLOAD) {
            d = cxl_mailbox_reg_read(mb, off - CXL_DEV_MAILBOX_OFFSET);
        }                       /* device event status: no events, 0 */
        v |= (uint64_t)d << (32 * i);
    }
    return v;
}

static void cxl_device_regs_write(void *opaque, hwaddr addr, uint64_t val,
                                  unsigned size)
{
    CXLType3Dev *ct3d = opaque;

    if (addr >= CXL_DEV_MAILBOX_OFFSET &&
        addr + size <= CXL_DEV_MAILBOX_OFFSET + CXL_DEV_MAILBOX_LENGTH) {
        hwaddr off = addr - CXL_DEV_MAILBOX_OFFSET;

        if (off < CXL_MB_PAYLOAD && size == 8) {
            /* A qword register write: the low dword, then the high one */
            if (off == A_CXL_MB_CMD) {
                cxl_mailbox_reg_write(ct3d, off, val, 8);
            } else {
                cxl_mailbox_reg_write(ct3d, off, val, 4);
                cxl_mailbox_reg_write(ct3d, off + 4, val >> 32, 4);
            }
        } else {
            cxl_mailbox_reg_write(ct3d, off, val, size);
        }
        return;
    }
    qemu_log_mask(LOG_GUEST_ERROR, "cxl-type3: write to read-only device "
                  "register 0x%" HWADDR_PRIx " ignored\n", addr);
}

/*
 * CXL 2.0 8.2.8: registers are read as aligned dwords or qwords; the
 * mailbox payload takes any size at any offset.
 */
static bool cxl_device_regs_accepts(void *opaque, hwaddr addr, unsigned size,
                                    bool is_write, MemTxAttrs attrs)
{
    hwaddr payload = CXL_DEV_MAILBOX_OFFSET + CXL_MB_PAYLOAD;

    if (addr >= payload && addr + size <= payload + CXL_MB_PAYLOAD_SIZE) {
        return true;
    }
    return (size == 4 || size == 8) && !(addr & (size - 1));
}

static const MemoryRegionOps cxl_device_regs_ops = {
    .read = cxl_device_regs_read,
    .write = cxl_device_regs_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .valid = {
        .min_access_size = 1,
        .max_access_size = 8,
        .accepts = cxl_device_regs_accepts,
        .unaligned = true,
    },
    .impl = {
        .min_access_size = 1,
        .max_access_size = 8,
        .unaligned = true,
    },
};

void cxl_device_regs_reset(CXLType3Dev *ct3d)
{
    CXLMailbox *mb = &ct3d->mbox;

    mb->ctrl = 0;
    mb->cmd = 0;
    mb->status = 0;
    memset(mb->payload, 0, sizeof(mb->payload));
    cxl_mailbox_reset(mb);
}

void cxl_device_regs_init(CXLType3Dev *ct3d)
{
    memory_region_init_io(&ct3d->device_regs, OBJECT(ct3d),
                          &cxl_device_regs_ops, ct3d, "cxl-device-registers",
                          CXL_DEV_REGS_SIZE);
}
