/*
 * Mailbox commands the 10.0 line adds to upstream's command set, as a CXL
 * driver issues them through the primary mailbox (CXL r3.1 8.2.8.4):
 *
 * - the Health Information and Alerts command set (8.2.9.9.3): Get Health
 *   Info, Get Alert Configuration, Set Alert Configuration, each listed in
 *   the Command Effects Log, which is how Linux decides to allow them;
 * - Set Alert Configuration refusing thresholds past their critical ones
 *   and alerts the device does not have, changing nothing when it does.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "qemu/osdep.h"
#include "cxl-qtest.h"

#define OP_GET_LOG              0x0401
#define OP_GET_HEALTH_INFO      0x4200
#define OP_GET_ALERT_CONFIG     0x4201
#define OP_SET_ALERT_CONFIG     0x4202

/* CXL r3.1 8.2.9.5.2.1: the CEL's UUID, as Get Log takes it */
static const uint8_t cel_uuid[16] = {
    0x0d, 0xa9, 0xc0, 0xb5, 0xbf, 0x41, 0x4b, 0x78,
    0x8f, 0x79, 0x96, 0xb1, 0x62, 0x3b, 0x3f, 0x17,
};

static void payload_write(QTestState *qts, uint64_t pl, const uint8_t *buf,
                          size_t len)
{
    size_t i;

    for (i = 0; i < len; i++) {
        qtest_writeb(qts, pl + i, buf[i]);
    }
}

static void payload_read(QTestState *qts, uint64_t pl, uint8_t *buf,
                         size_t len)
{
    size_t i;

    for (i = 0; i < len; i++) {
        buf[i] = qtest_readb(qts, pl + i);
    }
}

/* Is @op in the Command Effects Log (8.2.9.5.2.1)? */
static bool cel_lists(Machine *m, uint16_t op)
{
    uint64_t pl = m->mbox + MB_PAYLOAD;
    uint8_t req[0x18] = { 0 };
    uint32_t out = 0, i;

    memcpy(req, cel_uuid, sizeof(cel_uuid));
    stl_le_p(req + 0x14, 0x400);                /* length */
    payload_write(m->qts, pl, req, sizeof(req));
    g_assert_cmpuint(mbox_run(m->qts, m->mbox, OP_GET_LOG, sizeof(req), &out),
                     ==, RC_SUCCESS);
    for (i = 0; i + 4 <= out; i += 4) {         /* opcode, then effect */
        if (qtest_readw(m->qts, pl + i) == op) {
            return true;
        }
    }
    return false;
}

static void test_health_info(void)
{
    Machine m = { 0 };
    uint8_t h[0x12];
    uint32_t out = 0;

    machine_start(&m);
    g_assert_true(cel_lists(&m, OP_GET_HEALTH_INFO));
    g_assert_true(cel_lists(&m, OP_GET_ALERT_CONFIG));
    g_assert_true(cel_lists(&m, OP_SET_ALERT_CONFIG));

    memset(h, 0xa5, sizeof(h));
    payload_write(m.qts, m.mbox + MB_PAYLOAD, h, sizeof(h));
    g_assert_cmpuint(mbox_run(m.qts, m.mbox, OP_GET_HEALTH_INFO, 0, &out),
                     ==, RC_SUCCESS);
    g_assert_cmpuint(out, ==, sizeof(h));
    payload_read(m.qts, m.mbox + MB_PAYLOAD, h, sizeof(h));
    g_assert_cmpuint(h[0], ==, 0);              /* health status: fine */
    g_assert_cmpuint(h[1], ==, 0);              /* media status: normal */
    g_assert_cmpuint(h[2], ==, 0);              /* additional status */
    g_assert_cmpuint(h[3], ==, 0);              /* life used */
    g_assert_cmpint((int16_t)lduw_le_p(h + 4), ==, 25);
    g_assert_cmpuint(ldl_le_p(h + 6), ==, 0);   /* dirty shutdowns */
    g_assert_cmpuint(ldl_le_p(h + 10), ==, 0);  /* corrected volatile */
    g_assert_cmpuint(ldl_le_p(h + 14), ==, 0);  /* corrected persistent */
    machine_end(&m);
}

static void get_alerts(Machine *m, uint8_t a[0x10])
{
    uint32_t out = 0;

    g_assert_cmpuint(mbox_run(m->qts, m->mbox, OP_GET_ALERT_CONFIG, 0, &out),
                     ==, RC_SUCCESS);
    g_assert_cmpuint(out, ==, 0x10);
    payload_read(m->qts, m->mbox + MB_PAYLOAD, a, 0x10);
}

