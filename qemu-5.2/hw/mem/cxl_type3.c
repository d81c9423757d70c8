/*
 * cxl-type3: a CXL 2.0 Type 3 memory expander (class code 0x050210).
 *
 * Config space: the Device Serial Number capability and the DVSECs of a
 * CXL device (CXL 2.0 8.1.3, 8.1.7, 8.1.8, 8.1.9). BAR2: the component
 * registers (8.2.4, with HDM decoders and RAS) and the device registers
 * (8.2.8: capability array, status, mailbox, memory device status).
 * Capacity: a volatile and/or a persistent memory backend, volatile first
 * in the device physical address space; a label storage area backend.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "qemu/osdep.h"
#include "qapi/error.h"
#include "qemu/module.h"
#include "qemu/units.h"
#include "hw/pci/pci.h"
#include "hw/pci/pcie.h"
#include "hw/pci/pcie_port.h"
#include "hw/qdev-properties.h"
#include "migration/vmstate.h"
#include "sysemu/hostmem.h"
#include "hw/cxl/cxl-device.h"

#define CXL_TYPE3_DSN_OFFSET        0x100
#define CXL_TYPE3_DVSEC_OFFSET      0x110
#define PCI_CLASS_MEMORY_CXL        0x0502
#define CXL_TYPE3_PROG_IF           0x10

/* One check-params step: every user error gets an actionable message */
static bool ct3_check_backend(HostMemoryBackend *be, const char *prop,
                              bool capacity, Error **errp)
{
    uint64_t size;

    if (!be) {
        return true;
    }
    if (host_memory_backend_is_mapped(be)) {
        error_setg(errp, "cxl-type3: %s: memory backend '%s' is already in "
                   "use", prop, object_get_canonical_path_component(OBJECT(be)));
        return false;
    }
    size = memory_region_size(host_memory_backend_get_memory(be));
    if (capacity && (!size || size % CXL_HDM_ALIGN)) {
        error_setg(errp, "cxl-type3: %s: memory backend '%s' is %" PRIu64
                   " bytes; CXL capacity comes in multiples of 256 MiB",
                   prop, object_get_canonical_path_component(OBJECT(be)), size);
        return false;
    }
    return true;
}

static bool ct3_check_params(CXLType3Dev *ct3d, Error **errp)
{
    if (!cxl_machine_check_enabled("cxl-type3", errp)) {
        return false;
    }
    if (ct3d->hostmem && ct3d->hostpmem) {
        error_setg(errp, "cxl-type3: memdev is the older name of "
                   "persistent-memdev: give one of them, not both");
        return false;
    }
    if (ct3d->hostmem) {
        ct3d->hostpmem = ct3d->hostmem;
        ct3d->hostmem = NULL;
    }
    if (!ct3d->hostpmem && !ct3d->hostvmem) {
        error_setg(errp, "cxl-type3: no capacity: set persistent-memdev "
                   "and/or volatile-memdev to a memory backend id");
        return false;
    }
    if (ct3d->hostpmem && ct3d->hostpmem == ct3d->hostvmem) {
        error_setg(errp, "cxl-type3: persistent-memdev and volatile-memdev "
                   "name the same memory backend");
        return false;
    }
    if (ct3d->lsa && (ct3d->lsa == ct3d->hostpmem || ct3d->lsa == ct3d->hostvmem)) {
        error_setg(errp, "cxl-type3: lsa names a backend that already "
                   "provides capacity");
        return false;
    }
    if (!ct3_check_backend(ct3d->hostvmem, "volatile-memdev", true, errp) ||
        !ct3_check_backend(ct3d->hostpmem, "persistent-memdev", true, errp) ||
        !ct3_check_backend(ct3d->lsa, "lsa", false, errp)) {
        return false;
    }
    if (ct3d->lsa &&
        memory_region_size(host_memory_backend_get_memory(ct3d->lsa)) > UINT32_MAX) {
        error_setg(errp, "cxl-type3: lsa: a label storage area is at most "
                   "4 GiB (its size is a 32-bit field)");
        return false;
    }
    if (ct3d->hdm_count < 1 || ct3d->hdm_count > CXL_HDM_MAX_DECODERS ||
        (ct3d->hdm_count > 1 && ct3d->hdm_count % 2)) {
        error_setg(errp, "cxl-type3: hdm-decoders=%u: must be 1, 2, 4, 6, 8 "
                   "or 10", ct3d->hdm_count);
        return false;
    }
    if (!pci_bus_is_express(pci_get_bus(PCI_DEVICE(ct3d)))) {
        error_setg(errp, "cxl-type3: must sit below a CXL root port or switch "
                   "downstream port (bus=<cxl-rp id>)");
        return false;
    }
    return true;
}

