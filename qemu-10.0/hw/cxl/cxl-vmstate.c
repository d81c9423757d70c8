/*
 * Migration of CXL components: what the guest can observe of a host
 * bridge, a port or a memory device moves with it.
 *
 * - Component registers (CXL r3.1 8.2.3, 8.2.4): the CXL.io and
 *   CXL.cachemem register words, HDM decoders included. After a load the
 *   windows rebuild their routes from them.
 * - Device registers (CXL r3.1 8.2.8): device status, mailbox (its
 *   payload too), memory device status, the timestamp.
 * - Each mailbox CCI's background operation (CXL r3.1 8.2.8.4.7): the
 *   command, its progress and its timer, on the virtual clock, which moves
 *   with the guest; firmware slots.
 * - Event logs (CXL r3.1 8.2.9.2): each record, in its wire format.
 * - A Type 3 device's poison lists, injected errors, dynamic capacity
 *   extents (accepted and pending) and feature attributes.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "qemu/osdep.h"
#include "qemu/log.h"
#include "migration/vmstate.h"
#include "migration/qemu-file-types.h"
#include "hw/pci/pci.h"
#include "hw/pci/msix.h"
#include "hw/pci/pcie_aer.h"
#include "hw/cxl/cxl.h"
#include "hw/cxl/cxl_vmstate.h"
#include "hw/pci-bridge/cxl_upstream_port.h"

static int cxl_component_post_load(void *opaque, int version_id)
{
    /* The windows' routes and mappings follow the decoders just loaded */
    cxl_component_decoders_changed();
    return 0;
}

const VMStateDescription vmstate_cxl_component = {
    .name = "cxl-component",
    .version_id = 1,
    .minimum_version_id = 1,
    .post_load = cxl_component_post_load,
    .fields = (const VMStateField[]) {
        VMSTATE_UINT32_ARRAY(crb.io_registers, CXLComponentState,
                             CXL2_COMPONENT_IO_REGION_SIZE >> 2),
        VMSTATE_UINT32_ARRAY(crb.cache_mem_registers, CXLComponentState,
                             CXL2_COMPONENT_CM_REGION_SIZE >> 2),
        VMSTATE_END_OF_LIST()
    }
};

/* More records than a log ever holds (cxl-events.c overflows at 8) */
#define CXL_EVENT_LOG_LOAD_MAX 256

/*
 * An event log's records (a QSIMPLEQ, which VMState has no macro for): a
 * count, then each record's bytes as Get Event Records returns them
 */
static int cxl_event_list_put(QEMUFile *f, void *pv, size_t size,
                              const VMStateField *field, JSONWriter *vmdesc)
{
    CXLEventLog *log = container_of(pv, CXLEventLog, events);
    CXLEvent *ev;
    uint32_t n = 0;

    QSIMPLEQ_FOREACH(ev, &log->events, node) {
        n++;
    }
    qemu_put_be32(f, n);
    QSIMPLEQ_FOREACH(ev, &log->events, node) {
        qemu_put_buffer(f, (uint8_t *)&ev->data, sizeof(ev->data));
    }
    return 0;
}

static int cxl_event_list_get(QEMUFile *f, void *pv, size_t size,
                              const VMStateField *field)
{
    CXLEventLog *log = container_of(pv, CXLEventLog, events);
    uint32_t n = qemu_get_be32(f);

    while (!QSIMPLEQ_EMPTY(&log->events)) {
        CXLEvent *ev = QSIMPLEQ_FIRST(&log->events);

        QSIMPLEQ_REMOVE_HEAD(&log->events, node);
        g_free(ev);
    }
    if (n > CXL_EVENT_LOG_LOAD_MAX) {
        return -EINVAL;
    }
    while (n--) {
        CXLEvent *ev = g_new0(CXLEvent, 1);

        qemu_get_buffer(f, (uint8_t *)&ev->data, sizeof(ev->data));
        QSIMPLEQ_INSERT_TAIL(&log->events, ev, node);
    }
    return qemu_file_get_error(f);
}

static const VMStateInfo vmstate_info_cxl_event_list = {
    .name = "cxl-event-list",
    .get = cxl_event_list_get,
    .put = cxl_event_list_put,
};

