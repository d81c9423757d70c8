/*
 * CXL Designated Vendor-Specific Extended Capabilities (CXL 2.0 8.1):
 * builders for the DVSECs that CXL ports and devices carry in PCIe
 * configuration space.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "qemu/osdep.h"
#include "hw/pci/pci.h"
#include "hw/pci/pcie.h"
#include "hw/cxl/cxl.h"

/*
 * Add an empty DVSEC at @offset (PCIe 5.0 7.9.6): DVSEC Header 1 holds
 * the CXL vendor ID, @revision and @length; Header 2 the DVSEC ID.
 * Returns the offset after it, rounded up to a dword.
 */
uint16_t cxl_dvsec_add(PCIDevice *d, uint16_t offset, uint16_t dvsec_id,
                       uint8_t revision, uint16_t length)
{
    pcie_add_capability(d, PCIE_EXT_CAP_ID_DVSEC, 1, offset, length);
    pci_set_long(d->config + offset + DVSEC_HEADER1,
                 CXL_VENDOR_ID | (revision & 0xf) << 16 | (uint32_t)length << 20);
    pci_set_word(d->config + offset + DVSEC_HEADER2, dvsec_id);
    return QEMU_ALIGN_UP(offset + length, 4);
}

/* CXL 2.0 8.1.9: Register Locator DVSEC with @blocks register blocks */
uint16_t cxl_dvsec_add_register_locator(PCIDevice *d, uint16_t offset,
                                        const uint8_t *bir,
                                        const uint8_t *block_id,
                                        const uint64_t *block_offset,
                                        unsigned blocks)
{
    uint16_t len = CXL_DVSEC_REGLOC_BLOCK1 + 8 * blocks;
    unsigned i;

    cxl_dvsec_add(d, offset, CXL_DVSEC_REGISTER_LOCATOR,
                  CXL_DVSEC_REGLOC_REVISION, len);
    for (i = 0; i < blocks; i++) {
        uint32_t lo = 0;
        uint16_t at = offset + CXL_DVSEC_REGLOC_BLOCK1 + 8 * i;

        /* The offset is 64 KiB aligned: its low 16 bits are not stored */
        lo = FIELD_DP32(lo, DVSEC_REGLOC_LO, BIR, bir[i]);
        lo = FIELD_DP32(lo, DVSEC_REGLOC_LO, BLOCK_ID, block_id[i]);
        lo = FIELD_DP32(lo, DVSEC_REGLOC_LO, OFFSET_LOW,
                        (block_offset[i] >> 16) & 0xffff);
        pci_set_long(d->config + at, lo);
        pci_set_long(d->config + at + 4, block_offset[i] >> 32);
    }
    return QEMU_ALIGN_UP(offset + len, 4);
}

/*
 * CXL 2.0 8.1.8: PCIe DVSEC for Flex Bus Port: a CXL 2.0 link capable of
 * and running CXL.io and CXL.mem. A port's control register is writable;
 * a device reports the same capability and status.
 */
uint16_t cxl_dvsec_add_flexbus(PCIDevice *d, uint16_t at, bool port)
{
    uint16_t next, v;

    next = cxl_dvsec_add(d, at, CXL_DVSEC_FLEXBUS_PORT,
                         CXL_DVSEC_FLEXBUS_REVISION, CXL_DVSEC_FLEXBUS_LENGTH);
    v = 0;
    v = FIELD_DP16(v, DVSEC_FLEXBUS_CAP, IO_CAPABLE, 1);
    v = FIELD_DP16(v, DVSEC_FLEXBUS_CAP, MEM_CAPABLE, 1);
    v = FIELD_DP16(v, DVSEC_FLEXBUS_CAP, CXL2P0_CAPABLE, 1);
    pci_set_word(d->config + at + A_DVSEC_FLEXBUS_CAP, v);
    if (port) {
        v = 0;
        v = FIELD_DP16(v, DVSEC_FLEXBUS_CTRL, IO_ENABLE, 1);
        v = FIELD_DP16(v, DVSEC_FLEXBUS_CTRL, MEM_ENABLE, 1);
        v = FIELD_DP16(v, DVSEC_FLEXBUS_CTRL, CXL2P0_ENABLE, 1);
        pci_set_word(d->config + at + A_DVSEC_FLEXBUS_CTRL, v);
        pci_set_word(d->wmask + at + A_DVSEC_FLEXBUS_CTRL, v);
    }
    v = 0;
    v = FIELD_DP16(v, DVSEC_FLEXBUS_STATUS, IO_ENABLED, 1);
    v = FIELD_DP16(v, DVSEC_FLEXBUS_STATUS, MEM_ENABLED, 1);
    v = FIELD_DP16(v, DVSEC_FLEXBUS_STATUS, CXL2P0_ENABLED, 1);
    pci_set_word(d->config + at + A_DVSEC_FLEXBUS_STATUS, v);
    return next;
}