static bool ct3_check_port(CXLType3Dev *ct3d, Error **errp)
{
    PCIDevice *port = pci_bridge_get_device(pci_get_bus(PCI_DEVICE(ct3d)));

    if (!port || (!object_dynamic_cast(OBJECT(port), TYPE_CXL_ROOT_PORT) &&
                  !object_dynamic_cast(OBJECT(port), TYPE_CXL_DSP))) {
        error_setg(errp, "cxl-type3: must sit below a CXL root port or switch "
                   "downstream port (bus=<cxl-rp or cxl-downstream id>), not on %s",
                   port ? object_get_typename(OBJECT(port)) : "a root bus");
        return false;
    }
    /* A port's HDM decode reaches device 0, function 0 of its link */
    if (PCI_FUNC(PCI_DEVICE(ct3d)->devfn)) {
        error_setg(errp, "cxl-type3: addr=0.%d: below a port a CXL Type 3 "
                   "device must be function 0 (addr=0.0)",
                   PCI_FUNC(PCI_DEVICE(ct3d)->devfn));
        return false;
    }
    return true;
}

/*
 * The serial number (PCIe Device Serial Number capability) that Linux
 * reports: the sn property, or one derived from the device's QOM path, so
 * that devices differ and stay the same across runs of one command line.
 */
uint64_t cxl_type3_serial(CXLType3Dev *ct3d)
{
    g_autofree char *path = NULL;

    if (ct3d->sn != UINT64_MAX) {
        return ct3d->sn;
    }
    path = object_get_canonical_path(OBJECT(ct3d));
    return 0x51454d5543584c00ull ^ ((uint64_t)g_str_hash(path) << 8);
}

/* CXL 2.0 8.1.3: PCIe DVSEC for CXL Device */
static uint16_t ct3_build_device_dvsec(CXLType3Dev *ct3d, uint16_t at)
{
    PCIDevice *d = PCI_DEVICE(ct3d);
    uint64_t size = ct3d->vmem_size + ct3d->pmem_size;
    uint16_t next, cap = 0;
    uint32_t lo = 0;

    next = cxl_dvsec_add(d, at, CXL_DVSEC_PCIE_DEVICE, CXL_DVSEC_DEVICE_REVISION,
                         CXL_DVSEC_DEVICE_LENGTH);
    cap = FIELD_DP16(cap, DVSEC_DEV_CAP, IO_CAPABLE, 1);
    cap = FIELD_DP16(cap, DVSEC_DEV_CAP, MEM_CAPABLE, 1);
    cap = FIELD_DP16(cap, DVSEC_DEV_CAP, HDM_COUNT, 1);
    pci_set_word(d->config + at + A_DVSEC_DEV_CAP, cap);
    /* Control: Mem_Enable is the OS's to set; reset 0 (HDM decoders rule) */
    pci_set_word(d->wmask + at + A_DVSEC_DEV_CTRL,
                 R_DVSEC_DEV_CTRL_MEM_ENABLE_MASK);
    pci_set_word(d->wmask + at + A_DVSEC_DEV_LOCK,
                 R_DVSEC_DEV_LOCK_CONFIG_LOCK_MASK);

    /* Range 1: the whole capacity, information valid and memory active */
    lo = FIELD_DP32(lo, DVSEC_RANGE1_SIZE_LO, MEM_INFO_VALID, 1);
    lo = FIELD_DP32(lo, DVSEC_RANGE1_SIZE_LO, MEM_ACTIVE, 1);
    lo = FIELD_DP32(lo, DVSEC_RANGE1_SIZE_LO, MEDIA_TYPE, CXL_DVSEC_MEDIA_CDAT);
    lo = FIELD_DP32(lo, DVSEC_RANGE1_SIZE_LO, MEMORY_CLASS, CXL_DVSEC_MEDIA_CDAT);
    lo |= size & 0xf0000000;
    pci_set_long(d->config + at + A_DVSEC_RANGE1_SIZE_HI, size >> 32);
    pci_set_long(d->config + at + A_DVSEC_RANGE1_SIZE_LO, lo);
    pci_set_long(d->wmask + at + A_DVSEC_RANGE1_BASE_HI, UINT32_MAX);
    pci_set_long(d->wmask + at + A_DVSEC_RANGE1_BASE_LO,
                 R_DVSEC_RANGE1_BASE_LO_BASE_LOW_MASK);
    return next;
}