static uint16_t set_alerts(Machine *m, uint8_t valid, uint8_t enable,
                           uint8_t life, int16_t over, int16_t under,
                           uint16_t cvol, uint16_t cpers)
{
    uint8_t req[0xc] = { valid, enable, life };

    stw_le_p(req + 4, over);
    stw_le_p(req + 6, under);
    stw_le_p(req + 8, cvol);
    stw_le_p(req + 10, cpers);
    payload_write(m->qts, m->mbox + MB_PAYLOAD, req, sizeof(req));
    return mbox_run(m->qts, m->mbox, OP_SET_ALERT_CONFIG, sizeof(req), NULL);
}

static void test_alert_config(void)
{
    Machine m = { 0 };
    uint8_t a[0x10], before[0x10], first[0x10];

    machine_start(&m);
    get_alerts(&m, a);
    memcpy(first, a, sizeof(a));
    g_assert_cmpuint(a[0], ==, 0);              /* no alert enabled */
    g_assert_cmpuint(a[1], ==, 0x1f);           /* all five programmable */
    g_assert_cmpuint(a[2], ==, 100);            /* life used critical */
    g_assert_cmpuint(a[3], <, a[2]);
    g_assert_cmpint((int16_t)lduw_le_p(a + 8), <, (int16_t)lduw_le_p(a + 4));
    g_assert_cmpint((int16_t)lduw_le_p(a + 10), >, (int16_t)lduw_le_p(a + 6));

    /* Enable the life-used and over-temperature warnings, set all five */
    g_assert_cmpuint(set_alerts(&m, 0x1f, 0x03, 90, 80, -5, 1000, 2000),
                     ==, RC_SUCCESS);
    get_alerts(&m, a);
    g_assert_cmpuint(a[0], ==, 0x03);
    g_assert_cmpuint(a[3], ==, 90);
    g_assert_cmpint((int16_t)lduw_le_p(a + 8), ==, 80);
    g_assert_cmpint((int16_t)lduw_le_p(a + 10), ==, -5);
    g_assert_cmpuint(lduw_le_p(a + 12), ==, 1000);
    g_assert_cmpuint(lduw_le_p(a + 14), ==, 2000);

    /* Only the thresholds named valid change; disable life used */
    g_assert_cmpuint(set_alerts(&m, 0x01, 0x00, 50, 0, 0, 0, 0),
                     ==, RC_SUCCESS);
    get_alerts(&m, before);
    g_assert_cmpuint(before[0], ==, 0x02);
    g_assert_cmpuint(before[3], ==, 50);
    g_assert_cmpint((int16_t)lduw_le_p(before + 8), ==, 80);
    g_assert_cmpuint(lduw_le_p(before + 14), ==, 2000);

    /* Past a critical threshold, or an alert that does not exist: refused */
    g_assert_cmpuint(set_alerts(&m, 0x01, 0x01, 101, 0, 0, 0, 0),
                     ==, RC_INVALID_INPUT);
    g_assert_cmpuint(set_alerts(&m, 0x02, 0x02, 0, 86, 0, 0, 0),
                     ==, RC_INVALID_INPUT);
    g_assert_cmpuint(set_alerts(&m, 0x04, 0x04, 0, 0, -11, 0, 0),
                     ==, RC_INVALID_INPUT);
    g_assert_cmpuint(set_alerts(&m, 0x20, 0x00, 0, 0, 0, 0, 0),
                     ==, RC_INVALID_INPUT);
    g_assert_cmpuint(set_alerts(&m, 0x00, 0x80, 0, 0, 0, 0, 0),
                     ==, RC_INVALID_INPUT);
    get_alerts(&m, a);
    g_assert_cmpmem(a, sizeof(a), before, sizeof(before));

    /* A reset brings back the defaults read first */
    get_alerts(&m, before);
    qtest_system_reset(m.qts);
    machine_setup(&m);
    get_alerts(&m, a);
    g_assert_cmpuint(a[0], ==, 0);
    g_assert_cmpmem(a, 0x10, first, 0x10);
    machine_end(&m);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    qtest_add_func("/cxl/mailbox/health-info", test_health_info);
    qtest_add_func("/cxl/mailbox/alert-config", test_alert_config);
    return g_test_run();
}
