"""gunicorn reads this file from the working directory (`make run`, the Dockerfile and the
benchmarks all start it there); workers, threads and the bind address stay on each
command line."""

import gc

# The access log: no query strings (searches hold phone numbers), no Referer (it holds
# the previous page's query string), no user agent. Fields: client, time, method, path
# without query, protocol, status, bytes, seconds, request id.
access_log_format = '%(h)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(B)s %(L)s %({x-request-id}o)s'


def post_worker_init(worker):
    # Everything loaded so far (Django, the URL conf, models, DRF) lives as long as the
    # worker: move it out of the collector's reach, so a full collection walks only what
    # requests allocate. Without it the cyclic collector was ~a quarter of a list
    # request's CPU (py-spy on the customers list under load).
    gc.freeze()