/* CXL 2.0 8.1.7: GPF DVSEC for CXL Device */
static uint16_t ct3_build_gpf_dvsec(CXLType3Dev *ct3d, uint16_t at)
{
    PCIDevice *d = PCI_DEVICE(ct3d);
    uint16_t next, dur = 0;

    next = cxl_dvsec_add(d, at, CXL_DVSEC_DEVICE_GPF,
                         CXL_DVSEC_DEVICE_GPF_REVISION,
                         CXL_DVSEC_DEVICE_GPF_LENGTH);
    /* Phase 2 (flush to the backing file) takes at most 1 x 100 ms */
    dur = FIELD_DP16(dur, DVSEC_DEV_GPF_PHASE2_DURATION, TIME_BASE, 1);
    dur = FIELD_DP16(dur, DVSEC_DEV_GPF_PHASE2_DURATION, TIME_SCALE, 5);
    pci_set_word(d->config + at + A_DVSEC_DEV_GPF_PHASE2_DURATION, dur);
    return next;
}

static void ct3_build_config(CXLType3Dev *ct3d)
{
    PCIDevice *d = PCI_DEVICE(ct3d);
    const uint8_t bir[] = { CXL_TYPE3_BAR, CXL_TYPE3_BAR };
    const uint8_t ids[] = { CXL_REGBLOCK_COMPONENT, CXL_REGBLOCK_MEMDEV };
    const uint64_t offs[] = { CXL_TYPE3_COMPONENT_OFFSET,
                              CXL_TYPE3_DEVICE_REGS_OFFSET };
    uint16_t at;

    pci_config_set_class(d->config, PCI_CLASS_MEMORY_CXL);
    pci_config_set_prog_interface(d->config, CXL_TYPE3_PROG_IF);
    pcie_endpoint_cap_init(d, 0x80);
    pcie_dev_ser_num_init(d, CXL_TYPE3_DSN_OFFSET, cxl_type3_serial(ct3d));

    at = ct3_build_device_dvsec(ct3d, CXL_TYPE3_DVSEC_OFFSET);
    at = cxl_dvsec_add_register_locator(d, at, bir, ids, offs, 2);
    at = ct3_build_gpf_dvsec(ct3d, at);
    cxl_dvsec_add_flexbus(d, at, false);
}

/*
 * The capacity and the label storage area migrate with the device: their
 * RAM blocks are named after it and marked migratable, as pc-dimm does for
 * its backend. Backends are created "nomigrate"; without this, migration
 * would skip them and the destination would keep whatever its own
 * backends held. Writes through a window mark the pages dirty on every
 * path (the trap's dispatch, the fast path's direct stores, and TCG's
 * stores to mapped pages), so precopy sends them again.
 */
static void ct3_register_ram(CXLType3Dev *ct3d, bool on)
{
    HostMemoryBackend *be[] = { ct3d->hostvmem, ct3d->hostpmem, ct3d->lsa };
    unsigned i;

    for (i = 0; i < ARRAY_SIZE(be); i++) {
        if (!be[i]) {
            continue;
        }
        if (on) {
            vmstate_register_ram(host_memory_backend_get_memory(be[i]),
                                 DEVICE(ct3d));
        } else {
            vmstate_unregister_ram(host_memory_backend_get_memory(be[i]),
                                   DEVICE(ct3d));
        }
    }
}

