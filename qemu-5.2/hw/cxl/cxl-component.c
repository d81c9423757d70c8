/*
 * CXL component registers (CXL 2.0 8.2.4, 8.2.5): the 64 KiB block every
 * CXL host bridge, port and device carries. Its CXL.cache/mem part starts
 * at 4 KiB with the capability header array; we provide the RAS, link and
 * HDM decoder capabilities.
 *
 * Register semantics are data: each dword has a reset value and masks of
 * its read-write and write-1-to-clear bits, enforced by one write
 * function; HDM decoder commits are a named side effect.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "qemu/osdep.h"
#include "qemu/error-report.h"
#include "qemu/log.h"
#include "hw/cxl/cxl.h"
#include "trace.h"

/* Where our capabilities sit, relative to the CXL.cache/mem base */
#define CXL_CM_RAS_OFFSET       0x40
#define CXL_CM_LINK_OFFSET      0x100
#define CXL_CM_HDM_OFFSET       0x200

#define DW(off)                 ((off) / 4)
/* Dword index of register @reg (A_CXL_HDM_DECODER0_*) of decoder @n */
#define HDM_DEC(cs, n, reg)     DW((cs)->hdm_offset + (reg) + \
                                   (n) * CXL_HDM_DECODER_STRIDE)

static void cm_define(CXLComponentState *cs, uint32_t off, uint32_t reset,
                      uint32_t rw, uint32_t w1c)
{
    cs->reset[DW(off)] = reset;
    cs->rw_mask[DW(off)] = rw;
    cs->w1c_mask[DW(off)] = w1c;
}

/* CXL 2.0 8.2.5.12.1: Decoder Count field encodes 1, 2, 4, 6, 8, 10 */
static uint32_t hdm_decoder_count_encoding(unsigned count)
{
    return count == 1 ? 0 : count / 2;
}

static void cxl_component_define_ras(CXLComponentState *cs, uint32_t base)
{
    /* CXL 2.0 8.2.5.9: status RW1C, mask and severity RW */
    cm_define(cs, base + A_CXL_RAS_UNC_ERR_STATUS, 0, 0, CXL_RAS_UNC_ERR_DEFINED);
    cm_define(cs, base + A_CXL_RAS_UNC_ERR_MASK, 0, CXL_RAS_UNC_ERR_DEFINED, 0);
    cm_define(cs, base + A_CXL_RAS_UNC_ERR_SEVERITY, CXL_RAS_UNC_ERR_DEFINED,
              CXL_RAS_UNC_ERR_DEFINED, 0);
    cm_define(cs, base + A_CXL_RAS_COR_ERR_STATUS, 0, 0, CXL_RAS_COR_ERR_DEFINED);
    cm_define(cs, base + A_CXL_RAS_COR_ERR_MASK, 0, CXL_RAS_COR_ERR_DEFINED, 0);
}

