# The site's one container: tini → container/start → nginx (port 8080) + gunicorn (unix socket).
# Python and nginx come from Debian; the app's dependencies live in a venv built in the first stage.
ARG BASE_IMAGE=debian:bookworm-slim

FROM ${BASE_IMAGE} AS build
# certs/*.crt (empty in git) are trusted for this stage only: builds behind a TLS-intercepting proxy.
COPY certs/ /usr/local/share/ca-certificates/build/
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates python3 python3-venv \
 && update-ca-certificates \
 && rm -rf /var/lib/apt/lists/*
ENV PIP_CERT=/etc/ssl/certs/ca-certificates.crt \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1
# The container's server (container/requirements.txt) and the app's own pinned dependencies
# (deploy.toml `requirements`, passed as a build argument), resolved together.
COPY container/requirements.txt /tmp/container-requirements.txt
ARG APP_REQUIREMENTS=flask.com/requirements.txt
COPY ${APP_REQUIREMENTS} /tmp/app-requirements.txt
RUN python3 -m venv /opt/venv \
 && /opt/venv/bin/pip install --no-compile -r /tmp/container-requirements.txt -r /tmp/app-requirements.txt \
 && /opt/venv/bin/pip uninstall --yes pip setuptools
COPY flask.com/ /app/site/
COPY container/*.py /app/container/
# The app: deploy.toml `wsgi_app` ("module:variable" or "module:factory()"). Its top-level package's
# static/ folder (Flask's default) is what nginx serves at /static/ (linked in the final stage).
ARG WSGI_APP=flasksite.wsgi:app
# Static files get content-hashed names beside their own (edge, issue 14: container/hash_static.py).
RUN static="/app/site/${WSGI_APP%%[.:]*}/static" \
 && if [ -d "$static" ]; then python3 /app/container/hash_static.py "$static"; fi
# The app's instance folder (Flask's app.instance_path for a package in /app/site) points into /tmp,
# the only writable path: the entrypoint creates it; it is lost when the task stops.
# The root filesystem is read-only at run time: compile bytecode now, once.
RUN ln -s /tmp/instance /app/site/instance \
 && python3 -m compileall -q -j 0 /opt/venv/lib /app/site /app/container

FROM ${BASE_IMAGE}
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 nginx-light tini \
 && rm -rf /var/lib/apt/lists/* /var/cache/apt/* /var/log/* /etc/nginx/sites-enabled/* \
 && useradd --uid 10001 --user-group --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin web
COPY --from=build /opt/venv /opt/venv
COPY --from=build /app/site /app/site
COPY --from=build /app/container /app/container
COPY nginx.conf /app/nginx.conf
COPY container/start /app/start
ARG WSGI_APP=flasksite.wsgi:app
RUN ln -s "/app/site/${WSGI_APP%%[.:]*}/static" /app/static

# Writable at run time (run with --read-only): /tmp (tmpfs locally, a task volume on Fargate:
# gunicorn's socket, nginx's pid and temp files) and /dev/shm (gunicorn's worker heartbeat files).
# Nothing else is written: bytecode was compiled above, logs go to stdout.
# Environment: IMAGE_TAG (shown by /health), APP_ENV (production|local), SECRET_KEY (required in
# production), WEB_CONCURRENCY (workers; default 2 × CPU quota + 1), DRAIN_SECONDS (stop budget,
# default 20), ENABLE_TEST_ENDPOINTS=1 (tests and benchmarks only: /api/slow); APP_SETTINGS_JSON and
# APP_SECRETS_JSON (the app's [env] and secrets, expanded by the entrypoint, container/appenv.py);
# WSGI_APP and APP_ROOT (what gunicorn serves, from where: container/appwsgi.py).
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    APP_ENV=production \
    IMAGE_TAG=unknown \
    WSGI_APP=${WSGI_APP} \
    APP_ROOT=/app/site
VOLUME ["/tmp"]
USER 10001:10001
WORKDIR /app/site
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s --start-period=5s --retries=3 \
  CMD ["python3", "-c", "import urllib.request as u; u.urlopen('http://127.0.0.1:8080/health', timeout=2)"]
STOPSIGNAL SIGTERM
# tini is PID 1 on Fargate too (the task definition adds no init of ECS's): it reaps every orphan in
# the container, ECS Exec's included, and forwards ECS's SIGTERM to the command. container/appenv.py
# turns APP_SETTINGS_JSON and APP_SECRETS_JSON into one variable per name for every command (the
# servers, `deploy.py run`, the release command), then execs it.
ENTRYPOINT ["/usr/bin/tini", "--", "/usr/bin/python3", "-I", "/app/container/appenv.py"]
CMD ["/app/start"]
