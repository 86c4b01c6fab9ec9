"""Performance machinery of order ingest, used only by the batch paths (the bulk endpoint,
the CSV import, the demo seed): COPY text encoding and the session temp tables through
which a batch is written set-based. A single order takes the plain ORM path
(orders/services/upsert.py); new code should too unless it writes batches.
"""
