from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from health.heartbeat import health_now


@never_cache
@require_safe
def check(request: HttpRequest) -> JsonResponse:
    """200 when the database and the shared cache answer and the task cluster's heartbeat is
    fresh, else 503 with what is wrong. No login (a monitor calls it), no personal data, one
    query and a cache round trip; GET or HEAD."""
    health = health_now()
    return JsonResponse(health.as_json(), status=200 if health.ok else 503)
