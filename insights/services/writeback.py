"""Set-based write-back of a run's per-customer scores.

The scores go to PostgreSQL in binary COPY format, built from numpy arrays a chunk of rows
at a time (fixed-width columns; text columns travel as small integer codes), into a
temp table, then one INSERT ... SELECT into insights_customerscore (COPY cannot target a
table with row-level security). No Python object per row, no ORM save per row. Money travels
as numeric(14,2) rounded to cents here (half away from zero, like PostgreSQL's round), so
the INSERT copies it as it is, instead of converting floats or cents to numeric per value
in SQL.
"""

import io
import struct
from collections.abc import Iterator

import numpy as np
import pandas as pd
from django.db import connection

from crm.postgresql.citus import staged_insert
from crm.tenancy.context import require_shop_id
from insights.models import LifecycleStage

# numeric(14,2) in PostgreSQL's binary form with a fixed four base-10000 digits (weight 2:
# 10^8, 10^4, 1 and 10^-4), which PostgreSQL accepts unnormalized and normalizes on receipt;
# sign 0xC000 is NaN.
NUMERIC_14_2 = np.dtype(
    [("ndigits", ">i2"), ("weight", ">i2"), ("sign", ">u2"), ("dscale", ">i2"), ("digits", ">i2", (4,))]
)
MONEY = "numeric(14,2)"
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
BINARY_COPY_HEADER = b"PGCOPY\n\xff\r\n\x00" + struct.pack(">ii", 0, 0)
BINARY_COPY_TRAILER = struct.pack(">h", -1)

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


def _numeric(amounts: np.ndarray) -> np.ndarray:
    """NUMERIC_14_2 values of float amounts rounded to whole cents half away from zero (like
    PostgreSQL's round); NaN stays NaN. An amount of 10^12 or more gets a digit PostgreSQL
    refuses, so the run fails like any numeric overflow."""
    finite = np.isfinite(amounts)
    scaled = np.where(finite, amounts * 100, 0.0)
    cents = np.abs(np.trunc(scaled + np.copysign(0.5, scaled))).astype(np.int64)
    units = cents // 100
    numeric = np.zeros(len(amounts), dtype=NUMERIC_14_2)
    numeric["ndigits"], numeric["weight"], numeric["dscale"] = 4, 2, 2
    numeric["sign"] = np.where(finite, np.where(scaled < 0, 0x4000, 0), 0xC000)
    numeric["digits"] = np.stack([units // 10**8, units // 10**4 % 10**4, units % 10**4, cents % 100 * 100], axis=1)
    return numeric


class BinaryCopyRows(io.RawIOBase):
    """PostgreSQL binary COPY data for STAGE_COLUMNS, as a file for `copy_expert` to read.

    Each tuple is a field count followed by (length, value) per field, all fixed width, so
    one structured array holds a chunk of rows. The chunk's buffer is filled again for each
    chunk instead of allocating the whole payload (100 MB for a million rows): first touches
    of fresh memory cost more on this kind of machine than building the rows."""

    CHUNK_ROWS = 65_536

    def __init__(self, frame: pd.DataFrame, segments: list[str]):
        super().__init__()
        self.columns = {
            **{name: frame[name].to_numpy() for name, *_ in STAGE_COLUMNS if name in frame},
            "segment_code": _codes(frame["segment"], segments),
            "lifecycle_code": _codes(frame["lifecycle_stage"], STAGES),
        }
        layout = [("field_count", ">i2")]
        for name, _, numpy_type in STAGE_COLUMNS:
            layout += [(f"{name}__length", ">i4"), (name, numpy_type)]
        self.rows = np.empty(max(1, min(len(frame), self.CHUNK_ROWS)), dtype=layout)
        self.rows["field_count"] = len(STAGE_COLUMNS)
        for name, _, numpy_type in STAGE_COLUMNS:
            self.rows[f"{name}__length"] = np.dtype(numpy_type).itemsize
        self.chunks = self._chunks(len(frame))
        self.pending = memoryview(b"")

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        while not self.pending:
            chunk = next(self.chunks, None)
            if chunk is None:
                return b""
            self.pending = chunk
        size = len(self.pending) if size < 0 else size
        data, self.pending = bytes(self.pending[:size]), self.pending[size:]
        return data

    def _chunks(self, total: int) -> Iterator[memoryview]:
        """The header, the rows a chunk at a time (each read to the end before the buffer is
        refilled), the trailer."""
        yield memoryview(BINARY_COPY_HEADER)
        for start in range(0, total, len(self.rows)):
            rows = self.rows[: min(len(self.rows), total - start)]
            for name, pg_type, _ in STAGE_COLUMNS:
                values = self.columns[name][start : start + len(rows)]
                rows[name] = _numeric(values.astype("float64")) if pg_type == MONEY else values
            yield memoryview(rows).cast("B")
        yield memoryview(BINARY_COPY_TRAILER)


def customer_scores_write(*, shop_id: int, run_id: int, frame: pd.DataFrame, segments: list[str]) -> int:
    """Insert one CustomerScore per row of `frame` (scores_frame columns) for the run;
    returns the rows written. Run inside the shop's scope and the run's transaction."""
    assert shop_id == require_shop_id(), "write in the scope of the shop it names"
    stage_columns = ", ".join(f"{name} {pg_type}" for name, pg_type, _ in STAGE_COLUMNS)
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS insights_score_stage")
        cursor.execute(f"CREATE TEMP TABLE insights_score_stage ({stage_columns}) ON COMMIT DROP")
        cursor.copy_expert(
            "COPY insights_score_stage FROM STDIN WITH (FORMAT binary)", BinaryCopyRows(frame, segments), 1 << 20
        )
        cursor.execute(
            staged_insert(INSERT_SQL, connection),
            {"shop_id": shop_id, "run_id": run_id, "segments": list(segments), "stages": list(STAGES)},
        )
        written = cursor.rowcount
        cursor.execute("DROP TABLE insights_score_stage")
    return written
