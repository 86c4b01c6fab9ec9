"""PostgreSQL's binary COPY format, encoded from numpy arrays a chunk of rows at a time.

Performance machinery for the scoring write-back, not a pattern to copy: fixed-width columns
only, no Python object per row. Plain writes use the ORM or executemany.
"""

import io
import struct
from collections.abc import Iterator, Mapping, Sequence

import numpy as np

# numeric(14,2) in PostgreSQL's binary form with a fixed four base-10000 digits (weight 2:
# 10^8, 10^4, 1 and 10^-4), which PostgreSQL accepts unnormalized and normalizes on receipt;
# sign 0xC000 is NaN.
NUMERIC_14_2 = np.dtype(
    [("ndigits", ">i2"), ("weight", ">i2"), ("sign", ">u2"), ("dscale", ">i2"), ("digits", ">i2", (4,))]
)
MONEY = "numeric(14,2)"
BINARY_COPY_HEADER = b"PGCOPY\n\xff\r\n\x00" + struct.pack(">ii", 0, 0)
BINARY_COPY_TRAILER = struct.pack(">h", -1)


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
    """PostgreSQL binary COPY data, as a file for `copy_expert` to read: `columns` maps each
    name of `fields` ((name, PostgreSQL type, numpy big-endian type), in COPY order) to an
    array of `total` values; MONEY columns are floats rounded to cents here.

    Each tuple is a field count followed by (length, value) per field, all fixed width, so
    one structured array holds a chunk of rows. The chunk's buffer is filled again for each
    chunk instead of allocating the whole payload (100 MB for a million rows): first touches
    of fresh memory cost more on this kind of machine than building the rows."""

    CHUNK_ROWS = 65_536

    def __init__(self, columns: Mapping[str, np.ndarray], fields: Sequence[tuple[str, str, object]], total: int):
        super().__init__()
        self.columns = columns
        self.fields = fields
        layout = [("field_count", ">i2")]
        for name, _, numpy_type in fields:
            layout += [(f"{name}__length", ">i4"), (name, numpy_type)]
        self.rows = np.empty(max(1, min(total, self.CHUNK_ROWS)), dtype=layout)
        self.rows["field_count"] = len(fields)
        for name, _, numpy_type in fields:
            self.rows[f"{name}__length"] = np.dtype(numpy_type).itemsize
        self.chunks = self._chunks(total)
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
            for name, pg_type, _ in self.fields:
                values = self.columns[name][start : start + len(rows)]
                rows[name] = _numeric(values.astype("float64")) if pg_type == MONEY else values
            yield memoryview(rows).cast("B")
        yield memoryview(BINARY_COPY_TRAILER)
