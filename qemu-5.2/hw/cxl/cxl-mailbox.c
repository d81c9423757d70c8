/*
 * CXL 2.0 mailbox commands (CXL 2.0 8.2.9) of a Type 3 memory device.
 *
 * One table, sorted by opcode, gives each command its handler, its input
 * payload length and its effects. It gates dispatch (the length is checked
 * before the handler runs) and is what the Command Effects Log reports,
 * so the CEL lists exactly what is implemented.
 *
 * Handlers read a const input and write a separate output buffer.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "qemu/osdep.h"
#include "qemu/cutils.h"
#include "qemu/log.h"
#include "qemu/units.h"
#include "qemu/timer.h"
#include "hw/cxl/cxl-device.h"

typedef CXLRetCode (*CXLMailboxHandler)(CXLType3Dev *ct3d, const uint8_t *in,
                                        size_t in_len, uint8_t *out,
                                        size_t *out_len);

#define CXL_IN_VARIABLE  (-1)

typedef struct CXLMailboxCmd {
    uint16_t opcode;
    const char *name;
    CXLMailboxHandler handler;
    int in_len;                 /* exact input length, or CXL_IN_VARIABLE */
    size_t in_min;              /* minimum input length when variable */
    uint16_t effects;           /* CEL effects, CXL 2.0 Table 162 */
} CXLMailboxCmd;

static const CXLMailboxCmd *cxl_mailbox_find(uint16_t opcode);
static size_t cxl_cel_size(void);
static void cxl_cel_fill(uint8_t *buf);

/* CXL 2.0 8.2.9.1.2: Get Event Records. Our event logs are always empty. */
static CXLRetCode cmd_get_event_records(CXLType3Dev *ct3d, const uint8_t *in,
                                        size_t in_len, uint8_t *out,
                                        size_t *out_len)
{
    if (in[0] > CXL_EVENT_LOG_FATAL) {
        return CXL_MBOX_INVALID_INPUT;
    }
    memset(out, 0, sizeof(CXLGetEventRecordsOut));
    *out_len = sizeof(CXLGetEventRecordsOut);
    return CXL_MBOX_SUCCESS;
}

/* CXL 2.0 8.2.9.1.3: Clear Event Records */
static CXLRetCode cmd_clear_event_records(CXLType3Dev *ct3d, const uint8_t *in,
                                          size_t in_len, uint8_t *out,
                                          size_t *out_len)
{
    const CXLClearEventRecordsIn *req = (const void *)in;

    if (in_len != sizeof(*req) + 2 * req->handle_count) {
        return CXL_MBOX_INVALID_PAYLOAD_LENGTH;
    }
    if (req->event_log > CXL_EVENT_LOG_FATAL) {
        return CXL_MBOX_INVALID_INPUT;
    }
    /* An empty log: clearing all is fine, any handle names nothing */
    if (!(req->flags & CXL_CLEAR_EVENT_ALL) && req->handle_count) {
        return CXL_MBOX_INVALID_HANDLE;
    }
    *out_len = 0;
    return CXL_MBOX_SUCCESS;
}

/* CXL 2.0 8.2.9.1.4: Get Event Interrupt Policy */
static CXLRetCode cmd_get_event_interrupt_policy(CXLType3Dev *ct3d,
                                                 const uint8_t *in,
                                                 size_t in_len, uint8_t *out,
                                                 size_t *out_len)
{
    memcpy(out, &ct3d->mbox.event_policy, sizeof(CXLEventInterruptPolicy));
    *out_len = sizeof(CXLEventInterruptPolicy);
    return CXL_MBOX_SUCCESS;
}