/* CXL 2.0 8.1.3.2: DVSEC CXL Control, Mem_Enable (reset 0) */
bool cxl_type3_mem_enabled(CXLType3Dev *ct3d)
{
    return pci_get_word(PCI_DEVICE(ct3d)->config + CXL_TYPE3_DVSEC_OFFSET +
                        A_DVSEC_DEV_CTRL) & R_DVSEC_DEV_CTRL_MEM_ENABLE_MASK;
}

static void ct3_write_config(PCIDevice *d, uint32_t addr, uint32_t val, int len)
{
    CXLType3Dev *ct3d = CXL_TYPE3(d);
    bool was = cxl_type3_mem_enabled(ct3d);

    pci_default_write_config(d, addr, val, len);
    if (cxl_type3_mem_enabled(ct3d) != was) {
        cxl_routes_changed();
    }
}

/* Serial numbers identify devices to Linux and in labels: no twins */
static GPtrArray *ct3_devices;

static bool ct3_check_serial(CXLType3Dev *ct3d, Error **errp)
{
    uint64_t sn = cxl_type3_serial(ct3d);
    unsigned i;

    for (i = 0; ct3_devices && i < ct3_devices->len; i++) {
        CXLType3Dev *other = g_ptr_array_index(ct3_devices, i);
        if (cxl_type3_serial(other) == sn) {
            error_setg(errp, "cxl-type3: serial number sn=0x%" PRIx64 " is "
                       "already used by %s", sn,
                       DEVICE(other)->id ? DEVICE(other)->id : "another cxl-type3");
            return false;
        }
    }
    return true;
}

static void ct3_realize(PCIDevice *d, Error **errp)
{
    CXLType3Dev *ct3d = CXL_TYPE3(d);
    DeviceState *dev = DEVICE(d);

    if (!ct3_check_params(ct3d, errp) || !ct3_check_port(ct3d, errp) ||
        !ct3_check_serial(ct3d, errp)) {
        return;
    }
    if (!ct3_devices) {
        ct3_devices = g_ptr_array_new();
    }
    g_ptr_array_add(ct3_devices, ct3d);
    if (ct3d->hostvmem) {
        ct3d->vmem_mr = host_memory_backend_get_memory(ct3d->hostvmem);
        ct3d->vmem_host = memory_region_get_ram_ptr(ct3d->vmem_mr);
        ct3d->vmem_size = memory_region_size(ct3d->vmem_mr);
        host_memory_backend_set_mapped(ct3d->hostvmem, true);
    }
    if (ct3d->hostpmem) {
        ct3d->pmem_mr = host_memory_backend_get_memory(ct3d->hostpmem);
        ct3d->pmem_host = memory_region_get_ram_ptr(ct3d->pmem_mr);
        ct3d->pmem_size = memory_region_size(ct3d->pmem_mr);
        host_memory_backend_set_mapped(ct3d->hostpmem, true);
    }
    if (ct3d->lsa) {
        ct3d->lsa_size = memory_region_size(host_memory_backend_get_memory(ct3d->lsa));
        host_memory_backend_set_mapped(ct3d->lsa, true);
    }
    ct3_register_ram(ct3d, true);

    ct3_build_config(ct3d);

    memory_region_init(&ct3d->dpa_mr, OBJECT(d), "cxl-type3-dpa",
                       ct3d->vmem_size + ct3d->pmem_size);
    if (ct3d->hostvmem) {
        memory_region_add_subregion(&ct3d->dpa_mr, 0,
                                    host_memory_backend_get_memory(ct3d->hostvmem));
    }
    if (ct3d->hostpmem) {
        memory_region_add_subregion(&ct3d->dpa_mr, ct3d->vmem_size,
                                    host_memory_backend_get_memory(ct3d->hostpmem));
    }
    address_space_init(&ct3d->dpa_as, &ct3d->dpa_mr, dev->id ? dev->id : "cxl-type3");

    cxl_component_init(&ct3d->cstate, OBJECT(d), dev->id ? dev->id : "cxl-type3",
                       CXL_COMPONENT_ENDPOINT, ct3d->hdm_count);
    ct3d->cstate.dpa_capacity = ct3d->vmem_size + ct3d->pmem_size;
    cxl_device_regs_init(ct3d);
    memory_region_init(&ct3d->bar, OBJECT(d), "cxl-type3-registers",
                       CXL_TYPE3_BAR_SIZE);
    memory_region_add_subregion(&ct3d->bar, CXL_TYPE3_COMPONENT_OFFSET,
                                &ct3d->cstate.mr);
    memory_region_add_subregion(&ct3d->bar, CXL_TYPE3_DEVICE_REGS_OFFSET,
                                &ct3d->device_regs);
    pci_register_bar(d, CXL_TYPE3_BAR, PCI_BASE_ADDRESS_SPACE_MEMORY |
                     PCI_BASE_ADDRESS_MEM_TYPE_64, &ct3d->bar);
    cxl_device_regs_reset(ct3d);
}

