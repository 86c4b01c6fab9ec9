"""Care messages: selecting a day's birthdays in a large shop, and one full care round.

Full size: 1,000,000 customers; 100,000 of them have their birthday on 10 October (the
selection day) and another 10,000 on 11 October (the round's day, with SMS marketing
consent). Small: 20,000, 2,000 and 500. The round's day has fewer birthdays than the issue's
100,000 because messaging's dispatcher sends one message per claim-send-record cycle (tens of
milliseconds each on this shared machine): 100,000 would take most of an hour. Measured, in
the same run on the same rows:
- selecting the selection day's birthdays: the birthday detector (`birthday_occasions`, the
  ids into Python) and its bare SQL (the ids through the month-day index, server time from
  EXPLAIN ANALYZE), best of five each, with the plan kept;
- the floor: the round day's outbox rows written by one INSERT ... SELECT over the same
  customers, plus one UPDATE marking them all sent; then removed;
- one round at 10:00 on the round's day (`care_round_run` as `care_dispatch` runs it: the
  scan writes the outbox rows through `message_enqueue`, then messaging's dispatcher claims,
  checks, sends to the console SMS backend (its output to /dev/null) and records each
  message), with the time of each part, messages per second and peak memory.

Customers are generated in SQL (generate_series) once and reused while their count matches;
the outbox and the rule are cleared before each measurement. Writes
bench/results/care.json. `python -m bench.run care` (BENCH_SIZE=small|full).
"""

import contextlib
import os
import sys
import time
from datetime import datetime
from zoneinfo import ZoneInfo

from bench.common import machine, peak_rss_mb, tables_vacuum