/* CXL 2.0 8.2.9.1.5: Set Event Interrupt Policy; mode 11b is reserved */
static CXLRetCode cmd_set_event_interrupt_policy(CXLType3Dev *ct3d,
                                                 const uint8_t *in,
                                                 size_t in_len, uint8_t *out,
                                                 size_t *out_len)
{
    unsigned i;

    for (i = 0; i < sizeof(CXLEventInterruptPolicy); i++) {
        if ((in[i] & 3) == 3) {
            return CXL_MBOX_INVALID_INPUT;
        }
    }
    memcpy(&ct3d->mbox.event_policy, in, sizeof(CXLEventInterruptPolicy));
    *out_len = 0;
    return CXL_MBOX_SUCCESS;
}

/* CXL 2.0 8.2.9.3.1: Get Timestamp; 0 until the host sets one */
static CXLRetCode cmd_get_timestamp(CXLType3Dev *ct3d, const uint8_t *in,
                                    size_t in_len, uint8_t *out,
                                    size_t *out_len)
{
    CXLMailbox *mb = &ct3d->mbox;
    uint64_t ts = 0;

    if (mb->timestamp_set_at >= 0) {
        ts = mb->timestamp + qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL) -
             mb->timestamp_set_at;
    }
    stq_le_p(out, ts);
    *out_len = 8;
    return CXL_MBOX_SUCCESS;
}

/* CXL 2.0 8.2.9.3.2: Set Timestamp */
static CXLRetCode cmd_set_timestamp(CXLType3Dev *ct3d, const uint8_t *in,
                                    size_t in_len, uint8_t *out,
                                    size_t *out_len)
{
    ct3d->mbox.timestamp = ldq_le_p(in);
    ct3d->mbox.timestamp_set_at = qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL);
    *out_len = 0;
    return CXL_MBOX_SUCCESS;
}

static const uint8_t cxl_cel_uuid[16] = CXL_CEL_UUID;

/* CXL 2.0 8.2.9.4.1: Get Supported Logs: the Command Effects Log only */
static CXLRetCode cmd_get_supported_logs(CXLType3Dev *ct3d, const uint8_t *in,
                                         size_t in_len, uint8_t *out,
                                         size_t *out_len)
{
    CXLGetSupportedLogsOut *hdr = (void *)out;
    CXLSupportedLogEntry *e = (void *)(out + sizeof(*hdr));

    memset(out, 0, sizeof(*hdr) + sizeof(*e));
    stw_le_p(&hdr->entries, 1);
    memcpy(e->uuid, cxl_cel_uuid, sizeof(cxl_cel_uuid));
    stl_le_p(&e->size, cxl_cel_size());
    *out_len = sizeof(*hdr) + sizeof(*e);
    return CXL_MBOX_SUCCESS;
}

/* CXL 2.0 8.2.9.4.2: Get Log */
static CXLRetCode cmd_get_log(CXLType3Dev *ct3d, const uint8_t *in,
                              size_t in_len, uint8_t *out, size_t *out_len)
{
    const CXLGetLogIn *req = (const void *)in;
    uint32_t offset = ldl_le_p(&req->offset);
    uint32_t length = ldl_le_p(&req->length);
    size_t size = cxl_cel_size();
    g_autofree uint8_t *cel = NULL;

    if (memcmp(req->uuid, cxl_cel_uuid, sizeof(cxl_cel_uuid))) {
        return CXL_MBOX_UNSUPPORTED;
    }
    if (length > CXL_MB_PAYLOAD_SIZE || offset > size || length > size - offset) {
        return CXL_MBOX_INVALID_INPUT;
    }
    cel = g_malloc(size);
    cxl_cel_fill(cel);
    memcpy(out, cel + offset, length);
    *out_len = length;
    return CXL_MBOX_SUCCESS;
}