/*
 * An access the HDM decoders routed here: volatile capacity first, then
 * persistent, each a memory backend reached with memory_region_dispatch_*,
 * so the bytes land in (and come from) the backing file.
 */
MemTxResult cxl_type3_access(CXLType3Dev *ct3d, uint64_t dpa, uint64_t *data,
                             unsigned size, bool is_write)
{
    HostMemoryBackend *be = ct3d->hostvmem;
    uint64_t off = dpa;
    MemoryRegion *mr;
    MemOp op = size_memop(size) | MO_LE;

    if (dpa >= ct3d->vmem_size) {
        be = ct3d->hostpmem;
        off -= ct3d->vmem_size;
    }
    if (!be) {
        return MEMTX_DECODE_ERROR;
    }
    mr = host_memory_backend_get_memory(be);
    if (off + size > memory_region_size(mr)) {
        return MEMTX_DECODE_ERROR;
    }
    if (is_write) {
        return memory_region_dispatch_write(mr, off, *data, op,
                                            MEMTXATTRS_UNSPECIFIED);
    }
    return memory_region_dispatch_read(mr, off, data, op, MEMTXATTRS_UNSPECIFIED);
}

static void ct3_exit(PCIDevice *d)
{
    CXLType3Dev *ct3d = CXL_TYPE3(d);
    HostMemoryBackend *be[] = { ct3d->hostvmem, ct3d->hostpmem, ct3d->lsa };
    unsigned i;

    g_ptr_array_remove(ct3_devices, ct3d);
    ct3_register_ram(ct3d, false);
    /*
     * The device is still on its bus until pci_qdev_unrealize() returns,
     * so a route rebuilt now would still reach it: uncommit its decoders
     * first (which rebuilds the routes), so that nothing routes to it
     * once it is gone.
     */
    cxl_component_reset(&ct3d->cstate);
    /*
     * Subregions hold a reference to their owner, this device: take them
     * out of the BAR, or the device is never finalized after an unplug.
     */
    memory_region_del_subregion(&ct3d->bar, &ct3d->cstate.mr);
    memory_region_del_subregion(&ct3d->bar, &ct3d->device_regs);
    address_space_destroy(&ct3d->dpa_as);
    for (i = 0; i < ARRAY_SIZE(be); i++) {
        if (be[i]) {
            if (i < 2) {
                memory_region_del_subregion(&ct3d->dpa_mr,
                                            host_memory_backend_get_memory(be[i]));
            }
            host_memory_backend_set_mapped(be[i], false);
        }
    }
}

static void ct3_reset(DeviceState *dev)
{
    CXLType3Dev *ct3d = CXL_TYPE3(dev);

    /* DVSEC CXL Control: Mem_Enable off until the OS turns it on */
    pci_word_test_and_clear_mask(PCI_DEVICE(dev)->config +
                                 CXL_TYPE3_DVSEC_OFFSET + A_DVSEC_DEV_CTRL,
                                 R_DVSEC_DEV_CTRL_MEM_ENABLE_MASK);
    cxl_component_reset(&ct3d->cstate);
    cxl_device_regs_reset(ct3d);
}

