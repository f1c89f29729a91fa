"""Two workers at once, for the exactly-once tests: each thread has its own database connection."""

import threading

from django.db import connection


def at_once(work, *, workers=2):
    """Run ``work(barrier)`` in ``workers`` threads and re-raise the first error; ``work`` calls
    ``barrier.wait()`` where the workers must meet (just before the race)."""
    barrier, errors = threading.Barrier(workers), []

    def run():
        try:
            work(barrier)
        except Exception as error:  # pragma: no cover - re-raised below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _i in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]