# customers, birthdays on the selection day, birthdays on the round's day
SIZES = {"small": (20_000, 2_000, 500), "full": (1_000_000, 100_000, 10_000)}
SLUGS = {"small": "bench-care-small", "full": "bench-care"}
SELECTION_DAY = datetime(2026, 10, 10, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
# The round's clock: 10:00 in Shanghai the next day, inside the marketing SMS window.
AT = datetime(2026, 10, 11, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
GOALS = {"ratio": 3.0, "select_ms": 50}
REPEATS = 5

CUSTOMERS_SQL = """
INSERT INTO customers_customer (
    id, shop_id, name, phone, email, gender, birthday, province, city, district, source_channel, attributes,
    is_automated_targeting_refused, created_at, updated_at, orders_count, total_spent, refunds_count,
    refunded_amount)
SELECT %(first_id)s + n, %(shop_id)s, '客户' || n, '+86139' || lpad(n::text, 8, '0'), NULL, 'unknown',
       -- the selection day, the round's day (the next), or 31 to 285 days after the selection day
       make_date(1970 + n %% 40, %(month)s, %(day)s) + CASE WHEN n %% %(every)s = 0 THEN 0
           WHEN n %% %(every_round)s = 1 THEN 1 ELSE 31 * (n %% 9 + 1) + n %% 7 END,
       '浙江', '杭州', '', 'web', '{}'::jsonb, false, now(), now(), 0, 0, 0, 0
FROM generate_series(0, %(count)s - 1) AS n
"""
CONSENT_SQL = """
INSERT INTO customers_customerconsent (shop_id, customer_id, channel, purpose, is_granted, source, updated_at)
SELECT shop_id, id, 'sms', 'marketing', true, 'bench', now() FROM customers_customer
WHERE shop_id = %(shop_id)s AND birthday_month_day = %(month_day)s
"""
FLOOR_INSERT_SQL = """
INSERT INTO messaging_message (
    shop_id, customer_id, rule, occasion, channel, purpose, is_segment_driven, subject, body, variables, link_url,
    short_code, clicks, status, reason, send_after, attempts, recipient, rendered_subject, rendered_body,
    provider_message_id, created_at, updated_at)
SELECT shop_id, id, 'care.birthday', '2026', 'sms', 'marketing', false, '{}'::jsonb, %(body)s::jsonb, '{}'::jsonb,
       '', '', 0, 'queued', '', %(at)s, 0, '', '', '', '', now(), now()
FROM customers_customer
WHERE shop_id = %(shop_id)s AND birthday_month_day = ANY(%(month_days)s) AND merged_into_id IS NULL
  AND erased_at IS NULL
"""
FLOOR_UPDATE_SQL = """
UPDATE messaging_message SET status = 'sent', attempts = 1, sent_at = %(at)s, updated_at = now()
WHERE shop_id = %(shop_id)s AND rule = 'care.birthday' AND status = 'queued'
"""


def _shop(size: str):
    """The bench shop with its customers and their consent, generated once per size."""
    from django.db import connection

    from bench.common import bench_shop
    from bench.datagen import id_block_allocate
    from crm.models import Shop
    from crm.platform.postgresql.citus import staged_insert
    from crm.tenancy.context import shop_scope
    from customers.models import Customer

    count, selected, due = SIZES[size]
    shop = Shop.objects.filter(slug=SLUGS[size]).first()
    if shop is not None:
        with shop_scope(shop.pk):
            if Customer.objects.count() == count:
                return shop, False
    shop = bench_shop(SLUGS[size])
    with shop_scope(shop.pk), connection.cursor() as cursor:
        first_id = id_block_allocate(cursor, "customers_customer", count)
        params = {"first_id": first_id, "shop_id": shop.pk, "count": count, "every": count // selected,
                  "every_round": count // due, "month": SELECTION_DAY.month, "day": SELECTION_DAY.day}  # fmt: skip
        cursor.execute(staged_insert(CUSTOMERS_SQL, connection), params)
    # Committed and analyzed first: planned on the statistics of an empty shop, each consent
    # row's (shop_id, customer_id) foreign-key check scanned the shop's million customers.
    tables_vacuum(["customers_customer"])
    with shop_scope(shop.pk), connection.cursor() as cursor:
        cursor.execute(
            staged_insert(CONSENT_SQL, connection), {"shop_id": shop.pk, "month_day": AT.month * 100 + AT.day}
        )
    tables_vacuum(["customers_customerconsent"])
    return shop, True


def _clear(shop) -> None:
    from django.db import connection

    from crm.tenancy.context import shop_scope

    with shop_scope(shop.pk), connection.cursor() as cursor:
        cursor.execute("DELETE FROM messaging_message WHERE shop_id = %s", [shop.pk])
        cursor.execute("DELETE FROM campaigns_carerule WHERE shop_id = %s", [shop.pk])
    tables_vacuum(["messaging_message"])


def _best_ms(function) -> float:
    timings = []
    for _ in range(REPEATS):
        started = time.perf_counter()
        function()
        timings.append((time.perf_counter() - started) * 1000)
    return round(min(timings), 2)


def _selection(shop) -> dict:
    from django.db import connection

    from campaigns.care_calendar import birthday_month_days
    from campaigns.models import CareKind, CareRule
    from campaigns.services.care_occasions import birthday_occasions
    from crm.tenancy.context import shop_scope

    rule, day = CareRule(kind=CareKind.BIRTHDAY, days=0), SELECTION_DAY.date()
    sql = ("SELECT id FROM customers_customer WHERE shop_id = %s AND birthday_month_day = ANY(%s) "
           "AND merged_into_id IS NULL AND erased_at IS NULL")  # fmt: skip
    params = [shop.pk, birthday_month_days(day)]
    with shop_scope(shop.pk), connection.cursor() as cursor:
        found = len(birthday_occasions(shop=shop, rule=rule, today=day))
        detector_ms = _best_ms(lambda: birthday_occasions(shop=shop, rule=rule, today=day))
        fetch_ms = _best_ms(lambda: cursor.execute(sql, params) or cursor.fetchall())
        server_ms = []
        for _ in range(REPEATS):
            cursor.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + sql, params)
            server_ms.append(cursor.fetchone()[0][0]["Execution Time"])
        cursor.execute("EXPLAIN " + sql, params)
        plan = [row[0] for row in cursor.fetchall()]
    return {"found": found, "detector_ms": detector_ms, "sql_fetch_ms": fetch_ms,
            "sql_server_ms": round(min(server_ms), 2), "plan": plan}  # fmt: skip


def _floor(shop) -> tuple[float, int]:
    import json

    from django.db import connection

    from campaigns.care_calendar import birthday_month_days
    from campaigns.services.care_rules import DEFAULTS
    from crm.platform.postgresql.citus import staged_insert
    from crm.tenancy.context import shop_scope

    params = {"shop_id": shop.pk, "at": AT, "month_days": birthday_month_days(AT.date()),
              "body": json.dumps(DEFAULTS["birthday"]["body"])}  # fmt: skip
    started = time.perf_counter()
    with shop_scope(shop.pk), connection.cursor() as cursor:
        cursor.execute(staged_insert(FLOOR_INSERT_SQL, connection), params)
        rows = cursor.rowcount
    with shop_scope(shop.pk), connection.cursor() as cursor:
        cursor.execute(FLOOR_UPDATE_SQL, params)
    return time.perf_counter() - started, rows


def _round(shop) -> dict:
    """The two steps of care_round_run, timed apart."""
    from django.db import connection

    from campaigns.services.care_messages import care_rules_scan
    from campaigns.services.care_rules import care_rule_update
    from crm.tenancy.context import shop_scope
    from messaging.services.dispatch import outbox_dispatch

    with shop_scope(shop.pk):
        care_rule_update(shop=shop, kind="birthday", changes={"is_enabled": True, "channels": ["sms"]})
    timings = {}
    with open(os.devnull, "w") as sink, contextlib.redirect_stdout(sink):
        started = time.perf_counter()
        with shop_scope(shop.pk):
            written = care_rules_scan(shop=shop, at=AT)
        timings["scan_and_outbox_rows"] = time.perf_counter() - started
        summary = outbox_dispatch(shop, now=AT)
        timings["dispatch"] = time.perf_counter() - started - timings["scan_and_outbox_rows"]
    wall = time.perf_counter() - started
    connection.close()
    return {"wall_seconds": round(wall, 2), "written": written, "summary": summary,
            "parts_seconds": {name: round(value, 2) for name, value in timings.items()}}  # fmt: skip


def run(size: str) -> dict:
    count, selected, due = SIZES[size]
    started = time.perf_counter()
    shop, fresh = _shop(size)
    load_seconds = round(time.perf_counter() - started, 1)
    _clear(shop)
    selection = _selection(shop)
    floor_seconds, floor_rows = _floor(shop)
    _clear(shop)
    round_result = _round(shop)
    sent = round_result["summary"]["sent"]
    ratio = round(round_result["wall_seconds"] / floor_seconds, 1)
    checks = {"ratio": ratio <= GOALS["ratio"], "select_ms": selection["sql_server_ms"] <= GOALS["select_ms"]}
    return {
        "summary": (
            f"{count:,} customers: {selected:,} birthdays selected in {selection['sql_server_ms']} ms (SQL; "
            f"{selection['detector_ms']} ms into Python); round of {due:,} birthdays "
            f"{round_result['wall_seconds']:.1f}s ({sent / round_result['wall_seconds']:.0f} messages/s)"
        ),
        "floor": f"INSERT ... SELECT + UPDATE {floor_seconds:.2f}s ({floor_rows:,} rows)",
        "ratio_to_floor": ratio,
        "goal": "round<=3x floor, select (SQL)<=50 ms",
        "goal_met": all(checks.values()),
        "checks": checks,
        "peak_rss_mb": round(peak_rss_mb(), 1),
        "customers": count,
        "selected": selected,
        "due": due,
        "generated_now": fresh,
        "load_seconds": load_seconds,
        "selection": selection,
        "floor_seconds": round(floor_seconds, 2),
        "round": round_result,
        "messages_per_second": round(sent / round_result["wall_seconds"], 1),
        "machine": machine(),
    }


if __name__ == "__main__":
    from bench.common import django_setup

    django_setup()
    print(run(sys.argv[1] if len(sys.argv) > 1 else "small"))
