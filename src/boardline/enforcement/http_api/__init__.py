"""The HTTP adapter: Boardline's decision API, block page and administrators' queue.

* ``POST /v1/decisions`` — decide an event (versioned schemas in :mod:`.schemas`);
* ``GET /healthz``, ``GET /metrics`` (Prometheus text), ``GET /openapi.json``;
* ``GET /blocked?t=TOKEN`` — the page Squid's ``deny_info`` points to, with its
  two forms (request an exception, declare an emergency);
* ``/admin/requests``, ``/admin/alerts`` — the administrators' queue and alerts.

:func:`create_app` builds it all from a :class:`~boardline.bootstrap.Runtime`;
``boardline serve api`` runs it under uvicorn.
"""

from boardline.enforcement.http_api.app import create_app
from boardline.enforcement.http_api.schemas import (
    CommunicationDecisionRequestV1,
    DecisionRequestV1,
    DecisionResponseV1,
    PostDecisionRequestV1,
    WebDecisionRequestV1,
)

__all__ = [
    "CommunicationDecisionRequestV1",
    "DecisionRequestV1",
    "DecisionResponseV1",
    "PostDecisionRequestV1",
    "WebDecisionRequestV1",
    "create_app",
]