/* CXL 2.0 8.2.9.5.1.1: Identify Memory Device */
static CXLRetCode cmd_identify(CXLType3Dev *ct3d, const uint8_t *in,
                               size_t in_len, uint8_t *out, size_t *out_len)
{
    CXLIdentifyOut *id = (void *)out;

    memset(id, 0, sizeof(*id));
    strpadcpy(id->fw_revision, sizeof(id->fw_revision), "qemu-cxl 0.1", '\0');
    stq_le_p(&id->total_capacity,
             (ct3d->vmem_size + ct3d->pmem_size) / CXL_HDM_ALIGN);
    stq_le_p(&id->volatile_capacity, ct3d->vmem_size / CXL_HDM_ALIGN);
    stq_le_p(&id->persistent_capacity, ct3d->pmem_size / CXL_HDM_ALIGN);
    /* Partition alignment 0: the partitions are fixed */
    stl_le_p(&id->lsa_size, ct3d->lsa_size);
    /* Empty event logs can hold one record each */
    stw_le_p(&id->info_event_log_size, 1);
    stw_le_p(&id->warning_event_log_size, 1);
    stw_le_p(&id->failure_event_log_size, 1);
    stw_le_p(&id->fatal_event_log_size, 1);
    *out_len = sizeof(*id);
    return CXL_MBOX_SUCCESS;
}

/* CXL 2.0 8.2.9.5.2.1: Get Partition Info */
static CXLRetCode cmd_get_partition_info(CXLType3Dev *ct3d, const uint8_t *in,
                                         size_t in_len, uint8_t *out,
                                         size_t *out_len)
{
    CXLPartitionInfoOut *pi = (void *)out;

    memset(pi, 0, sizeof(*pi));
    stq_le_p(&pi->active_volatile, ct3d->vmem_size / CXL_HDM_ALIGN);
    stq_le_p(&pi->active_persistent, ct3d->pmem_size / CXL_HDM_ALIGN);
    *out_len = sizeof(*pi);
    return CXL_MBOX_SUCCESS;
}

static uint8_t *cxl_lsa_ptr(CXLType3Dev *ct3d)
{
    return memory_region_get_ram_ptr(host_memory_backend_get_memory(ct3d->lsa));
}

/* CXL 2.0 8.2.9.5.2.3: Get LSA */
static CXLRetCode cmd_get_lsa(CXLType3Dev *ct3d, const uint8_t *in,
                              size_t in_len, uint8_t *out, size_t *out_len)
{
    const CXLGetLSAIn *req = (const void *)in;
    uint32_t offset = ldl_le_p(&req->offset);
    uint32_t length = ldl_le_p(&req->length);

    if (!ct3d->lsa) {
        return CXL_MBOX_UNSUPPORTED;
    }
    if (length > CXL_MB_PAYLOAD_SIZE || offset > ct3d->lsa_size ||
        length > ct3d->lsa_size - offset) {
        return CXL_MBOX_INVALID_INPUT;
    }
    memcpy(out, cxl_lsa_ptr(ct3d) + offset, length);
    *out_len = length;
    return CXL_MBOX_SUCCESS;
}

/* CXL 2.0 8.2.9.5.2.4: Set LSA */
static CXLRetCode cmd_set_lsa(CXLType3Dev *ct3d, const uint8_t *in,
                              size_t in_len, uint8_t *out, size_t *out_len)
{
    const CXLSetLSAIn *req = (const void *)in;
    uint32_t offset = ldl_le_p(&req->offset);
    size_t length = in_len - sizeof(*req);

    if (!ct3d->lsa) {
        return CXL_MBOX_UNSUPPORTED;
    }
    if (offset > ct3d->lsa_size || length > ct3d->lsa_size - offset) {
        return CXL_MBOX_INVALID_INPUT;
    }
    memcpy(cxl_lsa_ptr(ct3d) + offset, req->data, length);
    memory_region_set_dirty(host_memory_backend_get_memory(ct3d->lsa),
                            offset, length);
    *out_len = 0;
    return CXL_MBOX_SUCCESS;
}

