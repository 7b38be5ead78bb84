"""The site's caching contract with a shared cache in front of it (CloudFront, edge issue 14).

CloudFront caches what the response's own Cache-Control allows, keyed by host, path and query string
but not by cookies (cloudformation/resources.yaml, Distribution). So a response that depends on the
visitor's session, or that sets a cookie, must never be stored there, whatever the view said: it
gets `Cache-Control: private, no-store`. Every other response keeps the Cache-Control its view chose
(none means not cached: the distribution's default TTL is 0).

The check runs where Flask saves the session (the session interface's save_session), which is after
the view and every after_request function, and which sees whether the session was read at all
without reading it itself. An app that brings its own session interface must keep this rule.
"""

from __future__ import annotations

from flask import Flask, Response
from flask.sessions import SecureCookieSessionInterface, SessionMixin

PERSONAL = "private, no-store"


class PersonalResponsesStayPrivate(SecureCookieSessionInterface):
    def save_session(self, app: Flask, session: SessionMixin, response: Response) -> None:
        super().save_session(app, session, response)
        if session.accessed or "Set-Cookie" in response.headers:
            response.headers["Cache-Control"] = PERSONAL


def init_app(app: Flask) -> None:
    app.session_interface = PersonalResponsesStayPrivate()