static void cxl_component_define_hdm(CXLComponentState *cs, uint32_t base)
{
    bool endpoint = cs->kind == CXL_COMPONENT_ENDPOINT;
    uint32_t cap = 0;
    unsigned n;

    cap = FIELD_DP32(cap, CXL_HDM_DECODER_CAP, DECODER_COUNT,
                     hdm_decoder_count_encoding(cs->hdm_count));
    /* Target Count: entries in each decoder's target list; RsvdP on devices */
    cap = FIELD_DP32(cap, CXL_HDM_DECODER_CAP, TARGET_COUNT,
                     endpoint ? 0 : cs->hdm_targets);
    cap = FIELD_DP32(cap, CXL_HDM_DECODER_CAP, INTERLEAVE_A11_8, 1);
    cap = FIELD_DP32(cap, CXL_HDM_DECODER_CAP, INTERLEAVE_A14_12, 1);
    cap = FIELD_DP32(cap, CXL_HDM_DECODER_CAP, INTERLEAVE_3_6_12_WAY, 1);
    cap = FIELD_DP32(cap, CXL_HDM_DECODER_CAP, INTERLEAVE_16_WAY, 1);
    cm_define(cs, base + A_CXL_HDM_DECODER_CAP, cap, 0, 0);
    /*
     * CXL 2.0 8.2.5.12.2: HDM Decoder Enable applies to CXL.mem devices
     * and returns 0 on ports; a device decodes through its HDM decoders
     * only while it is set.
     */
    cm_define(cs, base + A_CXL_HDM_GLOBAL_CTRL, 0,
              endpoint ? R_CXL_HDM_GLOBAL_CTRL_HDM_DECODER_ENABLE_MASK : 0, 0);

    for (n = 0; n < cs->hdm_count; n++) {
        uint32_t d = base + n * CXL_HDM_DECODER_STRIDE;
        /* CXL 2.0 8.2.5.12.7: Target Device Type, 1 = Type 3 (HDM-H) */
        uint32_t ctrl_rw = R_CXL_HDM_DECODER0_CTRL_IG_MASK |
                           R_CXL_HDM_DECODER0_CTRL_IW_MASK |
                           R_CXL_HDM_DECODER0_CTRL_LOCK_ON_COMMIT_MASK |
                           R_CXL_HDM_DECODER0_CTRL_COMMIT_MASK |
                           R_CXL_HDM_DECODER0_CTRL_TARGET_TYPE_MASK;
        uint32_t ctrl_reset = 0;

        ctrl_reset = FIELD_DP32(ctrl_reset, CXL_HDM_DECODER0_CTRL, TARGET_TYPE, 1);

        cm_define(cs, d + A_CXL_HDM_DECODER0_BASE_LO, 0,
                  R_CXL_HDM_DECODER0_BASE_LO_BASE_LOW_MASK, 0);
        cm_define(cs, d + A_CXL_HDM_DECODER0_BASE_HI, 0, UINT32_MAX, 0);
        cm_define(cs, d + A_CXL_HDM_DECODER0_SIZE_LO, 0,
                  R_CXL_HDM_DECODER0_SIZE_LO_SIZE_LOW_MASK, 0);
        cm_define(cs, d + A_CXL_HDM_DECODER0_SIZE_HI, 0, UINT32_MAX, 0);
        cm_define(cs, d + A_CXL_HDM_DECODER0_CTRL, ctrl_reset, ctrl_rw, 0);
        if (endpoint) {
            /* CXL 2.0 8.2.5.12.10/11: DPA Skip, 256 MiB units */
            cm_define(cs, d + A_CXL_HDM_DECODER0_TARGET_LIST_LO, 0, 0xf0000000, 0);
        } else {
            /* CXL 2.0 8.2.5.12.8/9: Target List, one byte per way */
            cm_define(cs, d + A_CXL_HDM_DECODER0_TARGET_LIST_LO, 0,
                      cs->hdm_targets >= 4 ? UINT32_MAX :
                      MAKE_64BIT_MASK(0, 8 * cs->hdm_targets), 0);
        }
        cm_define(cs, d + A_CXL_HDM_DECODER0_TARGET_LIST_HI, 0,
                  endpoint || cs->hdm_targets > 4 ? UINT32_MAX : 0, 0);
    }
}

void cxl_component_reset(CXLComponentState *cs)
{
    memcpy(cs->regs, cs->reset, sizeof(cs->regs));
    memset(cs->hdm, 0, sizeof(cs->hdm));
    cxl_routes_changed();
}

uint32_t cxl_component_cm_read(CXLComponentState *cs, hwaddr offset)
{
    return offset < CXL_CACHEMEM_SIZE ? cs->regs[DW(offset)] : 0;
}

/*
 * CXL 2.0 8.2.5.12.7: setting Commit asks the decoder to check its
 * programming; it then sets Committed, or Error Not Committed. A decoder
 * that commits is decoded once into cs->hdm[n], which the access path uses.
 */