/* CXL 2.0 8.2.9.5.3.1: Get Health Info: healthy, nothing used up */
static CXLRetCode cmd_get_health_info(CXLType3Dev *ct3d, const uint8_t *in,
                                      size_t in_len, uint8_t *out,
                                      size_t *out_len)
{
    CXLHealthInfoOut *h = (void *)out;

    memset(h, 0, sizeof(*h));
    stw_le_p(&h->temperature, 25);      /* degrees Celsius */
    *out_len = sizeof(*h);
    return CXL_MBOX_SUCCESS;
}

/* CXL 2.0 8.2.9.5.3.2: Get Alert Configuration */
static CXLRetCode cmd_get_alert_config(CXLType3Dev *ct3d, const uint8_t *in,
                                       size_t in_len, uint8_t *out,
                                       size_t *out_len)
{
    memcpy(out, &ct3d->mbox.alerts, sizeof(CXLAlertConfigOut));
    *out_len = sizeof(CXLAlertConfigOut);
    return CXL_MBOX_SUCCESS;
}

/*
 * CXL 2.0 8.2.9.5.3.3: Set Alert Configuration. Valid Alert Actions says
 * which thresholds the request carries; a warning threshold above its
 * critical one is invalid.
 */
#define CXL_ALERT_LIFE_USED     (1 << 0)
#define CXL_ALERT_OVER_TEMP     (1 << 1)
#define CXL_ALERT_UNDER_TEMP    (1 << 2)
#define CXL_ALERT_COR_VOLATILE  (1 << 3)
#define CXL_ALERT_COR_PERSIST   (1 << 4)
#define CXL_ALERT_ALL           0x1f

static CXLRetCode cmd_set_alert_config(CXLType3Dev *ct3d, const uint8_t *in,
                                       size_t in_len, uint8_t *out,
                                       size_t *out_len)
{
    const CXLSetAlertConfigIn *req = (const void *)in;
    CXLAlertConfigOut next = ct3d->mbox.alerts;
    uint8_t valid = req->valid_alert_actions;

    if ((valid | req->enable_alert_actions) & ~CXL_ALERT_ALL) {
        return CXL_MBOX_INVALID_INPUT;
    }
    if (valid & CXL_ALERT_LIFE_USED) {
        if (req->life_used_warning > next.life_used_critical) {
            return CXL_MBOX_INVALID_INPUT;
        }
        next.life_used_warning = req->life_used_warning;
    }
    if (valid & CXL_ALERT_OVER_TEMP) {
        if ((int16_t)lduw_le_p(&req->over_temp_warning) >
            (int16_t)lduw_le_p(&next.over_temp_critical)) {
            return CXL_MBOX_INVALID_INPUT;
        }
        next.over_temp_warning = req->over_temp_warning;
    }
    if (valid & CXL_ALERT_UNDER_TEMP) {
        if ((int16_t)lduw_le_p(&req->under_temp_warning) <
            (int16_t)lduw_le_p(&next.under_temp_critical)) {
            return CXL_MBOX_INVALID_INPUT;
        }
        next.under_temp_warning = req->under_temp_warning;
    }
    if (valid & CXL_ALERT_COR_VOLATILE) {
        next.corrected_volatile_warning = req->corrected_volatile_warning;
    }
    if (valid & CXL_ALERT_COR_PERSIST) {
        next.corrected_persistent_warning = req->corrected_persistent_warning;
    }
    next.valid_alerts = (next.valid_alerts & ~valid) |
                        (req->enable_alert_actions & valid);
    ct3d->mbox.alerts = next;
    *out_len = 0;
    return CXL_MBOX_SUCCESS;
}

/* CXL 2.0 8.2.9.5.4.1: Get Poison List: no poison, ever */
static CXLRetCode cmd_get_poison_list(CXLType3Dev *ct3d, const uint8_t *in,
                                      size_t in_len, uint8_t *out,
                                      size_t *out_len)
{
    const CXLGetPoisonListIn *req = (const void *)in;
    uint64_t addr = ldq_le_p(&req->address);
    uint64_t len = ldq_le_p(&req->length);
    uint64_t capacity = ct3d->vmem_size + ct3d->pmem_size;

    /* Bits 5:0 of the address are reserved; the range must be on the device */
    if (addr & 0x3f || !len || addr >= capacity ||
        len > (capacity - addr) / 64) {
        return CXL_MBOX_INVALID_PA;
    }
    memset(out, 0, sizeof(CXLGetPoisonListOut));
    *out_len = sizeof(CXLGetPoisonListOut);
    return CXL_MBOX_SUCCESS;
}

