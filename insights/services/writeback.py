"""Set-based write-back of a run's per-customer scores.

The scores go to PostgreSQL in binary COPY format, built from numpy arrays a chunk of rows
at a time (fixed-width columns; text columns travel as small integer codes), into a
temp table, then one INSERT ... SELECT into insights_customerscore (COPY cannot target a
table with row-level security). No Python object per row, no ORM save per row. Money travels
as numeric(14,2) rounded to cents here (half away from zero, like PostgreSQL's round), so
the INSERT copies it as it is, instead of converting floats or cents to numeric per value
in SQL.
"""

import numpy as np
import pandas as pd
from django.db import connection

from crm.platform.postgresql.citus import staged_insert
from crm.tenancy.context import require_shop_id
from insights.models import LifecycleStage
from insights.services.binary_copy import MONEY, NUMERIC_14_2, BinaryCopyRows

# (name, PostgreSQL type, numpy big-endian type) of the staged columns, in COPY order.
STAGE_COLUMNS = (
    ("customer_id", "int8", ">i8"),
    ("recency_days", "int4", ">i4"),
    ("frequency", "int4", ">i4"),
    ("monetary", MONEY, NUMERIC_14_2),
    ("r_score", "int2", ">i2"),
    ("f_score", "int2", ">i2"),
    ("m_score", "int2", ">i2"),
    ("segment_code", "int2", ">i2"),
    ("p_alive", "float8", ">f8"),
    ("expected_purchases_90d", "float8", ">f8"),
    ("expected_order_value", MONEY, NUMERIC_14_2),
    ("clv", MONEY, NUMERIC_14_2),
    ("lifecycle_code", "int2", ">i2"),
    ("churn_risk", "bool", "?"),
)
STAGES = tuple(LifecycleStage.values)

# NaN (no usable model) becomes NULL.
INSERT_SQL = """
INSERT INTO insights_customerscore (
    shop_id, run_id, customer_id, recency_days, frequency, monetary, r_score, f_score, m_score, segment,
    p_alive, expected_purchases_90d, expected_order_value, clv_12m, lifecycle_stage, churn_risk)
SELECT %(shop_id)s, %(run_id)s, customer_id, recency_days, frequency, monetary,
       r_score, f_score, m_score, (%(segments)s::text[])[segment_code],
       NULLIF(p_alive, 'NaN'), NULLIF(expected_purchases_90d, 'NaN'),
       NULLIF(expected_order_value, 'NaN'), NULLIF(clv, 'NaN'),
       (%(stages)s::text[])[lifecycle_code], churn_risk
FROM insights_score_stage
"""


def _codes(values: pd.Series, labels: list[str] | tuple[str, ...]) -> np.ndarray:
    """1-based positions of values in labels (PostgreSQL arrays start at 1)."""
    codes = pd.Categorical(values, categories=labels).codes
    if (codes < 0).any():
        raise ValueError(f"unknown labels: {sorted(set(values[codes < 0]))}")
    return codes + 1


def _stage_rows(frame: pd.DataFrame, segments: list[str]) -> BinaryCopyRows:
    columns = {
        **{name: frame[name].to_numpy() for name, *_ in STAGE_COLUMNS if name in frame},
        "segment_code": _codes(frame["segment"], segments),
        "lifecycle_code": _codes(frame["lifecycle_stage"], STAGES),
    }
    return BinaryCopyRows(columns, STAGE_COLUMNS, len(frame))


def customer_scores_write(*, shop_id: int, run_id: int, frame: pd.DataFrame, segments: list[str]) -> int:
    """Insert one CustomerScore per row of `frame` (scores_frame columns) for the run;
    returns the rows written. Run inside the shop's scope and the run's transaction."""
    assert shop_id == require_shop_id(), "write in the scope of the shop it names"
    stage_columns = ", ".join(f"{name} {pg_type}" for name, pg_type, _ in STAGE_COLUMNS)
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS insights_score_stage")
        cursor.execute(f"CREATE TEMP TABLE insights_score_stage ({stage_columns}) ON COMMIT DROP")
        cursor.copy_expert(
            "COPY insights_score_stage FROM STDIN WITH (FORMAT binary)", _stage_rows(frame, segments), 1 << 20
        )
        cursor.execute(
            staged_insert(INSERT_SQL, connection),
            {"shop_id": shop_id, "run_id": run_id, "segments": list(segments), "stages": list(STAGES)},
        )
        written = cursor.rowcount
        cursor.execute("DROP TABLE insights_score_stage")
    return written
