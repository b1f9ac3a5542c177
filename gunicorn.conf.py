"""gunicorn's production settings, in one place (docs/deploy.md explains each):

    gunicorn -c gunicorn.conf.py 'ideaspace:create_app()'      # what `make serve` runs

Set through the environment: WEB_CONCURRENCY (worker processes, 2), GUNICORN_THREADS (threads per
worker, 4), BIND (127.0.0.1:8000), FORWARDED_ALLOW_IPS (127.0.0.1). A flag on the command line
overrides the value here.
"""

import gc
import os

workers = int(os.environ.get("WEB_CONCURRENCY") or 2)  # one per core
threads = int(os.environ.get("GUNICORN_THREADS") or 4)  # fill the time a request waits for the database
bind = os.environ.get("BIND") or "127.0.0.1:8000"
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS") or "127.0.0.1"

worker_tmp_dir = "/dev/shm"  # the workers' heartbeat files: memory, not a possibly slow disk
timeout = 60
graceful_timeout = 30
keepalive = 5
max_requests = 2000  # recycle a worker now and then: a slow leak cannot grow without bound
max_requests_jitter = 200
accesslog = "-"

# Memory: the master imports and builds the app once, and the workers share its memory pages
# (copy on write). gc.freeze() is what keeps them shared: without it every collection in a worker
# writes to the shared objects' headers and so copies their pages (preloading alone used more
# memory in all than not preloading). Measured with 4 workers on the city-scale data: each
# worker's own memory (USS) 75-105 MB -> 30-60 MB, all processes together (PSS) 350-390 MB ->
# 210-265 MB. Also measured and left out: gc.disable() while importing (no difference) and a
# higher gen-0 threshold (once frozen, about 0.25 ms CPU less per request and a few MB more per
# worker). With the app preloaded `kill -HUP` restarts the workers with the master's (old) code:
# upgrade with a restart, or USR2 then QUIT to the old master (docs/deploy.md).
preload_app = True


def when_ready(server):
    """In the master, once the app is built, before the first worker is forked."""
    from ideaspace.extensions import db

    with server.app.wsgi().app_context():
        for engine in db.engines.values():
            engine.dispose()  # no worker inherits a database connection (create_app opens none)
    gc.freeze()  # all that exists now stays shared: the workers' collections never touch it