static Property ct3_props[] = {
    DEFINE_PROP_LINK("memdev", CXLType3Dev, hostmem, TYPE_MEMORY_BACKEND,
                     HostMemoryBackend *),
    DEFINE_PROP_LINK("persistent-memdev", CXLType3Dev, hostpmem,
                     TYPE_MEMORY_BACKEND, HostMemoryBackend *),
    DEFINE_PROP_LINK("volatile-memdev", CXLType3Dev, hostvmem,
                     TYPE_MEMORY_BACKEND, HostMemoryBackend *),
    DEFINE_PROP_LINK("lsa", CXLType3Dev, lsa, TYPE_MEMORY_BACKEND,
                     HostMemoryBackend *),
    DEFINE_PROP_UINT64("sn", CXLType3Dev, sn, UINT64_MAX),
    DEFINE_PROP_UINT32("hdm-decoders", CXLType3Dev, hdm_count, 4),
    DEFINE_PROP_END_OF_LIST(),
};

/* The mailbox: its registers, payload and what commands have set */
static const VMStateDescription vmstate_cxl_mailbox = {
    .name = "cxl-mailbox",
    .version_id = 1,
    .minimum_version_id = 1,
    .fields = (VMStateField[]) {
        VMSTATE_UINT32(ctrl, CXLMailbox),
        VMSTATE_UINT64(cmd, CXLMailbox),
        VMSTATE_UINT64(status, CXLMailbox),
        VMSTATE_UINT8_ARRAY(payload, CXLMailbox, CXL_MB_PAYLOAD_SIZE),
        VMSTATE_INT64(timestamp, CXLMailbox),
        VMSTATE_INT64(timestamp_set_at, CXLMailbox),
        VMSTATE_BUFFER_UNSAFE(event_policy, CXLMailbox, 0,
                              sizeof(CXLEventInterruptPolicy)),
        VMSTATE_BUFFER_UNSAFE(alerts, CXLMailbox, 0, sizeof(CXLAlertConfigOut)),
        VMSTATE_END_OF_LIST()
    }
};

/*
 * Config space, the component registers (HDM decoders re-decoded on
 * load) and the mailbox; the memory and the label storage area migrate
 * as RAM blocks (ct3_register_ram()).
 */
static const VMStateDescription vmstate_ct3 = {
    .name = "cxl-type3",
    .version_id = 1,
    .minimum_version_id = 1,
    .fields = (VMStateField[]) {
        VMSTATE_PCI_DEVICE(parent_obj, CXLType3Dev),
        VMSTATE_STRUCT(cstate, CXLType3Dev, 1, vmstate_cxl_component,
                       CXLComponentState),
        VMSTATE_STRUCT(mbox, CXLType3Dev, 1, vmstate_cxl_mailbox, CXLMailbox),
        VMSTATE_END_OF_LIST()
    }
};

static void ct3_class_init(ObjectClass *oc, void *data)
{
    DeviceClass *dc = DEVICE_CLASS(oc);
    PCIDeviceClass *pc = PCI_DEVICE_CLASS(oc);

    pc->realize = ct3_realize;
    pc->exit = ct3_exit;
    pc->config_write = ct3_write_config;
    pc->class_id = PCI_CLASS_MEMORY_CXL;
    pc->vendor_id = PCI_VENDOR_ID_REDHAT;
    pc->device_id = 0x00c0;
    pc->revision = 1;
    set_bit(DEVICE_CATEGORY_MISC, dc->categories);
    dc->desc = "CXL 2.0 Type 3 memory device";
    dc->reset = ct3_reset;
    dc->vmsd = &vmstate_ct3;
    device_class_set_props(dc, ct3_props);
}

static const TypeInfo ct3_info = {
    .name          = TYPE_CXL_TYPE3,
    .parent        = TYPE_PCI_DEVICE,
    .instance_size = sizeof(CXLType3Dev),
    .class_init    = ct3_class_init,
    .interfaces = (InterfaceInfo[]) {
        { INTERFACE_PCIE_DEVICE },
        { }
    },
};

static void ct3_register_types(void)
{
    type_register_static(&ct3_info);
}

type_init(ct3_register_types)
