"""Run one function in many real threads at once (each with its own database connection)."""

import threading

from django.db import connection


def run_in_threads(target, threads: int, timeout: float = 120) -> list:
    """`target(index)` in `threads` threads released together; their results in index
    order. The first error raised in a thread is raised here."""
    barrier, results, errors = threading.Barrier(threads), [None] * threads, []

    def worker(index: int) -> None:
        try:
            barrier.wait()
            results[index] = target(index)
        except BaseException as error:  # noqa: BLE001 (re-raised in the main thread below)
            errors.append(error)
        finally:
            connection.close()

    workers = [threading.Thread(target=worker, args=(index,)) for index in range(threads)]
    for thread in workers:
        thread.start()
    for thread in workers:
        thread.join(timeout=timeout)
    if errors:
        raise errors[0]
    return results
