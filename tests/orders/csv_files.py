"""Small order CSV files for import tests."""

import csv
from pathlib import Path

HEADER = ["order_id", "customer_id", "placed_at", "total", "currency", "status", "phone", "email", "name", "channel",
          "sku", "product_name", "category", "quantity", "unit_price"]  # fmt: skip

# Rows of C1 are not contiguous on purpose: line 2 and line 4.
ROWS = [
    ["C1", "U1", "2026-10-01 10:00:00", "148.00", "CNY", "paid", "13800000001", "a@example.com", "王芳", "web",
     "SKU-1", "保温杯", "家居", "2", "49.00"],
    ["C2", "U2", "2026/10/2 11:30", "30.00", "", "completed", "13800000002", "", "李雷", "app",
     "SKU-2", "龙井茶", "食品", "1", "30.00"],
    ["C1", "U1", "2026-10-01 10:00:00", "148.00", "CNY", "paid", "13800000001", "a@example.com", "王芳", "web",
     "SKU-3", "香薰蜡烛", "家居", "1", "50.00"],
]  # fmt: skip


def csv_write(path: Path, rows: list[list[str]], *, encoding: str = "utf-8", header: list[str] = HEADER) -> Path:
    with open(path, "w", encoding=encoding, newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path
