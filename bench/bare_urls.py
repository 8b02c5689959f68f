"""The benchmark's baseline: a bare Django view doing one indexed SELECT and one UPDATE.

Served only by bench/checkin.py, through bench/bare_settings.py; the site never mounts it.
"""

import json

from django.db import connection
from django.http import HttpResponse, JsonResponse
from django.urls import path
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt


@csrf_exempt
def bare(request):
    """Look the ticket up by its unique token, touch its booking: the floor a scan stands on."""
    token = json.loads(request.body)["code"]
    with connection.cursor() as cursor:
        cursor.execute("SELECT booking_id FROM attendance_ticket WHERE token = %s", [token])
        row = cursor.fetchone()
        if row is None:
            return HttpResponse(status=404)
        cursor.execute(
            "UPDATE classes_booking SET updated_at = %s WHERE id = %s", [timezone.now(), row[0]]
        )
    return JsonResponse({"result": "ok"})


urlpatterns = [path("bare/", bare)]
