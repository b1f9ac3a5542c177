"""gunicorn for the live workshops' event streams only (docs/deploy.md, docs/workshops.md):

    gunicorn -c gunicorn.events.conf.py 'ideaspace:create_app()'    # what `make serve-events` runs

The same app as gunicorn.conf.py's, with gevent's worker class: a held stream is a greenlet
waiting on an event, not a thread, so one process holds hundreds of phones. The reverse proxy
sends only `/live/events` and `/present/<id>/events` here (without buffering); everything else
goes to the threaded workers of gunicorn.conf.py, which render the pages. What wakes the streams
is Redis pub/sub (REDIS_URL): every process, on every host, hears every change.

psycopg 3 sees gevent's patched `select` and waits cooperatively (psycopg.waiting); redis-py
uses the patched sockets. The app is not preloaded: gevent patches the standard library in each
worker before the app is imported.

Set through the environment: EVENTS_WORKERS (processes, 1), EVENTS_CONNECTIONS (streams and
requests per process, 1000), EVENTS_BIND (127.0.0.1:8001), FORWARDED_ALLOW_IPS (127.0.0.1).
"""

import os

worker_class = "gevent"
workers = int(os.environ.get("EVENTS_WORKERS") or 1)
worker_connections = int(os.environ.get("EVENTS_CONNECTIONS") or 1000)
bind = os.environ.get("EVENTS_BIND") or "127.0.0.1:8001"
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS") or "127.0.0.1"
worker_tmp_dir = "/dev/shm"
preload_app = False
timeout = 30  # the worker's heartbeat; a held stream does not block it
graceful_timeout = 10  # streams end on restart; the browsers reconnect after `retry`
keepalive = 75
accesslog = "-"