static const VMStateDescription vmstate_cxl_event_log = {
    .name = "cxl-event-log",
    .version_id = 1,
    .minimum_version_id = 1,
    .fields = (const VMStateField[]) {
        VMSTATE_UINT16(next_handle, CXLEventLog),
        VMSTATE_UINT16(overflow_err_count, CXLEventLog),
        VMSTATE_UINT64(first_overflow_timestamp, CXLEventLog),
        VMSTATE_UINT64(last_overflow_timestamp, CXLEventLog),
        VMSTATE_BOOL(irq_enabled, CXLEventLog),
        VMSTATE_INT32(irq_vec, CXLEventLog),
        {
            .name = "events",
            .info = &vmstate_info_cxl_event_list,
            .flags = VMS_SINGLE,
            .offset = offsetof(CXLEventLog, events),
        },
        VMSTATE_END_OF_LIST()
    }
};

const VMStateDescription vmstate_cxl_device_state = {
    .name = "cxl-device-state",
    .version_id = 1,
    .minimum_version_id = 1,
    .fields = (const VMStateField[]) {
        VMSTATE_UINT8_ARRAY(dev_reg_state, CXLDeviceState,
                            CXL_DEVICE_STATUS_REGISTERS_LENGTH),
        VMSTATE_UINT64(event_status, CXLDeviceState),
        VMSTATE_UINT8_ARRAY(mbox_reg_state, CXLDeviceState,
                            CXL_MAILBOX_REGISTERS_LENGTH),
        VMSTATE_UINT64(memdev_status, CXLDeviceState),
        VMSTATE_BOOL(timestamp.set, CXLDeviceState),
        VMSTATE_UINT64(timestamp.last_set, CXLDeviceState),
        VMSTATE_UINT64(timestamp.host_set, CXLDeviceState),
        VMSTATE_STRUCT_ARRAY(event_logs, CXLDeviceState, CXL_EVENT_TYPE_MAX,
                             1, vmstate_cxl_event_log, CXLEventLog),
        VMSTATE_END_OF_LIST()
    }
};

const VMStateDescription vmstate_cxl_cci = {
    .name = "cxl-cci",
    .version_id = 1,
    .minimum_version_id = 1,
    .fields = (const VMStateField[]) {
        VMSTATE_UINT16(bg.opcode, CXLCCI),
        VMSTATE_UINT16(bg.complete_pct, CXLCCI),
        VMSTATE_UINT16(bg.ret_code, CXLCCI),
        VMSTATE_UINT64(bg.starttime, CXLCCI),
        VMSTATE_UINT64(bg.runtime, CXLCCI),
        VMSTATE_TIMER_PTR(bg.timer, CXLCCI),
        VMSTATE_UINT8(fw.active_slot, CXLCCI),
        VMSTATE_UINT8(fw.staged_slot, CXLCCI),
        VMSTATE_BOOL_ARRAY(fw.slot, CXLCCI, 4),
        VMSTATE_UINT8(fw.curr_action, CXLCCI),
        VMSTATE_UINT8(fw.curr_slot, CXLCCI),
        VMSTATE_END_OF_LIST()
    }
};

/* A host bridge (pxb-cxl-host): its component registers */
const VMStateDescription vmstate_cxl_host = {
    .name = "pxb-cxl-host",
    .version_id = 1,
    .minimum_version_id = 1,
    .fields = (const VMStateField[]) {
        VMSTATE_STRUCT(cxl_cstate, CXLHost, 1, vmstate_cxl_component,
                       CXLComponentState),
        VMSTATE_END_OF_LIST()
    }
};

/* The switch's CCI exists once a cxl-switch-mailbox-cci targets the port */
static bool usp_has_cci(void *opaque, int version_id)
{
    CXLUpstreamPort *usp = opaque;

    return usp->swcci.bg.timer != NULL;
}

/* A switch's upstream port, with the switch's CCI */
const VMStateDescription vmstate_cxl_usp = {
    .name = "cxl-upstream",
    .version_id = 1,
    .minimum_version_id = 1,
    .fields = (const VMStateField[]) {
        VMSTATE_PCI_DEVICE(parent_obj.parent_obj.parent_obj,
                           CXLUpstreamPort),
        VMSTATE_STRUCT(parent_obj.parent_obj.parent_obj.exp.aer_log,
                       CXLUpstreamPort, 0, vmstate_pcie_aer_log, PCIEAERLog),
        VMSTATE_STRUCT(cxl_cstate, CXLUpstreamPort, 1, vmstate_cxl_component,
                       CXLComponentState),
        VMSTATE_STRUCT_TEST(swcci, CXLUpstreamPort, usp_has_cci, 1,
                            vmstate_cxl_cci, CXLCCI),
        VMSTATE_END_OF_LIST()
    }
};