static bool cxl_hdm_decode(CXLComponentState *cs, unsigned n,
                           CXLHDMDecoder *d, const char **why)
{
    uint32_t *r = &cs->regs[HDM_DEC(cs, n, A_CXL_HDM_DECODER0_BASE_LO)];
    uint32_t ctrl = cs->regs[HDM_DEC(cs, n, A_CXL_HDM_DECODER0_CTRL)];
    uint64_t tl = cs->regs[HDM_DEC(cs, n, A_CXL_HDM_DECODER0_TARGET_LIST_LO)] |
        (uint64_t)cs->regs[HDM_DEC(cs, n, A_CXL_HDM_DECODER0_TARGET_LIST_HI)] << 32;
    unsigned i;

    memset(d, 0, sizeof(*d));
    d->base = r[0] | (uint64_t)r[1] << 32;
    d->size = r[2] | (uint64_t)r[3] << 32;
    d->ways = cxl_eiw_to_ways(FIELD_EX32(ctrl, CXL_HDM_DECODER0_CTRL, IW));
    d->granularity = cxl_eig_to_granularity(FIELD_EX32(ctrl, CXL_HDM_DECODER0_CTRL, IG));

    if (!d->ways) {
        *why = "reserved interleave ways encoding";
        return false;
    }
    if (!d->granularity) {
        *why = "reserved interleave granularity encoding";
        return false;
    }
    if (d->base + d->size < d->base) {
        *why = "the HPA range wraps around";
        return false;
    }
    /* CXL 2.0 8.2.5.12.20: decoders commit in order, lowest first */
    if (n > 0 && !cs->hdm[n - 1].committed) {
        *why = "the decoder before it is not committed";
        return false;
    }
    if (n > 0 && d->size && d->base < cs->hdm[n - 1].base + cs->hdm[n - 1].size) {
        *why = "its HPA range starts below the end of the decoder before it";
        return false;
    }
    if (cs->kind != CXL_COMPONENT_ENDPOINT) {
        if (d->ways > cs->hdm_targets) {
            *why = "more interleave ways than target list entries";
            return false;
        }
        for (i = 0; i < d->ways; i++) {
            d->target[i] = extract64(tl, 8 * i, 8);
        }
        return true;
    }
    /* Endpoint: each way's share of the HPA range is a 256 MiB multiple */
    if (d->size % (CXL_HDM_ALIGN * d->ways)) {
        *why = "the size is not a multiple of 256 MiB times the ways";
        return false;
    }
    /*
     * DPA space is allocated in decoder order, after the skip (8.2.5.12.10).
     * The skip is a 64-bit guest value: compare it with what is left of
     * the capacity rather than add it, so that it cannot wrap around onto
     * DPA that an earlier decoder maps.
     */
    d->dpa_base = n ? cs->hdm[n - 1].dpa_base + cs->hdm[n - 1].dpa_size : 0;
    if ((tl & 0xfffffffff0000000ull) > cs->dpa_capacity - d->dpa_base) {
        *why = "its DPA skip is beyond the device's capacity";
        return false;
    }
    d->dpa_base += tl & 0xfffffffff0000000ull;
    d->dpa_size = d->size / d->ways;
    if (d->dpa_base > cs->dpa_capacity ||
        d->dpa_size > cs->dpa_capacity - d->dpa_base) {
        *why = "its DPA range (skip included) is beyond the device's capacity";
        return false;
    }
    return true;
}

static void cxl_hdm_decoder_commit(CXLComponentState *cs, unsigned n, bool commit)
{
    uint32_t *ctrl = &cs->regs[HDM_DEC(cs, n, A_CXL_HDM_DECODER0_CTRL)];
    const char *why = NULL;
    CXLHDMDecoder d;
    unsigned i;

    if (!commit) {
        *ctrl = FIELD_DP32(*ctrl, CXL_HDM_DECODER0_CTRL, COMMITTED, 0);
        *ctrl = FIELD_DP32(*ctrl, CXL_HDM_DECODER0_CTRL, ERR_NOT_COMMITTED, 0);
        /*
         * The access path stops using it, and those above it, which could
         * not have committed without it (8.2.5.12.20): their Committed
         * bits say so too.
         */
        for (i = n; i < cs->hdm_count; i++) {
            if (i > n && cs->hdm[i].committed) {
                uint32_t *c = &cs->regs[HDM_DEC(cs, i, A_CXL_HDM_DECODER0_CTRL)];

                *c = FIELD_DP32(*c, CXL_HDM_DECODER0_CTRL, COMMITTED, 0);
                qemu_log_mask(LOG_GUEST_ERROR, "%s: HDM decoder %u uncommitted "
                              "below committed decoder %u, which stops "
                              "decoding too\n", cs->name, n, i);
            }
            cs->hdm[i].committed = false;
        }
        trace_cxl_hdm_uncommit(cs->name, n);
        cxl_routes_changed();
        return;
    }
    if (cxl_hdm_decode(cs, n, &d, &why)) {
        d.committed = true;
        cs->hdm[n] = d;
        *ctrl = FIELD_DP32(*ctrl, CXL_HDM_DECODER0_CTRL, COMMITTED, 1);
        *ctrl = FIELD_DP32(*ctrl, CXL_HDM_DECODER0_CTRL, ERR_NOT_COMMITTED, 0);
        trace_cxl_hdm_commit(cs->name, n, d.base, d.size, d.ways, d.granularity,
                             d.dpa_base);
    } else {
        cs->hdm[n].committed = false;
        *ctrl = FIELD_DP32(*ctrl, CXL_HDM_DECODER0_CTRL, COMMITTED, 0);
        *ctrl = FIELD_DP32(*ctrl, CXL_HDM_DECODER0_CTRL, ERR_NOT_COMMITTED, 1);
        qemu_log_mask(LOG_GUEST_ERROR, "%s: HDM decoder %u not committed: %s\n",
                      cs->name, n, why);
        trace_cxl_hdm_commit_error(cs->name, n, why);
    }
    cxl_routes_changed();
}