#define IMMEDIATE_CONFIG    CXL_CEL_EFFECT_CONFIG_CHANGE_IMMEDIATE
#define IMMEDIATE_DATA      CXL_CEL_EFFECT_DATA_CHANGE_IMMEDIATE
#define IMMEDIATE_POLICY    CXL_CEL_EFFECT_POLICY_CHANGE_IMMEDIATE
#define IMMEDIATE_LOG       CXL_CEL_EFFECT_LOG_CHANGE_IMMEDIATE

/* Sorted by opcode */
static const CXLMailboxCmd cxl_mailbox_cmds[] = {
    { CXL_MBOX_OP_GET_EVENT_RECORDS, "GET_EVENT_RECORDS",
      cmd_get_event_records, 1, 0, 0 },
    { CXL_MBOX_OP_CLEAR_EVENT_RECORDS, "CLEAR_EVENT_RECORDS",
      cmd_clear_event_records, CXL_IN_VARIABLE,
      sizeof(CXLClearEventRecordsIn), IMMEDIATE_LOG },
    { CXL_MBOX_OP_GET_EVENT_INTERRUPT_POLICY, "GET_EVENT_INTERRUPT_POLICY",
      cmd_get_event_interrupt_policy, 0, 0, 0 },
    { CXL_MBOX_OP_SET_EVENT_INTERRUPT_POLICY, "SET_EVENT_INTERRUPT_POLICY",
      cmd_set_event_interrupt_policy, sizeof(CXLEventInterruptPolicy), 0,
      IMMEDIATE_CONFIG },
    { CXL_MBOX_OP_GET_TIMESTAMP, "GET_TIMESTAMP",
      cmd_get_timestamp, 0, 0, 0 },
    { CXL_MBOX_OP_SET_TIMESTAMP, "SET_TIMESTAMP",
      cmd_set_timestamp, 8, 0, IMMEDIATE_POLICY },
    { CXL_MBOX_OP_GET_SUPPORTED_LOGS, "GET_SUPPORTED_LOGS",
      cmd_get_supported_logs, 0, 0, 0 },
    { CXL_MBOX_OP_GET_LOG, "GET_LOG",
      cmd_get_log, sizeof(CXLGetLogIn), 0, 0 },
    { CXL_MBOX_OP_IDENTIFY_MEMORY_DEVICE, "IDENTIFY_MEMORY_DEVICE",
      cmd_identify, 0, 0, 0 },
    { CXL_MBOX_OP_GET_PARTITION_INFO, "GET_PARTITION_INFO",
      cmd_get_partition_info, 0, 0, 0 },
    { CXL_MBOX_OP_GET_LSA, "GET_LSA",
      cmd_get_lsa, sizeof(CXLGetLSAIn), 0, 0 },
    { CXL_MBOX_OP_SET_LSA, "SET_LSA",
      cmd_set_lsa, CXL_IN_VARIABLE, sizeof(CXLSetLSAIn),
      IMMEDIATE_CONFIG | IMMEDIATE_DATA },
    { CXL_MBOX_OP_GET_HEALTH_INFO, "GET_HEALTH_INFO",
      cmd_get_health_info, 0, 0, 0 },
    { CXL_MBOX_OP_GET_ALERT_CONFIG, "GET_ALERT_CONFIG",
      cmd_get_alert_config, 0, 0, 0 },
    { CXL_MBOX_OP_SET_ALERT_CONFIG, "SET_ALERT_CONFIG",
      cmd_set_alert_config, sizeof(CXLSetAlertConfigIn), 0, IMMEDIATE_POLICY },
    { CXL_MBOX_OP_GET_POISON_LIST, "GET_POISON_LIST",
      cmd_get_poison_list, sizeof(CXLGetPoisonListIn), 0, 0 },
};