/* The switch's mailbox CCI function */
const VMStateDescription vmstate_cxl_switch_mailbox_cci = {
    .name = "cxl-switch-mailbox-cci",
    .version_id = 1,
    .minimum_version_id = 1,
    .fields = (const VMStateField[]) {
        VMSTATE_PCI_DEVICE(parent_obj, CSWMBCCIDev),
        VMSTATE_STRUCT(cxl_dstate, CSWMBCCIDev, 1, vmstate_cxl_device_state,
                       CXLDeviceState),
        /* its CCI is the upstream port's, which migrates it */
        VMSTATE_END_OF_LIST()
    }
};

/* Type 3 device */

static const VMStateDescription vmstate_cxl_alert_config = {
    .name = "cxl-alert-config",
    .version_id = 1,
    .minimum_version_id = 1,
    .fields = (const VMStateField[]) {
        VMSTATE_UINT8(valid_alerts, CXLAlertConfig),
        VMSTATE_UINT8(life_used_warning, CXLAlertConfig),
        VMSTATE_INT16(over_temp_warning, CXLAlertConfig),
        VMSTATE_INT16(under_temp_warning, CXLAlertConfig),
        VMSTATE_UINT16(corrected_volatile_warning, CXLAlertConfig),
        VMSTATE_UINT16(corrected_persistent_warning, CXLAlertConfig),
        VMSTATE_END_OF_LIST()
    }
};

static const VMStateDescription vmstate_cxl_poison = {
    .name = "cxl-poison",
    .version_id = 1,
    .minimum_version_id = 1,
    .fields = (const VMStateField[]) {
        VMSTATE_UINT64(start, CXLPoison),
        VMSTATE_UINT64(length, CXLPoison),
        VMSTATE_UINT8(type, CXLPoison),
        VMSTATE_END_OF_LIST()
    }
};

static const VMStateDescription vmstate_cxl_error = {
    .name = "cxl-error",
    .version_id = 1,
    .minimum_version_id = 1,
    .fields = (const VMStateField[]) {
        VMSTATE_INT32(type, CXLError),
        VMSTATE_UINT32_ARRAY(header, CXLError, CXL_RAS_ERR_HEADER_NUM),
        VMSTATE_END_OF_LIST()
    }
};

static const VMStateDescription vmstate_cxl_dc_extent = {
    .name = "cxl-dc-extent",
    .version_id = 1,
    .minimum_version_id = 1,
    .fields = (const VMStateField[]) {
        VMSTATE_UINT64(start_dpa, CXLDCExtent),
        VMSTATE_UINT64(len, CXLDCExtent),
        VMSTATE_UINT8_ARRAY(tag, CXLDCExtent, 0x10),
        VMSTATE_UINT16(shared_seq, CXLDCExtent),
        VMSTATE_UINT8_ARRAY(rsvd, CXLDCExtent, 0x6),
        VMSTATE_END_OF_LIST()
    }
};

/* A group is loaded into fresh memory: its list starts empty */
static int cxl_dc_extent_group_pre_load(void *opaque)
{
    CXLDCExtentGroup *group = opaque;

    QTAILQ_INIT(&group->list);
    return 0;
}

static const VMStateDescription vmstate_cxl_dc_extent_group = {
    .name = "cxl-dc-extent-group",
    .version_id = 1,
    .minimum_version_id = 1,
    .pre_load = cxl_dc_extent_group_pre_load,
    .fields = (const VMStateField[]) {
        VMSTATE_QTAILQ_V(list, CXLDCExtentGroup, 1, vmstate_cxl_dc_extent,
                         CXLDCExtent, node),
        VMSTATE_END_OF_LIST()
    }
};

static void free_poison_list(CXLPoisonList *list)
{
    while (!QLIST_EMPTY(list)) {
        CXLPoison *p = QLIST_FIRST(list);

        QLIST_REMOVE(p, node);
        g_free(p);
    }
}

static void free_extent_list(CXLDCExtentList *list)
{
    while (!QTAILQ_EMPTY(list)) {
        CXLDCExtent *ext = QTAILQ_FIRST(list);

        QTAILQ_REMOVE(list, ext, node);
        g_free(ext);
    }
}

static void cxl_type3_free_lists(CXLType3Dev *ct3d)
{
    while (!QTAILQ_EMPTY(&ct3d->error_list)) {
        CXLError *err = QTAILQ_FIRST(&ct3d->error_list);

        QTAILQ_REMOVE(&ct3d->error_list, err, node);
        g_free(err);
    }
    free_poison_list(&ct3d->poison_list);
    free_poison_list(&ct3d->poison_list_bkp);
    free_poison_list(&ct3d->scan_media_results);
    free_extent_list(&ct3d->dc.extents);
    while (!QTAILQ_EMPTY(&ct3d->dc.extents_pending)) {
        CXLDCExtentGroup *group = QTAILQ_FIRST(&ct3d->dc.extents_pending);

        QTAILQ_REMOVE(&ct3d->dc.extents_pending, group, node);
        free_extent_list(&group->list);
        g_free(group);
    }
}