/* Which HDM decoder a CXL.cache/mem offset belongs to, or -1 */
static int cxl_hdm_decoder_of(CXLComponentState *cs, uint32_t off)
{
    uint32_t first = cs->hdm_offset + CXL_HDM_DECODER_FIRST;

    if (!cs->hdm_count || off < first ||
        off >= first + cs->hdm_count * CXL_HDM_DECODER_STRIDE) {
        return -1;
    }
    return (off - first) / CXL_HDM_DECODER_STRIDE;
}

/* Is a decoder above @n committed with Lock On Commit? */
static bool cxl_hdm_locked_above(CXLComponentState *cs, unsigned n)
{
    unsigned i;

    for (i = n + 1; i < cs->hdm_count; i++) {
        uint32_t c = cs->regs[HDM_DEC(cs, i, A_CXL_HDM_DECODER0_CTRL)];

        if (FIELD_EX32(c, CXL_HDM_DECODER0_CTRL, COMMITTED) &&
            FIELD_EX32(c, CXL_HDM_DECODER0_CTRL, LOCK_ON_COMMIT)) {
            return true;
        }
    }
    return false;
}

static void cxl_component_cm_write(CXLComponentState *cs, uint32_t off,
                                   uint32_t val)
{
    uint32_t i = DW(off), old = cs->regs[i], new;
    int dec = cxl_hdm_decoder_of(cs, off);

    if (dec >= 0) {
        uint32_t ctrl = cs->regs[HDM_DEC(cs, dec, A_CXL_HDM_DECODER0_CTRL)];
        bool is_ctrl = i == HDM_DEC(cs, dec, A_CXL_HDM_DECODER0_CTRL);

        /* CXL 2.0 8.2.5.12.7: Lock On Commit makes a committed decoder RO */
        if (FIELD_EX32(ctrl, CXL_HDM_DECODER0_CTRL, COMMITTED) &&
            FIELD_EX32(ctrl, CXL_HDM_DECODER0_CTRL, LOCK_ON_COMMIT)) {
            qemu_log_mask(LOG_GUEST_ERROR, "%s: write to locked HDM decoder %u "
                          "ignored\n", cs->name, dec);
            return;
        }
        /* Programming is frozen while Commit is set (8.2.5.12.7) */
        if (!is_ctrl && FIELD_EX32(ctrl, CXL_HDM_DECODER0_CTRL, COMMIT)) {
            qemu_log_mask(LOG_GUEST_ERROR, "%s: write to HDM decoder %u while "
                          "Commit is set ignored\n", cs->name, dec);
            return;
        }
        /*
         * Uncommitting a decoder takes those above it out of the decode
         * (8.2.5.12.20): not while one of them is locked, which only a
         * reset may undo.
         */
        if (is_ctrl && FIELD_EX32(ctrl, CXL_HDM_DECODER0_CTRL, COMMIT) &&
            !(val & R_CXL_HDM_DECODER0_CTRL_COMMIT_MASK) &&
            cxl_hdm_locked_above(cs, dec)) {
            qemu_log_mask(LOG_GUEST_ERROR, "%s: uncommit of HDM decoder %u "
                          "ignored: a decoder above it is locked\n",
                          cs->name, dec);
            return;
        }
    }

    new = (old & ~cs->rw_mask[i]) | (val & cs->rw_mask[i]);
    new &= ~(val & cs->w1c_mask[i]);
    cs->regs[i] = new;

    if (dec >= 0 && i == HDM_DEC(cs, dec, A_CXL_HDM_DECODER0_CTRL)) {
        bool was = FIELD_EX32(old, CXL_HDM_DECODER0_CTRL, COMMIT);
        bool now = FIELD_EX32(new, CXL_HDM_DECODER0_CTRL, COMMIT);
        if (was != now) {
            cxl_hdm_decoder_commit(cs, dec, now);
        }
    } else if (cs->hdm_count && off == cs->hdm_offset + A_CXL_HDM_GLOBAL_CTRL &&
               old != new) {
        cxl_routes_changed();       /* HDM Decoder Enable */
    }
}