static const CXLMailboxCmd *cxl_mailbox_find(uint16_t opcode)
{
    size_t lo = 0, hi = ARRAY_SIZE(cxl_mailbox_cmds);

    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (cxl_mailbox_cmds[mid].opcode == opcode) {
            return &cxl_mailbox_cmds[mid];
        }
        if (cxl_mailbox_cmds[mid].opcode < opcode) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    return NULL;
}

/* CXL 2.0 8.2.9.4.2.1: the CEL, one entry per implemented command */
static size_t cxl_cel_size(void)
{
    return ARRAY_SIZE(cxl_mailbox_cmds) * sizeof(CXLCELEntry);
}

static void cxl_cel_fill(uint8_t *buf)
{
    CXLCELEntry *e = (void *)buf;
    size_t i;

    for (i = 0; i < ARRAY_SIZE(cxl_mailbox_cmds); i++) {
        stw_le_p(&e[i].opcode, cxl_mailbox_cmds[i].opcode);
        stw_le_p(&e[i].effect, cxl_mailbox_cmds[i].effects);
    }
}

CXLRetCode cxl_mailbox_execute(CXLType3Dev *ct3d, uint16_t opcode,
                               size_t in_len, size_t *out_len)
{
    const CXLMailboxCmd *cmd = cxl_mailbox_find(opcode);
    g_autofree uint8_t *in = NULL;
    CXLRetCode rc;

    *out_len = 0;
    if (!cmd) {
        qemu_log_mask(LOG_UNIMP, "cxl-type3: unsupported mailbox opcode "
                      "0x%04x\n", opcode);
        return CXL_MBOX_UNSUPPORTED;
    }
    if (cmd->in_len == CXL_IN_VARIABLE ? in_len < cmd->in_min
                                       : in_len != (size_t)cmd->in_len) {
        qemu_log_mask(LOG_GUEST_ERROR, "cxl-type3: %s with a %zu byte payload "
                      "is invalid\n", cmd->name, in_len);
        /* CXL 2.0 8.2.8.4.5.1 Table 150: the length is wrong for the command */
        return CXL_MBOX_INVALID_PAYLOAD_LENGTH;
    }
    /* The handler reads a copy: it may write its output over the payload */
    in = g_memdup(ct3d->mbox.payload, MAX(in_len, 1));
    rc = cmd->handler(ct3d, in, in_len, ct3d->mbox.payload, out_len);
    if (*out_len > CXL_MB_PAYLOAD_SIZE) {
        /* A handler bug, never the guest's doing: report it, stay up */
        qemu_log_mask(LOG_GUEST_ERROR, "cxl-type3: %s produced %zu bytes, more "
                      "than the payload holds\n", cmd->name, *out_len);
        *out_len = 0;
        return CXL_MBOX_INTERNAL_ERROR;
    }
    return rc;
}

void cxl_mailbox_reset(CXLMailbox *mb)
{
    mb->timestamp = 0;
    mb->timestamp_set_at = -1;
    memset(&mb->event_policy, 0, sizeof(mb->event_policy));
    memset(&mb->alerts, 0, sizeof(mb->alerts));
    mb->alerts.programmable_alerts = CXL_ALERT_ALL;
    mb->alerts.life_used_critical = 100;
    mb->alerts.life_used_warning = 75;
    stw_le_p(&mb->alerts.over_temp_critical, 85);
    stw_le_p(&mb->alerts.over_temp_warning, 70);
    stw_le_p(&mb->alerts.under_temp_critical, (uint16_t)-10);
    stw_le_p(&mb->alerts.under_temp_warning, 0);
}