/*
 * The DVSECs of a CXL root port or switch port: CXL 2.0 Extensions for
 * Ports (8.1.5), GPF for Ports (8.1.6) and Flex Bus Port (8.1.8). The
 * register locator comes separately, since ports place their blocks in
 * different BARs.
 */
uint16_t cxl_dvsec_add_port_dvsecs(PCIDevice *d, uint16_t offset)
{
    uint16_t at;

    /* 8.1.5: no alternate ranges or RCRB: all fields zero, control RW */
    at = offset;
    offset = cxl_dvsec_add(d, at, CXL_DVSEC_PORT_EXTENSIONS,
                           CXL_DVSEC_PORT_EXT_REVISION, CXL_DVSEC_PORT_EXT_LENGTH);
    pci_set_word(d->wmask + at + A_DVSEC_PORT_EXT_CTRL, 0x0001);
    pci_set_byte(d->wmask + at + A_DVSEC_PORT_EXT_ALT_BUS_BASE, 0xff);
    pci_set_byte(d->wmask + at + A_DVSEC_PORT_EXT_ALT_BUS_LIMIT, 0xff);
    pci_set_word(d->wmask + at + A_DVSEC_PORT_EXT_ALT_MEM_BASE, 0xfff0);
    pci_set_word(d->wmask + at + A_DVSEC_PORT_EXT_ALT_MEM_LIMIT, 0xfff0);
    pci_set_word(d->wmask + at + A_DVSEC_PORT_EXT_ALT_PREF_BASE, 0xfff0);
    pci_set_word(d->wmask + at + A_DVSEC_PORT_EXT_ALT_PREF_LIMIT, 0xfff0);
    pci_set_long(d->wmask + at + A_DVSEC_PORT_EXT_ALT_PREF_BASE_HI, UINT32_MAX);
    pci_set_long(d->wmask + at + A_DVSEC_PORT_EXT_ALT_PREF_LIMIT_HI, UINT32_MAX);

    /* 8.1.6: GPF phase timeout base and scale, RW, reset 0 */
    at = offset;
    offset = cxl_dvsec_add(d, at, CXL_DVSEC_PORT_GPF, CXL_DVSEC_PORT_GPF_REVISION,
                           CXL_DVSEC_PORT_GPF_LENGTH);
    pci_set_word(d->wmask + at + A_DVSEC_PORT_GPF_PHASE1_CTRL, 0x0f0f);
    pci_set_word(d->wmask + at + A_DVSEC_PORT_GPF_PHASE2_CTRL, 0x0f0f);

    return cxl_dvsec_add_flexbus(d, offset, true);
}

/*
 * Everything that makes a PCIe port a CXL port (root, switch upstream or
 * downstream): its component registers in BAR @bar (a 32-bit memory BAR,
 * all a bridge has), the port DVSECs at @dvsec_offset, and a register
 * locator pointing at the component block.
 */
void cxl_port_init_registers(PCIDevice *d, CXLComponentState *cs,
                             CXLComponentKind kind, unsigned hdm_count,
                             uint8_t bar, uint16_t dvsec_offset)
{
    uint8_t id = CXL_REGBLOCK_COMPONENT;
    uint64_t off = 0;
    uint16_t at;

    cxl_component_init(cs, OBJECT(d),
                       DEVICE(d)->id ? DEVICE(d)->id : object_get_typename(OBJECT(d)),
                       kind, hdm_count);
    pci_register_bar(d, bar, PCI_BASE_ADDRESS_SPACE_MEMORY, &cs->mr);
    at = cxl_dvsec_add_port_dvsecs(d, dvsec_offset);
    cxl_dvsec_add_register_locator(d, at, &bar, &id, &off, 1);
}