/* Is the HDM decoder capability's HDM Decoder Enable set (8.2.5.12.2)? */
bool cxl_component_hdm_enabled(CXLComponentState *cs)
{
    return cs->hdm_count &&
           FIELD_EX32(cs->regs[DW(cs->hdm_offset + A_CXL_HDM_GLOBAL_CTRL)],
                      CXL_HDM_GLOBAL_CTRL, HDM_DECODER_ENABLE);
}

/* Is CXL.cache/mem offset @off some HDM decoder's Control register? */
static bool cxl_is_hdm_ctrl(CXLComponentState *cs, uint32_t off)
{
    int dec = cxl_hdm_decoder_of(cs, off);

    return dec >= 0 && DW(off) == HDM_DEC(cs, dec, A_CXL_HDM_DECODER0_CTRL);
}

static uint64_t cxl_component_read(void *opaque, hwaddr addr, unsigned size)
{
    CXLComponentState *cs = opaque;
    uint64_t v;

    if (addr < CXL_CACHEMEM_OFFSET ||
        addr + size > CXL_CACHEMEM_OFFSET + CXL_CACHEMEM_SIZE) {
        return 0;       /* CXL.io part and the rest: reserved */
    }
    addr -= CXL_CACHEMEM_OFFSET;
    v = cs->regs[DW(addr)];
    if (size == 8) {
        v |= (uint64_t)cs->regs[DW(addr) + 1] << 32;
    }
    trace_cxl_component_read(cs->name, addr, size, v);
    return v;
}

static void cxl_component_write(void *opaque, hwaddr addr, uint64_t data,
                                unsigned size)
{
    CXLComponentState *cs = opaque;

    if (addr < CXL_CACHEMEM_OFFSET ||
        addr + size > CXL_CACHEMEM_OFFSET + CXL_CACHEMEM_SIZE) {
        qemu_log_mask(LOG_GUEST_ERROR, "%s: write to reserved component "
                      "register offset 0x%" HWADDR_PRIx " ignored\n",
                      cs->name, addr);
        return;
    }
    addr -= CXL_CACHEMEM_OFFSET;
    trace_cxl_component_write(cs->name, addr, size, data);
    if (size == 8 && cxl_is_hdm_ctrl(cs, addr)) {
        /*
         * A qword over a decoder's Control and its Target List (or DPA
         * Skip): the programming lands before a Commit acts on it.
         */
        cxl_component_cm_write(cs, addr + 4, data >> 32);
        cxl_component_cm_write(cs, addr, data);
        return;
    }
    cxl_component_cm_write(cs, addr, data);
    if (size == 8) {
        cxl_component_cm_write(cs, addr + 4, data >> 32);
    }
}

/*
 * CXL 2.0 8.2.2: the CXL.cache/mem registers are accessed as aligned
 * dwords or qwords; anything else is undefined, and we drop it.
 */
static bool cxl_component_accepts(void *opaque, hwaddr addr, unsigned size,
                                  bool is_write, MemTxAttrs attrs)
{
    return (size == 4 || size == 8) && !(addr & (size - 1));
}

static const MemoryRegionOps cxl_component_ops = {
    .read = cxl_component_read,
    .write = cxl_component_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .valid = {
        .min_access_size = 4,
        .max_access_size = 8,
        .accepts = cxl_component_accepts,
    },
    .impl = {
        .min_access_size = 4,
        .max_access_size = 8,
    },
};