static int ct3_pre_load(void *opaque)
{
    CXLType3Dev *ct3d = opaque;

    /*
     * The lists are loaded by appending: start from none (the destination
     * may have been used before the incoming migration)
     */
    cxl_type3_free_lists(ct3d);
    return 0;
}

static int ct3_post_load(void *opaque, int version_id)
{
    CXLType3Dev *ct3d = opaque;
    CXLDCExtent *ext;
    int i;

    /* Which dynamic capacity blocks are backed: the accepted extents */
    for (i = 0; i < ct3d->dc.num_regions; i++) {
        CXLDCRegion *r = &ct3d->dc.regions[i];

        bitmap_zero(r->blk_bitmap, r->len / r->block_size);
    }
    QTAILQ_FOREACH(ext, &ct3d->dc.extents, node) {
        if (!cxl_find_dc_region(ct3d, ext->start_dpa, ext->len)) {
            return -EINVAL;
        }
        ct3_set_region_block_backed(ct3d, ext->start_dpa, ext->len);
    }
    /* (the routes: the component registers' post_load said so) */
    return 0;
}

const VMStateDescription vmstate_cxl_type3 = {
    .name = "cxl-type3",
    .version_id = 1,
    .minimum_version_id = 1,
    .pre_load = ct3_pre_load,
    .post_load = ct3_post_load,
    .fields = (const VMStateField[]) {
        VMSTATE_PCI_DEVICE(parent_obj, CXLType3Dev),
        VMSTATE_MSIX(parent_obj, CXLType3Dev),
        VMSTATE_STRUCT(parent_obj.exp.aer_log, CXLType3Dev, 0,
                       vmstate_pcie_aer_log, PCIEAERLog),
        VMSTATE_STRUCT(cxl_cstate, CXLType3Dev, 1, vmstate_cxl_component,
                       CXLComponentState),
        VMSTATE_STRUCT(cxl_dstate, CXLType3Dev, 1, vmstate_cxl_device_state,
                       CXLDeviceState),
        VMSTATE_STRUCT(cci, CXLType3Dev, 1, vmstate_cxl_cci, CXLCCI),
        VMSTATE_STRUCT(vdm_fm_owned_ld_mctp_cci, CXLType3Dev, 1,
                       vmstate_cxl_cci, CXLCCI),
        VMSTATE_STRUCT(ld0_cci, CXLType3Dev, 1, vmstate_cxl_cci, CXLCCI),
        VMSTATE_QTAILQ_V(error_list, CXLType3Dev, 1, vmstate_cxl_error,
                         CXLError, node),
        VMSTATE_QLIST_V(poison_list, CXLType3Dev, 1, vmstate_cxl_poison,
                        CXLPoison, node),
        VMSTATE_UINT32(poison_list_cnt, CXLType3Dev),
        VMSTATE_BOOL(poison_list_overflowed, CXLType3Dev),
        VMSTATE_UINT64(poison_list_overflow_ts, CXLType3Dev),
        VMSTATE_QLIST_V(poison_list_bkp, CXLType3Dev, 1, vmstate_cxl_poison,
                        CXLPoison, node),
        VMSTATE_QLIST_V(scan_media_results, CXLType3Dev, 1,
                        vmstate_cxl_poison, CXLPoison, node),
        VMSTATE_BOOL(scan_media_hasrun, CXLType3Dev),
        VMSTATE_STRUCT(alert_config, CXLType3Dev, 1, vmstate_cxl_alert_config,
                       CXLAlertConfig),
        VMSTATE_BUFFER_UNSAFE(patrol_scrub_attrs, CXLType3Dev, 0,
                              sizeof(CXLMemPatrolScrubReadAttrs)),
        VMSTATE_BUFFER_UNSAFE(ecs_attrs, CXLType3Dev, 0,
                              sizeof(CXLMemECSReadAttrs)),
        VMSTATE_QTAILQ_V(dc.extents, CXLType3Dev, 1, vmstate_cxl_dc_extent,
                         CXLDCExtent, node),
        VMSTATE_QTAILQ_V(dc.extents_pending, CXLType3Dev, 1,
                         vmstate_cxl_dc_extent_group, CXLDCExtentGroup, node),
        VMSTATE_UINT32(dc.total_extent_count, CXLType3Dev),
        VMSTATE_UINT32(dc.ext_list_gen_seq, CXLType3Dev),
        VMSTATE_END_OF_LIST()
    }
};