void cxl_component_init(CXLComponentState *cs, Object *owner, const char *name,
                        CXLComponentKind kind, unsigned hdm_count)
{
    uint32_t hdr = 0, caps[3][2];
    unsigned ncaps = 0, i;

    memset(cs->reset, 0, sizeof(cs->reset));
    memset(cs->rw_mask, 0, sizeof(cs->rw_mask));
    memset(cs->w1c_mask, 0, sizeof(cs->w1c_mask));
    cs->kind = kind;
    cs->name = name;
    cs->hdm_count = hdm_count;
    cs->hdm_targets = kind == CXL_COMPONENT_ENDPOINT ? 0 : 8;

    cs->ras_offset = CXL_CM_RAS_OFFSET;
    caps[ncaps][0] = CXL_CAP_ID_RAS;
    caps[ncaps++][1] = cs->ras_offset;
    cxl_component_define_ras(cs, cs->ras_offset);
    if (kind != CXL_COMPONENT_HOST_BRIDGE) {
        /* Link capability: read-only zeros we do not model further */
        cs->link_offset = CXL_CM_LINK_OFFSET;
        caps[ncaps][0] = CXL_CAP_ID_LINK;
        caps[ncaps++][1] = cs->link_offset;
    }
    if (hdm_count) {
        cs->hdm_offset = CXL_CM_HDM_OFFSET;
        caps[ncaps][0] = CXL_CAP_ID_HDM_DECODER;
        caps[ncaps++][1] = cs->hdm_offset;
        cxl_component_define_hdm(cs, cs->hdm_offset);
    }

    /* CXL 2.0 8.2.5.1: CXL Capability Header, then one header per cap */
    hdr = FIELD_DP32(hdr, CXL_CAPABILITY_HEADER, ID, CXL_CAP_ID_CXL);
    hdr = FIELD_DP32(hdr, CXL_CAPABILITY_HEADER, VERSION, 1);
    hdr = FIELD_DP32(hdr, CXL_CAPABILITY_HEADER, CACHE_MEM_VERSION, 1);
    hdr = FIELD_DP32(hdr, CXL_CAPABILITY_HEADER, ARRAY_SIZE, ncaps);
    cm_define(cs, 0, hdr, 0, 0);
    for (i = 0; i < ncaps; i++) {
        uint32_t h = 0;
        uint32_t version = caps[i][0] == CXL_CAP_ID_RAS ? CXL_RAS_CAP_VERSION :
                           caps[i][0] == CXL_CAP_ID_LINK ? CXL_LINK_CAP_VERSION :
                           CXL_HDM_CAP_VERSION;
        h = FIELD_DP32(h, CXL_CAP_HDR, ID, caps[i][0]);
        h = FIELD_DP32(h, CXL_CAP_HDR, VERSION, version);
        h = FIELD_DP32(h, CXL_CAP_HDR, POINTER, caps[i][1]);
        cm_define(cs, 4 * (i + 1), h, 0, 0);
    }

    memory_region_init_io(&cs->mr, owner, &cxl_component_ops, cs, name,
                          CXL_COMPONENT_REG_SIZE);
    cxl_component_reset(cs);
}

/*
 * Migration: the CXL.cache/mem registers are the state; the decoded HDM
 * decoders are rebuilt from them, as a commit would, and the windows'
 * routes with them.
 */
static int cxl_component_post_load(void *opaque, int version_id)
{
    CXLComponentState *cs = opaque;
    unsigned n;

    memset(cs->hdm, 0, sizeof(cs->hdm));
    for (n = 0; n < cs->hdm_count; n++) {
        uint32_t *ctrl = &cs->regs[HDM_DEC(cs, n, A_CXL_HDM_DECODER0_CTRL)];
        const char *why = NULL;
        CXLHDMDecoder d;

        if (!FIELD_EX32(*ctrl, CXL_HDM_DECODER0_CTRL, COMMITTED)) {
            continue;
        }
        if (!cxl_hdm_decode(cs, n, &d, &why)) {
            error_report("%s: HDM decoder %u came committed but does not "
                         "decode: %s", cs->name, n, why);
            return -EINVAL;
        }
        d.committed = true;
        cs->hdm[n] = d;
    }
    cxl_routes_changed();
    return 0;
}

const VMStateDescription vmstate_cxl_component = {
    .name = "cxl-component",
    .version_id = 1,
    .minimum_version_id = 1,
    .post_load = cxl_component_post_load,
    .fields = (VMStateField[]) {
        VMSTATE_UINT32_ARRAY(regs, CXLComponentState, CXL_CACHEMEM_DWORDS),
        VMSTATE_END_OF_LIST()
    }
};
